package io.khp.bus;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Kafka client settings shared by khp services: the bootstrap servers plus any client properties
 * (security: SASL/SSL) from a file named by KHP_KAFKA_PROPERTIES, and khp's producer and consumer
 * defaults (idempotent, acks=all, read_committed, manual commits).
 */
public final class ClientSettings {

    private final Map<String, Object> common;

    public ClientSettings(Map<String, Object> common) {
        this.common = Map.copyOf(common);
    }

    /** From the environment: KHP_BOOTSTRAP (default 127.0.0.1:9092) and KHP_KAFKA_PROPERTIES. */
    public static ClientSettings fromEnvironment() {
        Map<String, Object> config = new HashMap<>();
        String properties = System.getenv("KHP_KAFKA_PROPERTIES");
        if (properties != null && !properties.isBlank()) {
            config.putAll(ConfigFiles.read(Path.of(properties)));
        }
        String bootstrap = System.getenv().getOrDefault("KHP_BOOTSTRAP", "127.0.0.1:9092");
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return new ClientSettings(config);
    }

    public static ClientSettings of(String bootstrapServers) {
        return new ClientSettings(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    public ClientSettings with(String key, Object value) {
        Map<String, Object> config = new HashMap<>(common);
        config.put(key, value);
        return new ClientSettings(config);
    }

    public Map<String, Object> common() {
        return new HashMap<>(common);
    }

    public String bootstrapServers() {
        return String.valueOf(common.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
    }

    /** Idempotent, acks=all producer of raw bytes (serializers are given when the producer is built). */
    public Map<String, Object> producer(String clientId) {
        Map<String, Object> config = common();
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024);
        config.putIfAbsent(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.putIfAbsent(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return config;
    }

    /** A read_committed consumer of raw bytes with manual commits, starting at the earliest offset. */
    public Map<String, Object> consumer(String groupId) {
        Map<String, Object> config = common();
        if (groupId != null) {
            config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return config;
    }
}
