package io.khp.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

class ServiceMetricsTest {

    @Test
    void thePortComesFromItsVariableOrTheDefaultAndOffMeansNone() {
        ServiceMetrics metrics = ServiceMetrics.create("KHP_X_METRICS_PORT", 9481);
        assertEquals(9481, metrics.port(Map.of()));
        assertEquals(9999, metrics.port(Map.of("KHP_X_METRICS_PORT", "9999")));
        assertEquals(0, metrics.port(Map.of("KHP_X_METRICS_PORT", "0")));
        assertEquals(MetricsEndpoint.OFF, metrics.port(Map.of("KHP_X_METRICS_PORT", "off")));
        assertEquals(MetricsEndpoint.OFF, metrics.port(Map.of("KHP_X_METRICS_PORT", "")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> metrics.port(Map.of("KHP_X_METRICS_PORT", "70000")));
        assertTrue(e.getMessage().contains("KHP_X_METRICS_PORT"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> metrics.port(Map.of("KHP_X_METRICS_PORT", "nine")));
    }

    @Test
    void lagIsSummedPerTopicOverPartitionsAndClients() {
        KafkaLag lag = new KafkaLag();
        Map<MetricName, Metric> a = new HashMap<>();
        put(a, "records-lag", Map.of("topic", "khp.host-lifecycle", "partition", "0"), 5);
        put(a, "records-lag", Map.of("topic", "khp.host-lifecycle", "partition", "1"), 7);
        put(a, "records-lag", Map.of("topic", "khp_host-lifecycle", "partition", "1"), 7); // the same, under its older name
        put(a, "records-lag", Map.of("topic", "plain_name", "partition", "0"), 2);
        put(a, "records-lag-max", Map.of("topic", "khp.host-lifecycle", "partition", "1"), 100);
        put(a, "records-lag", Map.of("topic", "khp.builds"), 1000); // a topic-level figure, not a partition's
        Map<MetricName, Metric> b = new HashMap<>();
        put(b, "records-lag", Map.of("topic", "khp.host-lifecycle", "partition", "2"), 1);
        put(b, "records-lag", Map.of("topic", "khp.builds", "partition", "0"), Double.NaN);
        lag.add(() -> a);
        lag.add(() -> b);
        lag.add(() -> {
            throw new IllegalStateException("closed");
        });
        assertEquals(Map.of("khp.host-lifecycle", 13.0, "plain_name", 2.0), lag.lagByTopic());
    }

    private static void put(Map<MetricName, Metric> metrics, String name, Map<String, String> tags, double value) {
        MetricName n = new MetricName(name, "consumer-fetch-manager-metrics", "", tags);
        metrics.put(n, new Metric() {
            @Override
            public MetricName metricName() {
                return n;
            }

            @Override
            public Object metricValue() {
                return value;
            }
        });
    }
}
