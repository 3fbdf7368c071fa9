package io.khp.cli;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.CommonClientConfigs;

import io.khp.bus.ClientSettings;
import io.khp.bus.ConfigFiles;

/**
 * Operator configuration: a properties file ($KHP_CONFIG, default ~/.config/khp/config.properties),
 * overridden by the environment, overridden by command-line options. Keys: {@code bootstrap},
 * {@code api}, {@code keys}, and {@code kafka.*} (passed to the Kafka clients, e.g.
 * {@code kafka.security.protocol=SASL_SSL}).
 */
final class KhpConfig {

    static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";
    static final String DEFAULT_API = "http://127.0.0.1:8083";

    private final Map<String, String> values;

    KhpConfig(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    static KhpConfig load(Map<String, String> env) {
        Map<String, String> values = new HashMap<>(ConfigFiles.operatorConfig(env));
        putIfSet(values, "bootstrap", env.get("KHP_BOOTSTRAP"));
        putIfSet(values, "api", env.get("KHP_API"));
        putIfSet(values, "keys", env.get("KHP_KEYS"));
        putIfSet(values, "kernel", env.get("KHP_KERNEL"));
        String kafkaProperties = env.get("KHP_KAFKA_PROPERTIES");
        if (kafkaProperties != null && !kafkaProperties.isBlank()) {
            ConfigFiles.read(Path.of(kafkaProperties)).forEach((k, v) -> values.put("kafka." + k, v));
        }
        return new KhpConfig(values);
    }

    static KhpConfig fromEnvironment() {
        return load(System.getenv());
    }

    KhpConfig with(String key, String value) {
        if (value == null) {
            return this;
        }
        Map<String, String> copy = new HashMap<>(values);
        copy.put(key, value);
        return new KhpConfig(copy);
    }

    String bootstrap() {
        return values.getOrDefault("bootstrap", DEFAULT_BOOTSTRAP);
    }

    /** The default target kernel of builds (ABI-FLAVOUR), if one is configured. */
    java.util.Optional<String> kernel() {
        return java.util.Optional.ofNullable(values.get("kernel"));
    }

    String api() {
        String api = values.getOrDefault("api", DEFAULT_API);
        return api.endsWith("/") ? api.substring(0, api.length() - 1) : api;
    }

    ClientSettings kafka() {
        Map<String, Object> client = new HashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith("kafka.")) {
                client.put(k.substring("kafka.".length()), v);
            }
        });
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        return new ClientSettings(client);
    }

    private static void putIfSet(Map<String, String> values, String key, String value) {
        if (value != null && !value.isBlank()) {
            values.put(key, value.strip());
        }
    }
}
