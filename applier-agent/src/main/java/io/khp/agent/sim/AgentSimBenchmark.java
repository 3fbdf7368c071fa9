package io.khp.agent.sim;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

import io.khp.agent.AgentSettings;
import io.khp.agent.bus.AgentRuntime;
import io.khp.agent.core.ApplyPolicy;
import io.khp.bus.ArtifactSignature;
import io.khp.bus.ClientSettings;
import io.khp.bus.EventCodec;
import io.khp.bus.Events;
import io.khp.bus.SigningKeys;
import io.khp.bus.TopicProvisioner;
import io.khp.bus.Topics;
import io.khp.events.Applied;
import io.khp.events.ApplyFailed;
import io.khp.events.ApplyRequested;
import io.khp.events.ArtifactRef;
import io.khp.events.CaptureRequest;
import io.khp.events.KhpEvent;
import io.khp.events.PreRunVerified;
import io.khp.events.RunObjectCaptured;
import io.khp.events.Verdict;
import io.khp.bus.LogPartitions;

/**
 * `khp bench agent-sim`: N simulated hosts (one agent, one JVM) apply one patch through a real
 * broker. A stand-in verifier in the same JVM answers each capture (MATCH when the captured bytes are
 * the fixture's). Prints the time to start, the time until every host applied, latency percentiles,
 * event throughput and the heap in use.
 *
 * <pre>AgentSimBenchmark FIXTURE HOSTS [STALL_PROBABILITY] [MEDIAN_TRANSITION_MS] [THREADS]</pre>
 */
public final class AgentSimBenchmark {

    private AgentSimBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String level = System.getenv("KHP_LOG_LEVEL");
        if (level != null && org.slf4j.LoggerFactory.getLogger("io.khp") instanceof ch.qos.logback.classic.Logger khp) {
            khp.setLevel(ch.qos.logback.classic.Level.toLevel(level, ch.qos.logback.classic.Level.INFO));
        }
        Path fixtureFile = Path.of(args[0]);
        int hosts = Integer.parseInt(args[1]);
        double stall = args.length > 2 ? Double.parseDouble(args[2]) : 0.0;
        long median = args.length > 3 ? Long.parseLong(args[3]) : 500;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        ClientSettings bus = ClientSettings.fromEnvironment();
        try (Admin admin = Admin.create(bus.common())) {
            new TopicProvisioner(admin, (short) 1).ensure(Topics.all());
        }
        RunObjectFixture fixture = RunObjectFixture.read(fixtureFile);
        String run = UUID.randomUUID().toString().substring(0, 8);
        String prefix = "bench-" + run;
        String patch = "bench-patch-" + run;
        String moduleName = "khp_lp_cmdline";
        Path keys = Files.createTempDirectory("khp-bench-keys");
        SigningKeys.generate(keys);
        var signing = SigningKeys.signingKey(keys).orElseThrow();
        Map<String, PublicKey> trusted = SigningKeys.trustedKeys(keys);
        byte[] module = ("bench module " + run).getBytes(StandardCharsets.UTF_8);
        String sha = ArtifactSignature.sha256Hex(module);
        String manifest = ArtifactSignature.manifestSha256(List.of());
        ArtifactRef ref = new ArtifactRef(sha, (long) module.length, manifest, ByteBuffer.wrap(ArtifactSignature.sign(
                signing.key(), ArtifactSignature.signedMessage(patch, moduleName, sha, manifest))), signing.keyId());
        List<CaptureRequest> captures = List.of(new CaptureRequest("vmlinux", "cmdline_proc_show", null, 64,
                List.of("seq_puts", "saved_command_line")));
        byte[] expected = Arrays.copyOf(fixture.function(null, "cmdline_proc_show", 0).bytes(), 64);

        SimulatedFleet fleet = new SimulatedFleet(prefix, hosts, fixture,
                TransitionModel.of(Duration.ofMillis(median), stall), Clock.systemUTC(), 42);
        ApplyPolicy policy = ApplyPolicy.defaults()
                .withWaits(Duration.ofMillis(median * 10), Duration.ofMillis(median * 20))
                .withRetries(3, Duration.ofMillis(median), Duration.ofMillis(median))
                .withPolling(Duration.ofMillis(Math.max(100, median / 2)), Duration.ofSeconds(1), Duration.ofMinutes(2),
                        Duration.ofMinutes(1));

        Map<String, Long> commandedAt = new ConcurrentHashMap<>();
        Map<String, Long> appliedAt = new ConcurrentHashMap<>();
        Map<String, String> failed = new ConcurrentHashMap<>();
        long[] events = {0};
        Events verifier = new Events("bench-verifier");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(bus.producer("bench-" + run));
                KafkaConsumer<byte[], byte[]> lifecycle = new KafkaConsumer<>(bus.consumer(null))) {
            producer.send(new ProducerRecord<>(Topics.ARTIFACTS.name(), sha.getBytes(StandardCharsets.UTF_8), module)).get();
            List<TopicPartition> parts = LogPartitions.of(lifecycle, Topics.HOST_LIFECYCLE.name());
            lifecycle.assign(parts);
            lifecycle.seekToEnd(parts);
            parts.forEach(lifecycle::position);

            long t0 = System.nanoTime();
            try (AgentRuntime agent = new AgentRuntime(prefix, bus, fleet.hosts(),
                    AgentSettings.defaults().withPolicy(policy).withHeartbeat(Duration.ofMinutes(5)), trusted, threads,
                    Clock.systemUTC())) {
                agent.awaitStarted(Duration.ofMinutes(5));
                long started = System.nanoTime();
                Events controller = new Events("bench-controller");
                for (SimulatedHost h : fleet.hosts()) {
                    KhpEvent cmd = controller.envelope().setHostId(h.hostId()).setPatchId(patch)
                            .setPayload(ApplyRequested.newBuilder().setModuleName(moduleName).setArtifact(ref)
                                    .setCaptures(captures).build()).build();
                    commandedAt.put(h.hostId(), System.nanoTime());
                    producer.send(new ProducerRecord<>(Topics.HOST_COMMANDS.name(),
                            h.hostId().getBytes(StandardCharsets.UTF_8), EventCodec.instance().encode(cmd)));
                }
                producer.flush();
                long sent = System.nanoTime();
                Instant deadline = Instant.now().plus(Duration.ofMinutes(15));
                while (appliedAt.size() + failed.size() < hosts && Instant.now().isBefore(deadline)) {
                    for (var r : lifecycle.poll(Duration.ofMillis(200))) {
                        KhpEvent e = EventCodec.instance().decode(r.value());
                        if (e.getHostId() == null || !e.getHostId().startsWith(prefix)) {
                            continue;
                        }
                        events[0]++;
                        if (e.getPayload() instanceof RunObjectCaptured c) {
                            boolean match = !c.getFunctions().isEmpty() && Arrays.equals(expected,
                                    bytesOf(c.getFunctions().get(0).getBytes()));
                            KhpEvent v = verifier.answering(e).setPayload(PreRunVerified.newBuilder()
                                    .setVerdict(match ? Verdict.MATCH : Verdict.MISMATCH).build()).build();
                            producer.send(new ProducerRecord<>(Topics.HOST_LIFECYCLE.name(), r.key(),
                                    EventCodec.instance().encode(v)));
                        } else if (e.getPayload() instanceof Applied) {
                            appliedAt.put(e.getHostId(), System.nanoTime());
                        } else if (e.getPayload() instanceof ApplyFailed f) {
                            failed.put(e.getHostId(), f.getReasonCode().toString());
                        }
                    }
                }
                long done = System.nanoTime();
                System.gc();
                var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
                List<Long> latencies = new ArrayList<>();
                appliedAt.forEach((h, t) -> latencies.add((t - commandedAt.get(h)) / 1_000_000));
                Collections.sort(latencies);
                System.out.printf("agent-sim: %d simulated hosts (fixture %s, %d functions), stall probability %.3f,"
                        + " median transition %d ms, %d worker threads%n", hosts, fixture.report().path("release").asText(),
                        fixture.functionCount(), stall, median, threads);
                System.out.printf("  history read and %d workers started in %.1f s%n", hosts, (started - t0) / 1e9);
                System.out.printf("  %d commands published in %.1f s%n", hosts, (sent - started) / 1e9);
                System.out.printf("  applied %d, failed %d (%s) in %.1f s after the first command: %.0f hosts/s%n",
                        appliedAt.size(), failed.size(), summarize(failed), (done - started) / 1e9,
                        appliedAt.size() / ((done - started) / 1e9));
                if (!latencies.isEmpty()) {
                    System.out.printf("  command -> Applied latency: p50 %d ms, p90 %d ms, p99 %d ms, max %d ms%n",
                            pct(latencies, 50), pct(latencies, 90), pct(latencies, 99), latencies.get(latencies.size() - 1));
                }
                System.out.printf("  lifecycle events seen: %d (%.0f/s)%n", events[0], events[0] / ((done - started) / 1e9));
                System.out.printf("  heap in use after GC: %d MB (max %d MB)%n", heap.getUsed() >> 20, heap.getMax() >> 20);
            }
        }
        try (var files = Files.list(keys)) {
            files.forEach(f -> f.toFile().delete());
        }
        Files.deleteIfExists(keys);
        System.exit(appliedAt.size() + failed.size() == hosts ? 0 : 1);
    }

    private static String summarize(Map<String, String> failed) {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        failed.values().forEach(r -> counts.merge(r, 1, Integer::sum));
        return counts.toString();
    }

    private static long pct(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private static byte[] bytesOf(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
