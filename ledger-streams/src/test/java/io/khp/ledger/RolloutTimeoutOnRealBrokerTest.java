package io.khp.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
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
import io.khp.bus.EventCodec;
import io.khp.bus.Topics;
import io.khp.events.ApplyFailed;
import io.khp.events.ApplyFailureReason;
import io.khp.events.ApplyRequested;
import io.khp.events.HostSelector;
import io.khp.events.KhpEvent;
import io.khp.events.RolloutCompleted;
import io.khp.events.RolloutHalted;
import io.khp.events.RolloutRequested;
import io.khp.events.RolloutWaveStarted;
import io.khp.state.HostState;
import io.khp.state.PatchState;
import io.khp.state.PatchStatus;
import io.khp.testkit.RealKafka;
import io.khp.testkit.TestKafka;

/**
 * A rollout on a real broker where one host's agent is dead (it never answers): its wave ends by the
 * host timeout with that host TIMED_OUT, within the failure budget, so the next wave runs and the
 * rollout completes. The live hosts' agents are played by the test, answering the ledger's commands
 * as they arrive.
 */
@RealKafka
class RolloutTimeoutOnRealBrokerTest {

    private static final long HOST_TIMEOUT_MS = 4_000;

    @Test
    void aWaveWithADeadAgentFinishesByItsTimeoutWithThatHostTimedOut(TestKafka kafka) {
        String run = UUID.randomUUID().toString().substring(0, 6);
        TestEvents e = new TestEvents(Instant.now().minusSeconds(3600));
        String patch = "timeout-" + run + "-p1";
        String live1 = "timeout-" + run + "-a";
        String dead = "timeout-" + run + "-b";
        String live2 = "timeout-" + run + "-c";
        Set<String> live = Set.of(live1, live2);
        try (RealBroker broker = new RealBroker(kafka);
                KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ClientSettings.of(kafka.bootstrapServers()).consumer(null),
                        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> read = new ArrayList<>();
            read.addAll(partitions(Topics.HOST_COMMANDS.name(), Topics.HOST_COMMANDS.partitions()));
            read.addAll(partitions(Topics.ROLLOUTS.name(), Topics.ROLLOUTS.partitions()));
            read.addAll(partitions(Topics.HOST_STATE.name(), Topics.HOST_STATE.partitions()));
            read.addAll(partitions(Topics.PATCH_STATE.name(), Topics.PATCH_STATE.partitions()));
            consumer.assign(read);
            consumer.seekToEnd(read);
            read.forEach(consumer::position);

            LedgerApp ledger = broker.startLedger();
            broker.send(e.reported(live1, "boot"), e.reported(dead, "boot"), e.reported(live2, "boot"), e.patchBuilt(patch, false));
            broker.awaitRunning(ledger);
            // the rollout's selector reads the fleet copy: wait until the three hosts are in it
            Set<String> seen = new HashSet<>();
            Eventually.await(Duration.ofSeconds(60), "the hosts on khp.host-state", () -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(Topics.HOST_STATE.name())) {
                        seen.add(Topics.HOST_STATE.valueSerde().deserializer().deserialize(r.topic(), r.value()).getHostId());
                    }
                }
                return seen.containsAll(List.of(live1, dead, live2)) ? true : null;
            });
            KhpEvent request = e.rolloutRequested(patch, "ro-" + run, TestEvents.explicitHosts(live1, dead, live2), 0.5, false,
                    TestEvents.hosts(2), TestEvents.hosts(1));
            RolloutRequested policy = (RolloutRequested) request.getPayload();
            policy.setHostTimeoutMs(HOST_TIMEOUT_MS);
            policy.setWaveTimeoutMs(60_000);
            broker.send(request);

            Map<Integer, Instant> waveStarted = new HashMap<>();
            List<KhpEvent> timeouts = new ArrayList<>();
            Map<String, PatchStatus> lastState = new HashMap<>();
            List<PatchState> patchStates = new ArrayList<>();
            RolloutCompleted completed = Eventually.await(Duration.ofSeconds(90), "the rollout's end", () -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(Topics.HOST_STATE.name())) {
                        HostState s = Topics.HOST_STATE.valueSerde().deserializer().deserialize(r.topic(), r.value());
                        s.getPatches().stream().filter(p -> patch.equals(p.getPatchId()))
                                .forEach(p -> lastState.put(s.getHostId(), p.getState()));
                        continue;
                    }
                    if (r.topic().equals(Topics.PATCH_STATE.name())) {
                        PatchState state = Topics.PATCH_STATE.valueSerde().deserializer().deserialize(r.topic(), r.value());
                        if (patch.equals(state.getPatchId())) {
                            patchStates.add(state);
                        }
                        continue;
                    }
                    KhpEvent event = EventCodec.instance().decode(r.value());
                    if (!patch.equals(event.getPatchId())) {
                        continue;
                    }
                    Object p = event.getPayload();
                    if (p instanceof ApplyRequested && live.contains(event.getHostId())) {
                        broker.send(e.applySucceeds(event.getHostId(), patch)); // a live agent answers
                    } else if (p instanceof ApplyFailed) {
                        timeouts.add(event);
                    } else if (p instanceof RolloutWaveStarted started) {
                        waveStarted.put(started.getWave(), event.getOccurredAt());
                    } else if (p instanceof RolloutHalted halted) {
                        throw new AssertionError("halted: " + halted.getReason());
                    } else if (p instanceof RolloutCompleted done) {
                        return done;
                    }
                }
                return null;
            });

            assertEquals(1, timeouts.size(), "one timeout: " + timeouts);
            KhpEvent timeout = timeouts.get(0);
            assertEquals(dead, timeout.getHostId());
            assertEquals(ApplyFailureReason.TIMED_OUT, ((ApplyFailed) timeout.getPayload()).getReasonCode());
            assertTrue(((ApplyFailed) timeout.getPayload()).getDetail().contains("host timeout of 4 s"), timeout.toString());
            // both on the ledger's clock: when it sent wave 0's commands, and when it timed the host out
            long wave0Sent = patchStates.stream().flatMap(s -> s.getRollouts().stream())
                    .map(ro -> ro.getWaves().get(0).getClockStartedAt()).filter(java.util.Objects::nonNull).findFirst().orElseThrow();
            long waited = timeout.getOccurredAt().toEpochMilli() - wave0Sent;
            assertTrue(waited >= HOST_TIMEOUT_MS && waited < HOST_TIMEOUT_MS + 2_000,
                    "timed out " + waited + " ms after the wave started");
            assertEquals(timeout.getOccurredAt(), waveStarted.get(1), "the next wave started at the timeout");
            assertEquals(3, completed.getCounts().getTargeted());
            assertEquals(2, completed.getCounts().getApplied());
            assertEquals(1, completed.getCounts().getTimedOut());
            assertEquals(1, completed.getCounts().getFailed());
            // the dead host's state says so, with the timeout in its history (its entry's reason)
            Eventually.await(Duration.ofSeconds(30), "the dead host TIMED_OUT on khp.host-state", () -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(Topics.HOST_STATE.name())) {
                        HostState s = Topics.HOST_STATE.valueSerde().deserializer().deserialize(r.topic(), r.value());
                        s.getPatches().stream().filter(p -> patch.equals(p.getPatchId()))
                                .forEach(p -> lastState.put(s.getHostId(), p.getState()));
                    }
                }
                return lastState.get(dead) == PatchStatus.TIMED_OUT;
            });
            assertEquals(PatchStatus.APPLIED, lastState.get(live1));
            assertEquals(PatchStatus.APPLIED, lastState.get(live2));
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
