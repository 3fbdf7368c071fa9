package io.khp.bus;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * {@code khp_kafka_consumer_lag_records{topic}}: how many records a service's consumers are behind
 * the end of each topic they read, summed over partitions, from the Kafka clients' own
 * {@code records-lag} metrics (for Kafka Streams, its embedded consumers'), read at scrape time.
 */
public final class KafkaLag implements MultiCollector {

    static final String NAME = "khp_kafka_consumer_lag_records";

    private final List<Supplier<Map<MetricName, ? extends Metric>>> clients = new CopyOnWriteArrayList<>();

    /** Adds a client's metrics, e.g. {@code consumer::metrics} or {@code streams::metrics}. */
    public void add(Supplier<Map<MetricName, ? extends Metric>> metrics) {
        clients.add(metrics);
    }

    /** Forgets every client (when the service stops). */
    public void clear() {
        clients.clear();
    }

    @Override
    public MetricSnapshots collect() {
        GaugeSnapshot.Builder lag = GaugeSnapshot.builder().name(NAME)
                .help("Records the service's consumers are behind the end of the topic, summed over its partitions");
        lagByTopic().forEach((topic, records) -> lag.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                .labels(Labels.of("topic", topic)).value(records).build()));
        return MetricSnapshots.of(lag.build());
    }

    Map<String, Double> lagByTopic() {
        Map<String, Double> byTopic = new TreeMap<>();
        for (Supplier<Map<MetricName, ? extends Metric>> client : clients) {
            Map<MetricName, ? extends Metric> metrics;
            try {
                metrics = client.get();
            } catch (RuntimeException closed) {
                continue;
            }
            Map<List<String>, Double> byPartition = new HashMap<>();
            metrics.forEach((name, metric) -> {
                String topic = name.tags().get("topic");
                String partition = name.tags().get("partition");
                if (!"records-lag".equals(name.name()) || topic == null || partition == null) {
                    return;
                }
                if (metric.metricValue() instanceof Number n && !Double.isNaN(n.doubleValue())) {
                    byPartition.put(List.of(topic, partition), n.doubleValue());
                }
            });
            // the client also registers each dotted topic's figures under the name with '_' for '.' (its older metric names)
            for (List<String> key : List.copyOf(byPartition.keySet())) {
                if (key.get(0).contains(".")) {
                    byPartition.remove(List.of(key.get(0).replace('.', '_'), key.get(1)));
                }
            }
            byPartition.forEach((key, lag) -> byTopic.merge(key.get(0), lag, Double::sum));
        }
        return byTopic;
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of(NAME);
    }
}
