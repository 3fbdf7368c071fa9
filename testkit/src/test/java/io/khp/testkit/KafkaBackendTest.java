package io.khp.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KafkaBackendTest {

    @Test
    void unsetOrEmbeddedMeansAnInJvmCluster() {
        assertEquals(new KafkaBackend.Embedded(), KafkaBackend.fromEnvironment(null));
        assertEquals(new KafkaBackend.Embedded(), KafkaBackend.fromEnvironment(""));
        assertEquals(new KafkaBackend.Embedded(), KafkaBackend.fromEnvironment("embedded"));
    }

    @Test
    void containerAndExternalClusters() {
        assertEquals(new KafkaBackend.Container(), KafkaBackend.fromEnvironment("container"));
        assertEquals(new KafkaBackend.External("10.0.0.5:9093"), KafkaBackend.fromEnvironment("bootstrap:10.0.0.5:9093"));
    }

    @Test
    void anythingElseIsAClearError() {
        var e = assertThrows(IllegalArgumentException.class, () -> KafkaBackend.fromEnvironment("bootstrap:"));
        assertTrue(e.getMessage().contains("KHP_TEST_KAFKA"));
        assertThrows(IllegalArgumentException.class, () -> KafkaBackend.fromEnvironment("docker"));
    }
}
