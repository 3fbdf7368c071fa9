package io.khp.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import io.khp.bus.ClientSettings;
import io.khp.bus.Topics;
import io.khp.events.KhpEvent;
import io.khp.state.HostState;
import io.khp.state.PatchStatus;
import io.khp.state.Rejection;
import io.khp.testkit.RealKafka;
import io.khp.testkit.TestKafka;

/**
 * A host's commands and lifecycle events on their two topics, read by a ledger that starts behind
 * a backlog: an operator's RevertRequested sent right after the Applied (same instant), and one
 * stamped and produced even before the Applied, must both end REVERTED with no rejection.
 */
@RealKafka
class HostEventOrderOnRealBrokerTest {

    private static final int HOSTS = 16;
    private static final int BACKLOG = 20_000;

    @Test
    void aRevertReadBeforeItsAppliedIsNotRefused(TestKafka kafka) {
        String run = UUID.randomUUID().toString().substring(0, 6);
        // each event is a second after the last: the whole run stays in the past (the broker refuses future timestamps)
        TestEvents e = new TestEvents(Instant.now().minusSeconds(3 * BACKLOG));
        String patch = "order-" + run + "-p1";
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < HOSTS; i++) {
            hosts.add("order-" + run + "-h" + i);
        }
        try (RealBroker broker = new RealBroker(kafka)) {
            // a backlog of heartbeats the ledger must work through while the pairs arrive
            List<KhpEvent> backlog = new ArrayList<>();
            for (int i = 0; i < BACKLOG; i++) {
                backlog.add(e.reported("order-" + run + "-filler" + (i % 500), "boot"));
            }
            broker.send(backlog);
            for (String h : hosts) {
                broker.send(e.reported(h, "boot-" + h));
                broker.send(e.applyRequested(h, patch));
                broker.send(e.captured(h, patch), e.verified(h, patch, io.khp.events.Verdict.MATCH),
                        e.attempted(h, patch, 1, io.khp.events.ApplyOutcome.APPLIED));
            }
            LedgerApp ledger = broker.startLedger();
            for (int i = 0; i < HOSTS; i++) {
                String h = hosts.get(i);
                KhpEvent applied = e.applied(h, patch, 1);
                KhpEvent revert = e.revertRequested(h, patch);
                if (i % 2 == 0) {
                    // back to back, the revert stamped with the Applied's instant
                    revert = KhpEvent.newBuilder(revert).setOccurredAt(applied.getOccurredAt()).build();
                    broker.send(applied, revert);
                } else {
                    // the revert produced and stamped first: timestamp order itself is wrong
                    broker.send(revert, applied);
                }
            }
            for (String h : hosts) {
                broker.send(e.reverted(h, patch));
            }
            broker.awaitRunning(ledger);

            Set<String> reverted = new HashSet<>();
            List<Rejection> rejections = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                    ClientSettings.of(kafka.bootstrapServers()).consumer(null), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> states = partitions(Topics.HOST_STATE.name(), Topics.HOST_STATE.partitions());
                consumer.assign(states);
                consumer.seekToBeginning(states);
                // committed host states (read_committed): every output of those transactions is committed too
                Eventually.await(Duration.ofSeconds(120), "all hosts REVERTED on khp.host-state", () -> {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        HostState s = Topics.HOST_STATE.valueSerde().deserializer().deserialize(r.topic(), r.value());
                        if (hosts.contains(s.getHostId()) && s.getPatches().stream()
                                .anyMatch(p -> patch.equals(p.getPatchId()) && p.getState() == PatchStatus.REVERTED)) {
                            reverted.add(s.getHostId());
                        }
                    }
                    return reverted.size() == HOSTS;
                });
                List<TopicPartition> refused = partitions(Topics.REJECTIONS.name(), Topics.REJECTIONS.partitions());
                consumer.assign(refused);
                consumer.seekToBeginning(refused);
                Map<TopicPartition, Long> ends = consumer.endOffsets(refused);
                Eventually.await(Duration.ofSeconds(30), "khp.rejections read to its end", () -> {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                        if (hosts.contains(key)) {
                            rejections.add(Topics.REJECTIONS.valueSerde().deserializer().deserialize(r.topic(), r.value()));
                        }
                    }
                    return refused.stream().allMatch(p -> consumer.position(p) >= ends.get(p));
                });
            }
            assertEquals(List.of(), rejections);
            assertEquals(HOSTS, reverted.size());
        }
    }

    private static List<TopicPartition> partitions(String topic, int n) {
        List<TopicPartition> parts = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            parts.add(new TopicPartition(topic, p));
        }
        return parts;
    }
}
