package io.khp.ledger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import io.khp.bus.ClientSettings;
import io.khp.bus.Topics;
import io.khp.state.HostState;
import io.khp.testkit.RealKafka;
import io.khp.testkit.TestKafka;

/**
 * A ledger that keeps up commits every KHP_LEDGER_COMMIT_MS by asking for it, not at Kafka
 * Streams' commit interval (KHP_LEDGER_BACKLOG_COMMIT_MS): with that interval set to a minute,
 * each heartbeat's host state still reaches a read_committed consumer of khp.host-state in under
 * half of it, one after the other (Streams' first commit would come a minute after the start).
 */
@RealKafka
class CommitPacingOnRealBrokerTest {

    private static final Duration BACKLOG_INTERVAL = Duration.ofMinutes(1);

    @Test
    void aLedgerThatKeepsUpCommitsWithoutWaitingForTheBacklogInterval(TestKafka kafka) {
        String host = "pacing-" + UUID.randomUUID().toString().substring(0, 6);
        // older than every other test's events: each test's ledger reads the shared topics from the
        // start, across topics in timestamp order, and a newer heartbeat ahead of a later test's
        // reports would let that test's lifecycle events go first
        TestEvents e = new TestEvents(Instant.now().minus(Duration.ofDays(2)));
        try (RealBroker broker = new RealBroker(kafka);
                KafkaConsumer<byte[], byte[]> states = new KafkaConsumer<>(ClientSettings.of(kafka.bootstrapServers()).consumer(null),
                        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            LedgerApp ledger = broker.startLedger(Map.of("KHP_LEDGER_COMMIT_MS", "300",
                    "KHP_LEDGER_BACKLOG_COMMIT_MS", Long.toString(BACKLOG_INTERVAL.toMillis())));
            broker.awaitRunning(ledger);
            List<TopicPartition> parts = new ArrayList<>();
            for (int p = 0; p < Topics.HOST_STATE.partitions(); p++) {
                parts.add(new TopicPartition(Topics.HOST_STATE.name(), p));
            }
            states.assign(parts);
            states.seekToBeginning(parts);
            for (int beat = 1; beat <= 3; beat++) {
                broker.send(e.reported(host, "boot-1"));
                long version = beat;
                Eventually.await(BACKLOG_INTERVAL.dividedBy(2), "heartbeat " + beat + " committed on khp.host-state", () -> {
                    for (ConsumerRecord<byte[], byte[]> r : states.poll(Duration.ofMillis(100))) {
                        HostState s = Topics.HOST_STATE.valueSerde().deserializer().deserialize(r.topic(), r.value());
                        if (host.equals(s.getHostId()) && s.getVersion() == version) {
                            return true;
                        }
                    }
                    return false;
                });
            }
        }
    }
}
