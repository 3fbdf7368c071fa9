package io.khp.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import io.khp.bus.ClientSettings;
import io.khp.bus.EventCodec;
import io.khp.bus.Topics;
import io.khp.events.ApplyRequested;
import io.khp.events.HostSelector;
import io.khp.events.KhpEvent;
import io.khp.events.RolloutCompleted;
import io.khp.events.RolloutWaveStarted;
import io.khp.state.HostState;
import io.khp.state.Rejection;
import io.khp.testkit.RealKafka;
import io.khp.testkit.TestKafka;
import io.khp.bus.LogPartitions;

/**
 * The ledger in a child JVM is killed (SIGKILL) in the middle of a rollout and started again on the
 * same state directory: a read_committed consumer sees each host's states in increasing versions
 * (one per host and commit, none twice) up to the one with every event folded, and every rollout
 * decision and command exactly once.
 */
@RealKafka
class ExactlyOnceOnRealBrokerTest {

    private static final int HOSTS = 16;
    private static final int OPERATOR_PATCHES = 3;
    /** A report, then per operator patch request + 4 lifecycle + revert request + reverted, then the rollout's 5. */
    private static final int EVENTS_PER_HOST = 1 + OPERATOR_PATCHES * 7 + 5;

    @Test
    void aKilledLedgerResumesWithoutDuplicateOrMissingOutput(TestKafka kafka) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6);
        String rolloutId = "eos-" + run;
        String rolloutPatch = "eos-" + run + "-rollout";
        TestEvents e = new TestEvents(Instant.now().minusSeconds(7200));
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < HOSTS; i++) {
            hosts.add("eos-" + run + "-h" + i);
        }
        Path stateDir = Files.createTempDirectory("khp-ledger-eos");
        Path logFile = Files.createTempFile("khp-ledger-eos", ".log");
        Process ledger = null;
        try (RealBroker broker = new RealBroker(kafka);
                KafkaConsumer<byte[], byte[]> consumer = outputs(kafka)) {
            ledger = startChild(kafka, run, stateDir, logFile);
            Outputs seen = new Outputs(run, rolloutId);
            Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
            for (String h : hosts) {
                broker.send(e.reported(h, "boot-" + h));
            }
            // as in a fleet, hosts have reported before anything is asked of them: the requests below
            // must not depend on how far the ledger's lifecycle input lags its command input
            while (!seen.allHostsAtLeast(1)) {
                if (Instant.now().isAfter(deadline)) {
                    throw new AssertionError("the ledger did not fold the reports in time: " + seen + "\n" + tail(logFile));
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    seen.add(r);
                }
            }
            for (int k = 0; k < OPERATOR_PATCHES; k++) {
                String patch = "eos-" + run + "-op" + k;
                for (String h : hosts) {
                    broker.send(e.applyRequested(h, patch));
                    broker.send(e.applySucceeds(h, patch));
                    broker.send(e.revertRequested(h, patch), e.reverted(h, patch));
                }
            }
            broker.send(e.patchBuilt(rolloutPatch, false));

            boolean rolloutSent = false;
            boolean killed = false;
            while (!seen.done()) {
                if (Instant.now().isAfter(deadline)) {
                    throw new AssertionError("the ledger did not finish in time: " + seen + "\n" + tail(logFile));
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    List<String> answerFor = seen.add(r);
                    for (String host : answerFor) {
                        broker.send(e.applySucceeds(host, rolloutPatch));
                    }
                }
                if (!rolloutSent && seen.allHostsAtLeast(1 + OPERATOR_PATCHES * 7)) {
                    broker.send(e.rolloutRequested(rolloutPatch, rolloutId, HostSelector.newBuilder().setHosts(hosts).build(),
                            0.0, false, TestEvents.hosts(2)));
                    rolloutSent = true;
                }
                if (!killed && seen.wavesStarted() >= 3) {
                    ledger.destroyForcibly().waitFor();
                    killed = true;
                    ledger = startChild(kafka, run, stateDir, logFile);
                }
            }
            assertTrue(killed, "the ledger was killed mid-rollout");
            for (String h : hosts) {
                // host states are published once per host and commit: versions only move forward, none twice
                List<Long> versions = seen.versions.get(h);
                for (int i = 1; i < versions.size(); i++) {
                    assertTrue(versions.get(i) > versions.get(i - 1), "host state versions of " + h + " repeat or go back: " + versions);
                }
                assertEquals(EVENTS_PER_HOST, versions.get(versions.size() - 1), "the last state of " + h + " folds every event");
            }
            assertEquals(HOSTS, seen.applyCommands.size(), "one ApplyRequested per host");
            seen.applyCommands.forEach((host, n) -> assertEquals(1, n, "ApplyRequested for " + host));
            assertEquals(HOSTS / 2, seen.waves.size());
            seen.waves.forEach((wave, n) -> assertEquals(1, n, "RolloutWaveStarted " + wave));
            assertEquals(1, seen.completed);
            assertEquals(List.of(), seen.rejections);
        } finally {
            if (ledger != null) {
                ledger.destroy();
                ledger.waitFor();
            }
            try (var files = Files.walk(stateDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            Files.deleteIfExists(logFile);
        }
    }

    /** What the ledger wrote, as a read_committed consumer sees it, for this run's hosts. */
    private static final class Outputs {
        final String run;
        final String rolloutId;
        final Map<String, List<Long>> versions = new HashMap<>();
        final Map<String, Integer> applyCommands = new HashMap<>();
        final Map<Integer, Integer> waves = new HashMap<>();
        final List<String> rejections = new ArrayList<>();
        int completed;

        Outputs(String run, String rolloutId) {
            this.run = run;
            this.rolloutId = rolloutId;
        }

        /** @return hosts whose ApplyRequested of the rollout the agent must answer */
        List<String> add(ConsumerRecord<byte[], byte[]> r) {
            List<String> answer = new ArrayList<>();
            if (r.topic().equals(Topics.HOST_STATE.name())) {
                HostState h = Topics.HOST_STATE.valueSerde().deserializer().deserialize(r.topic(), r.value());
                if (h.getHostId().startsWith("eos-" + run + "-")) {
                    versions.computeIfAbsent(h.getHostId(), k -> new ArrayList<>()).add(h.getVersion());
                }
            } else if (r.topic().equals(Topics.REJECTIONS.name())) {
                Rejection j = Topics.REJECTIONS.valueSerde().deserializer().deserialize(r.topic(), r.value());
                if (String.valueOf(j.getHostId()).startsWith("eos-" + run) || String.valueOf(j.getPatchId()).startsWith("eos-" + run)) {
                    rejections.add(j.getEventType() + ": " + j.getReason());
                }
            } else {
                KhpEvent event = EventCodec.instance().decode(r.value());
                if (!rolloutId.equals(event.getCorrelationId()) || !"ledger-streams".equals(event.getSource())) {
                    return answer;
                }
                if (event.getPayload() instanceof ApplyRequested) {
                    if (applyCommands.merge(event.getHostId(), 1, Integer::sum) == 1) {
                        answer.add(event.getHostId());
                    }
                } else if (event.getPayload() instanceof RolloutWaveStarted w) {
                    waves.merge(w.getWave(), 1, Integer::sum);
                } else if (event.getPayload() instanceof RolloutCompleted c) {
                    completed++;
                    assertEquals(HOSTS, c.getCounts().getApplied());
                }
            }
            return answer;
        }

        boolean allHostsAtLeast(int version) {
            return versions.size() == HOSTS && versions.values().stream().allMatch(v -> v.get(v.size() - 1) >= version);
        }

        int wavesStarted() {
            return waves.size();
        }

        boolean done() {
            return completed > 0 && allHostsAtLeast(EVENTS_PER_HOST);
        }

        @Override
        public String toString() {
            Map<String, Long> last = new HashMap<>();
            versions.forEach((h, v) -> last.put(h, v.get(v.size() - 1)));
            return "versions " + last + ", waves " + waves + ", completed " + completed + ", rejections " + rejections;
        }
    }

    private static KafkaConsumer<byte[], byte[]> outputs(TestKafka kafka) {
        var consumer = new KafkaConsumer<>(ClientSettings.of(kafka.bootstrapServers()).consumer(null),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = LogPartitions.of(consumer,
                List.of(Topics.HOST_STATE.name(), Topics.HOST_COMMANDS.name(), Topics.ROLLOUTS.name(), Topics.REJECTIONS.name()));
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        parts.forEach(consumer::position);
        return consumer;
    }

    private static Process startChild(TestKafka kafka, String run, Path stateDir, Path logFile) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx384m", "-cp", System.getProperty("java.class.path"),
                LedgerService.class.getName());
        pb.environment().put("KHP_BOOTSTRAP", kafka.bootstrapServers());
        pb.environment().put("KHP_LEDGER_APP_ID", "khp-ledger-eos-" + run);
        pb.environment().put("KHP_LEDGER_HTTP_PORT", "0");
        pb.environment().put("KHP_LEDGER_STATE_DIR", stateDir.toString());
        pb.environment().put("KHP_LEDGER_INSTANCE_ID", "eos-" + run);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        return pb.start();
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (java.io.IOException e) {
            return "(no log: " + e + ")";
        }
    }

}
