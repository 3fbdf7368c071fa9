package io.khp.bus;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/** The properties files khp reads: the operator configuration and Kafka client settings. */
public final class ConfigFiles {

    private ConfigFiles() {
    }

    /** $KHP_CONFIG, else ~/.config/khp/config.properties. */
    public static Path operatorConfigPath(Map<String, String> env) {
        return Path.of(env.getOrDefault("KHP_CONFIG",
                Path.of(System.getProperty("user.home"), ".config", "khp", "config.properties").toString()));
    }

    /** The operator configuration's keys and values (trimmed); empty when there is no such file. */
    public static Map<String, String> operatorConfig(Map<String, String> env) {
        Path file = operatorConfigPath(env);
        return Files.isReadable(file) ? read(file) : Map.of();
    }

    /** Every key and value of a properties file, values trimmed. */
    public static Map<String, String> read(Path file) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> values = new HashMap<>();
        p.forEach((k, v) -> values.put(k.toString(), v.toString().strip()));
        return values;
    }
}
