package io.khp.ledger.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;

import io.khp.bus.ClientSettings;
import io.khp.bus.EventCodec;
import io.khp.bus.Topic;
import io.khp.bus.Topics;
import io.khp.bus.UndecodableEventException;
import io.khp.events.KhpEvent;

/**
 * Reads khp's topics from the start (read_committed) for what the stores do not keep: a host's
 * history, the fleet as of a past instant, artifact bytes.
 */
public final class LogReader {

    /** One event as it sits in the log. */
    public record LoggedEvent(String topic, int partition, long offset, long timestamp, KhpEvent event) {
    }

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final ClientSettings settings;
    private final EventCodec codec = EventCodec.instance();

    public LogReader(ClientSettings settings) {
        this.settings = settings;
    }

    /** Every event of the host on the host topics, in the order the ledger processes them. */
    public List<LoggedEvent> hostHistory(String hostId) {
        int partition = partitionOf(hostId, Topics.HOST_PARTITIONS);
        List<TopicPartition> parts = List.of(new TopicPartition(Topics.HOST_LIFECYCLE.name(), partition),
                new TopicPartition(Topics.HOST_COMMANDS.name(), partition));
        return inLedgerOrder(events(parts, hostId::equals));
    }

    /** Every host event of the fleet, in the order the ledger processes them. */
    public List<LoggedEvent> fleetHistory() {
        List<TopicPartition> parts = new ArrayList<>();
        for (Topic<?, ?> t : List.of(Topics.HOST_LIFECYCLE, Topics.HOST_COMMANDS)) {
            for (int p = 0; p < t.partitions(); p++) {
                parts.add(new TopicPartition(t.name(), p));
            }
        }
        return inLedgerOrder(events(parts, k -> true));
    }

    public List<LoggedEvent> builds() {
        List<TopicPartition> parts = new ArrayList<>();
        for (int p = 0; p < Topics.BUILDS.partitions(); p++) {
            parts.add(new TopicPartition(Topics.BUILDS.name(), p));
        }
        return events(parts, k -> true);
    }

    /** The latest bytes stored under this sha256 on the artifacts topic. */
    public Optional<byte[]> artifact(String sha256) {
        TopicPartition part = new TopicPartition(Topics.ARTIFACTS.name(), partitionOf(sha256, Topics.ARTIFACTS.partitions()));
        byte[][] found = new byte[1][];
        read(List.of(part), r -> {
            if (r.key() != null && sha256.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                found[0] = r.value();
            }
        });
        return Optional.ofNullable(found[0]);
    }

    /** The default partitioner's choice for a string key. */
    public static int partitionOf(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /**
     * Streams takes a task's records partition by partition in offset order, always from the
     * partition whose next record has the lowest timestamp: the same merge, per partition number.
     */
    private static List<LoggedEvent> inLedgerOrder(List<LoggedEvent> events) {
        Map<Integer, Map<String, java.util.ArrayDeque<LoggedEvent>>> byTask = new java.util.TreeMap<>();
        for (LoggedEvent e : events) {
            byTask.computeIfAbsent(e.partition(), p -> new java.util.TreeMap<>())
                    .computeIfAbsent(e.topic(), t -> new java.util.ArrayDeque<>()).add(e);
        }
        List<LoggedEvent> ordered = new ArrayList<>(events.size());
        for (Map<String, java.util.ArrayDeque<LoggedEvent>> queues : byTask.values()) {
            while (true) {
                java.util.ArrayDeque<LoggedEvent> next = null;
                for (java.util.ArrayDeque<LoggedEvent> q : queues.values()) {
                    if (!q.isEmpty() && (next == null || q.peek().timestamp() < next.peek().timestamp())) {
                        next = q;
                    }
                }
                if (next == null) {
                    break;
                }
                ordered.add(next.poll());
            }
        }
        return ordered;
    }

    private List<LoggedEvent> events(List<TopicPartition> parts, Predicate<String> key) {
        List<LoggedEvent> events = new ArrayList<>();
        read(parts, r -> {
            String k = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
            if (k == null || !key.test(k) || r.value() == null) {
                return;
            }
            try {
                events.add(new LoggedEvent(r.topic(), r.partition(), r.offset(), r.timestamp(), codec.decode(r.value())));
            } catch (UndecodableEventException e) {
                // dead-lettered by the ledger; not part of any history
            }
        });
        return events;
    }

    private void read(List<TopicPartition> parts, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        Map<String, Object> config = settings.consumer(null);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            Instant deadline = Instant.now().plus(READ_TIMEOUT);
            while (parts.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("reading " + parts + " did not reach " + end + " within " + READ_TIMEOUT);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        sink.accept(r);
                    }
                }
            }
        }
    }
}
