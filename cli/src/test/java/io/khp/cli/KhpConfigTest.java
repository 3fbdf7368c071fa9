package io.khp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KhpConfigTest {

    @TempDir
    Path dir;

    @Test
    void defaultsWithoutFileOrEnvironment() {
        KhpConfig config = KhpConfig.load(Map.of("KHP_CONFIG", dir.resolve("absent").toString()));
        assertEquals(KhpConfig.DEFAULT_BOOTSTRAP, config.bootstrap());
        assertEquals(KhpConfig.DEFAULT_API, config.api());
    }

    @Test
    void environmentOverridesFileAndOptionsOverrideBoth() throws Exception {
        Path file = dir.resolve("config.properties");
        Files.writeString(file, "bootstrap=kafka-a:9092\napi=http://ledger:1/\nkafka.security.protocol=SASL_SSL\n");
        KhpConfig fromFile = KhpConfig.load(Map.of("KHP_CONFIG", file.toString()));
        assertEquals("kafka-a:9092", fromFile.bootstrap());
        assertEquals("http://ledger:1", fromFile.api());
        assertEquals("SASL_SSL", fromFile.kafka().common().get("security.protocol"));

        KhpConfig fromEnv = KhpConfig.load(Map.of("KHP_CONFIG", file.toString(), "KHP_BOOTSTRAP", "kafka-b:9092"));
        assertEquals("kafka-b:9092", fromEnv.bootstrap());
        assertEquals("kafka-c:9092", fromEnv.with("bootstrap", "kafka-c:9092").bootstrap());
        assertEquals("kafka-b:9092", fromEnv.with("bootstrap", null).bootstrap());
    }

    @Test
    void kafkaPropertiesFilePassesSecuritySettingsThrough() throws Exception {
        Path props = dir.resolve("client.properties");
        Files.writeString(props, "sasl.mechanism=SCRAM-SHA-512\n");
        KhpConfig config = KhpConfig.load(Map.of("KHP_CONFIG", dir.resolve("absent").toString(), "KHP_KAFKA_PROPERTIES", props.toString()));
        assertEquals("SCRAM-SHA-512", config.kafka().common().get("sasl.mechanism"));
        assertEquals(KhpConfig.DEFAULT_BOOTSTRAP, config.kafka().bootstrapServers());
    }
}
