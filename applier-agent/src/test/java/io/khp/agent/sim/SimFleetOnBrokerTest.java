package io.khp.agent.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.khp.agent.AgentSettings;
import io.khp.agent.bus.AgentRuntime;
import io.khp.agent.bus.ArtifactCache;
import io.khp.agent.bus.ArtifactStore;
import io.khp.agent.core.ApplyPolicy;
import io.khp.agent.testing.Bus;
import io.khp.agent.testing.Commands;
import io.khp.agent.testing.EventLog;
import io.khp.agent.testing.LedgerStandIn;
import io.khp.agent.testing.SignedModule;
import io.khp.bus.SigningKeys;
import io.khp.bus.Topics;
import io.khp.events.Applied;
import io.khp.events.ApplyAttempted;
import io.khp.events.ApplyFailed;
import io.khp.events.ApplyFailureReason;
import io.khp.events.ApplyOutcome;
import io.khp.events.ArtifactRef;
import io.khp.events.CaptureRequest;
import io.khp.events.HostReported;
import io.khp.events.KhpEvent;
import io.khp.events.RunObjectCaptured;
import io.khp.events.Verdict;
import io.khp.testkit.RealKafka;
import io.khp.testkit.TestKafka;

/** The agent's code above the sim backend, on the real broker: many hosts, stalls, restarts. */
@RealKafka
class SimFleetOnBrokerTest {

    static final RunObjectFixture FIXTURE = RunObjectFixture.bundled();
    static final String MODULE = "khp_lp_cmdline";
    static final List<CaptureRequest> CAPTURES = List.of(
            Commands.capture("cmdline_proc_show", 64, List.of("saved_command_line", "seq_puts")));
    static final ApplyPolicy POLICY = ApplyPolicy.defaults()
            .withWaits(Duration.ofMillis(600), Duration.ofMillis(600))
            .withRetries(2, Duration.ofMillis(200), Duration.ofMillis(200))
            .withPolling(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofSeconds(30), Duration.ofSeconds(10))
            .withVerifyTimeout(Duration.ofSeconds(60));

    static Bus bus;
    static SignedModule signer;

    @BeforeAll
    static void bus(TestKafka kafka, @TempDir Path keys) {
        bus = new Bus(kafka);
        signer = new SignedModule(keys);
    }

    @AfterAll
    static void close() {
        bus.close();
    }

    /** Answers each capture like the verifier would: MATCH when the captured bytes are the fixture's real bytes. */
    static void verify(KhpEvent e) {
        if (!(e.getPayload() instanceof RunObjectCaptured c)) {
            return;
        }
        byte[] expected = Arrays.copyOf(FIXTURE.function(null, "cmdline_proc_show", 0).bytes(), 64);
        boolean match = c.getFunctions().size() == 1 && c.getFunctions().get(0).getFound()
                && Arrays.equals(expected, bytes(c.getFunctions().get(0).getBytes()));
        bus.lifecycleAsync(Commands.verdict(e, match ? Verdict.MATCH : Verdict.MISMATCH, match ? null : "bytes differ"));
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    static AgentRuntime agent(String name, List<SimulatedHost> hosts, int threads) {
        return agent(name, hosts, threads, POLICY);
    }

    static AgentRuntime agent(String name, List<SimulatedHost> hosts, int threads, ApplyPolicy policy) {
        return new AgentRuntime(name, bus.settings(), hosts,
                AgentSettings.defaults().withPolicy(policy).withHeartbeat(Duration.ofSeconds(30)),
                SigningKeys.trustedKeys(signer.keys()), threads, Clock.systemUTC());
    }

    static ArtifactRef publishModule(String patch) {
        byte[] module = ("sim module " + patch).getBytes(StandardCharsets.UTF_8);
        ArtifactRef ref = signer.sign(patch, MODULE, module);
        bus.artifact(ref.getSha256(), module);
        return ref;
    }

    @Test
    void aThousandHostsApplyAPatchThroughTheRealBroker() throws Exception {
        String prefix = "sim-" + UUID.randomUUID().toString().substring(0, 8);
        String patch = "patch-" + prefix;
        SimulatedFleet fleet = new SimulatedFleet(prefix, 1000, FIXTURE,
                TransitionModel.of(Duration.ofMillis(300), 0.0), Clock.systemUTC(), 7);
        ArtifactRef ref = publishModule(patch);
        try (EventLog log = new EventLog(bus.settings(), List.of(Topics.HOST_LIFECYCLE.name()),
                h -> h.startsWith(prefix), SimFleetOnBrokerTest::verify);
                // kpatch-like waits far above the model's transitions: no host stalls
                AgentRuntime agent = agent(prefix, fleet.hosts(), 4,
                        POLICY.withWaits(Duration.ofSeconds(15), Duration.ofSeconds(60)))) {
            assertTrue(agent.awaitStarted(Duration.ofSeconds(60)));
            long t0 = System.nanoTime();
            for (SimulatedHost h : fleet.hosts()) {
                bus.commandAsync(Commands.apply(h.hostId(), patch, MODULE, ref, CAPTURES));
            }
            bus.flush();
            boolean all = EventLog.await(Duration.ofSeconds(240),
                    () -> fleet.hosts().stream().allMatch(h -> log.count(h.hostId(), "Applied") == 1));
            long applied = fleet.hosts().stream().filter(h -> log.count(h.hostId(), "Applied") == 1).count();
            assertTrue(all, applied + " of 1000 hosts applied within the deadline");
            System.out.printf("sim: 1000 hosts applied in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            for (SimulatedHost h : fleet.hosts()) {
                List<String> lifecycle = log.of(h.hostId()).stream().map(io.khp.bus.Events::typeOf)
                        .filter(t -> !t.equals("HostReported")).toList();
                assertEquals(List.of("RunObjectCaptured", "PreRunVerified", "ApplyAttempted", "Applied"), lifecycle,
                        h.hostId());
                assertEquals(1, h.loads(), h.hostId() + " loaded the module once");
                assertEquals(1, ((ApplyAttempted) log.of(h.hostId()).stream()
                        .filter(e -> e.getPayload() instanceof ApplyAttempted).findFirst().orElseThrow().getPayload()).getAttempt());
            }
            assertTrue(EventLog.await(Duration.ofSeconds(30), () -> fleet.hosts().stream().allMatch(h -> log.of(h.hostId())
                    .stream().anyMatch(e -> e.getPayload() instanceof HostReported r && r.getLivepatches().stream()
                            .anyMatch(p -> p.getName().equals(MODULE) && p.getEnabled() && !p.getTransition())))),
                    "every host reported the applied livepatch");
        }
    }

    @Test
    void anArtifactMissingFromTheTopicIsFetchedFromTheLedgerAndStillChecked() throws Exception {
        String prefix = "ledger-" + UUID.randomUUID().toString().substring(0, 8);
        SimulatedFleet fleet = new SimulatedFleet(prefix, 2, FIXTURE,
                TransitionModel.of(Duration.ofMillis(50), 0.0), Clock.systemUTC(), 5);
        String good = "patch-good-" + prefix;
        String bad = "patch-bad-" + prefix;
        byte[] goodModule = ("ledger-only module " + good).getBytes(StandardCharsets.UTF_8);
        byte[] badModule = ("ledger-only module " + bad).getBytes(StandardCharsets.UTF_8);
        ArtifactRef goodRef = signer.sign(good, MODULE, goodModule);
        ArtifactRef badRef = signer.sign(bad, MODULE, badModule);
        byte[] tampered = badModule.clone();
        tampered[0] ^= 1;
        SimulatedHost first = fleet.hosts().get(0);
        SimulatedHost second = fleet.hosts().get(1);
        try (LedgerStandIn ledger = new LedgerStandIn();
                EventLog log = new EventLog(bus.settings(), List.of(Topics.HOST_LIFECYCLE.name()),
                        h -> h.startsWith(prefix), SimFleetOnBrokerTest::verify);
                AgentRuntime agent = new AgentRuntime(prefix, bus.settings(), fleet.hosts(),
                        AgentSettings.defaults().withPolicy(POLICY).withHeartbeat(Duration.ofSeconds(30))
                                .withLedger(ledger.api(), Duration.ofMillis(300)),
                        SigningKeys.trustedKeys(signer.keys()), 2, Clock.systemUTC())) {
            // neither artifact is on khp.artifacts: only the ledger has them, one of them tampered with
            ledger.serve(goodRef.getSha256(), goodModule);
            ledger.serve(badRef.getSha256(), tampered);
            assertTrue(agent.awaitStarted(Duration.ofSeconds(60)));
            bus.command(Commands.apply(first.hostId(), good, MODULE, goodRef, CAPTURES));
            bus.command(Commands.apply(second.hostId(), bad, MODULE, badRef, CAPTURES));
            assertTrue(EventLog.await(Duration.ofSeconds(60), () -> log.count(first.hostId(), "Applied") == 1
                    && log.count(second.hostId(), "ApplyFailed") == 1),
                    () -> "events: " + log.typesOf(first.hostId()) + " " + log.typesOf(second.hostId()));
            assertEquals(1, first.loads());
            ApplyFailed refused = (ApplyFailed) log.of(second.hostId()).stream()
                    .filter(e -> e.getPayload() instanceof ApplyFailed).findFirst().orElseThrow().getPayload();
            assertEquals(ApplyFailureReason.UNTRUSTED_ARTIFACT, refused.getReasonCode());
            assertTrue(refused.getDetail().contains(io.khp.bus.ArtifactSignature.sha256Hex(tampered)), refused.getDetail());
            assertEquals(0, second.loads(), "the tampered bytes were never loaded");
            assertTrue(ledger.requests().contains("GET /artifacts/" + goodRef.getSha256()), ledger.requests().toString());
        }
    }

    @Test
    void theArtifactStoreKeepsFewArtifactsAndReadsTheOthersAgain() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<byte[]> modules = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            modules.add(("store module " + i + " of " + run).getBytes(StandardCharsets.UTF_8));
        }
        ArtifactCache cache = new ArtifactCache(2, 1 << 20);
        try (ArtifactStore store = new ArtifactStore(bus.settings(), "store-" + run, cache)) {
            for (byte[] m : modules) {
                bus.artifact(io.khp.bus.ArtifactSignature.sha256Hex(m), m);
            }
            assertTrue(EventLog.await(Duration.ofSeconds(30), () -> modules.stream()
                    .allMatch(m -> store.seen(io.khp.bus.ArtifactSignature.sha256Hex(m)))));
            assertTrue(cache.size() <= 2, "kept: " + cache.size());
            for (byte[] m : modules) {
                assertArrayEquals(m, store.find(io.khp.bus.ArtifactSignature.sha256Hex(m)));
                assertTrue(cache.size() <= 2, "kept: " + cache.size());
            }
            assertEquals(null, store.find("00".repeat(32)));
        }
    }

    @Test
    void stallsAreReversedRetriedAndGivenUpAndTheHostsAreLeftClean() throws Exception {
        String prefix = "stall-" + UUID.randomUUID().toString().substring(0, 8);
        String patch = "patch-" + prefix;
        SimulatedFleet fleet = new SimulatedFleet(prefix, 3, FIXTURE,
                TransitionModel.of(Duration.ofMillis(50), 1.0), Clock.systemUTC(), 3);
        ArtifactRef ref = publishModule(patch);
        try (EventLog log = new EventLog(bus.settings(), List.of(Topics.HOST_LIFECYCLE.name()),
                h -> h.startsWith(prefix), SimFleetOnBrokerTest::verify);
                AgentRuntime agent = agent(prefix, fleet.hosts(), 2)) {
            assertTrue(agent.awaitStarted(Duration.ofSeconds(60)));
            fleet.hosts().forEach(h -> bus.command(Commands.apply(h.hostId(), patch, MODULE, ref, CAPTURES)));
            assertTrue(EventLog.await(Duration.ofSeconds(60),
                    () -> fleet.hosts().stream().allMatch(h -> log.count(h.hostId(), "ApplyFailed") == 1)),
                    () -> "events: " + log.typesOf(fleet.hosts().get(0).hostId()));
            for (SimulatedHost h : fleet.hosts()) {
                List<ApplyAttempted> attempts = log.of(h.hostId()).stream()
                        .filter(e -> e.getPayload() instanceof ApplyAttempted).map(e -> (ApplyAttempted) e.getPayload()).toList();
                assertEquals(2, attempts.size());
                for (int i = 0; i < attempts.size(); i++) {
                    assertEquals(i + 1, attempts.get(i).getAttempt());
                    assertEquals(ApplyOutcome.STALLED_REVERSED, attempts.get(i).getOutcome());
                    assertEquals("sim_io_worker", attempts.get(i).getStalledTasks().get(0).getComm());
                }
                ApplyFailed failed = (ApplyFailed) log.of(h.hostId()).stream()
                        .filter(e -> e.getPayload() instanceof ApplyFailed).findFirst().orElseThrow().getPayload();
                assertEquals(ApplyFailureReason.STALLED, failed.getReasonCode());
                assertEquals(2, failed.getAttempts());
                assertTrue(h.report().getLivepatches().isEmpty(), "nothing left loaded on " + h.hostId());
            }
        }
    }

    @Test
    void aTamperedArtifactAndAMismatchNeverLoad() throws Exception {
        String prefix = "refuse-" + UUID.randomUUID().toString().substring(0, 8);
        SimulatedFleet fleet = new SimulatedFleet(prefix, 2, FIXTURE, TransitionModel.of(Duration.ofMillis(50), 0),
                Clock.systemUTC(), 5);
        SimulatedHost tampered = fleet.hosts().get(0);
        SimulatedHost mismatched = fleet.hosts().get(1);
        String patch = "patch-" + prefix;
        byte[] module = ("sim module " + patch).getBytes(StandardCharsets.UTF_8);
        ArtifactRef ref = signer.sign(patch, MODULE, module);
        byte[] evil = module.clone();
        evil[0] ^= 1;
        String evilSha = io.khp.bus.ArtifactSignature.sha256Hex(evil);
        ArtifactRef tamperedRef = ArtifactRef.newBuilder(ref).setSha256(evilSha).build();
        bus.artifact(evilSha, evil);
        bus.artifact(ref.getSha256(), module);
        try (EventLog log = new EventLog(bus.settings(), List.of(Topics.HOST_LIFECYCLE.name()),
                h -> h.startsWith(prefix), e -> {
                    if (e.getPayload() instanceof RunObjectCaptured) {
                        bus.lifecycleAsync(Commands.verdict(e,
                                e.getHostId().equals(mismatched.hostId()) ? Verdict.MISMATCH : Verdict.MATCH, "test"));
                    }
                });
                AgentRuntime agent = agent(prefix, fleet.hosts(), 2)) {
            assertTrue(agent.awaitStarted(Duration.ofSeconds(60)));
            bus.command(Commands.apply(tampered.hostId(), patch, MODULE, tamperedRef, CAPTURES));
            bus.command(Commands.apply(mismatched.hostId(), patch, MODULE, ref, CAPTURES));
            assertTrue(EventLog.await(Duration.ofSeconds(60), () -> fleet.hosts().stream()
                    .allMatch(h -> log.count(h.hostId(), "ApplyFailed") == 1)));
            assertEquals(ApplyFailureReason.UNTRUSTED_ARTIFACT, failure(log, tampered.hostId()).getReasonCode());
            assertEquals(ApplyFailureReason.MISMATCH, failure(log, mismatched.hostId()).getReasonCode());
            for (SimulatedHost h : fleet.hosts()) {
                assertEquals(0, h.loads(), h.hostId() + " never loaded anything");
                assertEquals(0, log.count(h.hostId(), "ApplyAttempted"));
            }
        }
    }

    static ApplyFailed failure(EventLog log, String host) {
        return (ApplyFailed) log.of(host).stream().filter(e -> e.getPayload() instanceof ApplyFailed).findFirst()
                .orElseThrow().getPayload();
    }

    @Test
    void aRestartedAgentPublishesWhatIsMissingOnceAndNeverLoadsTwice() throws Exception {
        String prefix = "restart-" + UUID.randomUUID().toString().substring(0, 8);
        String patch = "patch-" + prefix;
        // long transitions: the first agent stops while they run
        SimulatedFleet fleet = new SimulatedFleet(prefix, 20, FIXTURE,
                new TransitionModel(Duration.ofMillis(1500), 0.1, 0, Duration.ofMillis(100)), Clock.systemUTC(), 11);
        ArtifactRef ref = publishModule(patch);
        try (EventLog log = new EventLog(bus.settings(), List.of(Topics.HOST_LIFECYCLE.name()),
                h -> h.startsWith(prefix), SimFleetOnBrokerTest::verify)) {
            ApplyPolicy patient = POLICY.withWaits(Duration.ofSeconds(15), Duration.ofSeconds(60));
            AgentRuntime first = agent(prefix + "-a", fleet.hosts(), 2, patient);
            assertTrue(first.awaitStarted(Duration.ofSeconds(60)));
            fleet.hosts().forEach(h -> bus.commandAsync(Commands.apply(h.hostId(), patch, MODULE, ref, CAPTURES)));
            bus.flush();
            assertTrue(EventLog.await(Duration.ofSeconds(60),
                    () -> fleet.hosts().stream().allMatch(h -> h.loads() == 1)), "every host loaded");
            first.close();
            long appliedBefore = fleet.hosts().stream().filter(h -> log.count(h.hostId(), "Applied") > 0).count();
            try (AgentRuntime second = agent(prefix + "-b", fleet.hosts(), 2, patient)) {
                assertTrue(second.awaitStarted(Duration.ofSeconds(60)));
                assertTrue(EventLog.await(Duration.ofSeconds(60),
                        () -> fleet.hosts().stream().allMatch(h -> log.count(h.hostId(), "Applied") >= 1)));
                // let the second agent settle, then check nothing was repeated
                assertTrue(EventLog.await(Duration.ofSeconds(30), () -> second.workers().stream().allMatch(w -> w.idle())));
            }
            List<String> problems = new ArrayList<>();
            for (SimulatedHost h : fleet.hosts()) {
                if (h.loads() != 1) {
                    problems.add(h.hostId() + " loaded " + h.loads() + " times");
                }
                if (log.count(h.hostId(), "Applied") != 1) {
                    problems.add(h.hostId() + " has " + log.count(h.hostId(), "Applied") + " Applied");
                }
                if (log.count(h.hostId(), "RunObjectCaptured") != 1) {
                    problems.add(h.hostId() + " has " + log.count(h.hostId(), "RunObjectCaptured") + " captures");
                }
                Applied applied = (Applied) log.of(h.hostId()).stream().filter(e -> e.getPayload() instanceof Applied)
                        .findFirst().orElseThrow().getPayload();
                if (applied.getAttempts() != 1) {
                    problems.add(h.hostId() + " Applied after " + applied.getAttempts() + " attempts");
                }
            }
            assertEquals(List.of(), problems);
            System.out.printf("restart: %d of 20 hosts had Applied before the restart%n", appliedBefore);
        }
    }

    @Test
    void aHostThatRebootsDuringTheTransitionIsPatchedAgainAndReportedWithItsNewBoot() throws Exception {
        String prefix = "reboot-" + UUID.randomUUID().toString().substring(0, 8);
        String patch = "patch-" + prefix;
        SimulatedFleet fleet = new SimulatedFleet(prefix, 1, FIXTURE,
                new TransitionModel(Duration.ofMillis(2000), 0.01, 0, Duration.ofMillis(50)), Clock.systemUTC(), 13);
        SimulatedHost host = fleet.hosts().get(0);
        String bootBefore = host.report().getBootId();
        ArtifactRef ref = publishModule(patch);
        try (EventLog log = new EventLog(bus.settings(), List.of(Topics.HOST_LIFECYCLE.name()),
                h -> h.startsWith(prefix), SimFleetOnBrokerTest::verify);
                AgentRuntime agent = agent(prefix, fleet.hosts(), 1,
                        POLICY.withWaits(Duration.ofSeconds(15), Duration.ofSeconds(60)))) {
            assertTrue(agent.awaitStarted(Duration.ofSeconds(60)));
            bus.command(Commands.apply(host.hostId(), patch, MODULE, ref, CAPTURES));
            assertTrue(EventLog.await(Duration.ofSeconds(30), () -> host.loads() == 1));
            assertEquals(1, fleet.rebootSome(1.0));
            assertTrue(EventLog.await(Duration.ofSeconds(60), () -> log.count(host.hostId(), "Applied") == 1),
                    () -> "events: " + log.typesOf(host.hostId()));
            List<ApplyAttempted> attempts = log.of(host.hostId()).stream()
                    .filter(e -> e.getPayload() instanceof ApplyAttempted).map(e -> (ApplyAttempted) e.getPayload()).toList();
            assertEquals(List.of(ApplyOutcome.LOAD_ERROR, ApplyOutcome.APPLIED),
                    attempts.stream().map(ApplyAttempted::getOutcome).toList());
            assertEquals(2, host.loads());
            assertTrue(EventLog.await(Duration.ofSeconds(30), () -> log.of(host.hostId()).stream()
                    .anyMatch(e -> e.getPayload() instanceof HostReported r && !r.getBootId().equals(bootBefore)
                            && r.getLivepatches().stream().anyMatch(p -> p.getName().equals(MODULE) && p.getEnabled()))),
                    "the host is reported after its reboot with the patch applied again");
        }
    }

    @Test
    void revertsFollowTheStackNewestFirst() throws Exception {
        String prefix = "stack-" + UUID.randomUUID().toString().substring(0, 8);
        SimulatedFleet fleet = new SimulatedFleet(prefix, 1, FIXTURE, TransitionModel.of(Duration.ofMillis(100), 0),
                Clock.systemUTC(), 17);
        SimulatedHost host = fleet.hosts().get(0);
        String older = "patch-old-" + prefix;
        String newer = "patch-new-" + prefix;
        byte[] oldModule = ("old " + prefix).getBytes(StandardCharsets.UTF_8);
        byte[] newModule = ("new " + prefix).getBytes(StandardCharsets.UTF_8);
        ArtifactRef oldRef = signer.sign(older, "khp_lp_old", oldModule);
        ArtifactRef newRef = signer.sign(newer, "khp_lp_new", newModule);
        bus.artifact(oldRef.getSha256(), oldModule);
        bus.artifact(newRef.getSha256(), newModule);
        try (EventLog log = new EventLog(bus.settings(), List.of(Topics.HOST_LIFECYCLE.name()),
                h -> h.startsWith(prefix), SimFleetOnBrokerTest::verify);
                AgentRuntime agent = agent(prefix, fleet.hosts(), 1)) {
            assertTrue(agent.awaitStarted(Duration.ofSeconds(60)));
            bus.command(Commands.apply(host.hostId(), older, "khp_lp_old", oldRef, CAPTURES));
            bus.command(Commands.apply(host.hostId(), newer, "khp_lp_new", newRef, CAPTURES));
            assertTrue(EventLog.await(Duration.ofSeconds(60), () -> log.count(host.hostId(), "Applied") == 2));
            // asked in the wrong order: the older patch's revert waits until the newer one is reverted
            bus.command(Commands.revert(host.hostId(), older, "khp_lp_old"));
            bus.command(Commands.revert(host.hostId(), newer, "khp_lp_new"));
            assertTrue(EventLog.await(Duration.ofSeconds(60), () -> log.count(host.hostId(), "Reverted") == 2),
                    () -> "events: " + log.typesOf(host.hostId()));
            List<String> revertedOrder = log.of(host.hostId()).stream()
                    .filter(e -> e.getPayload() instanceof io.khp.events.Reverted).map(e -> e.getPatchId()).toList();
            assertEquals(List.of(newer, older), revertedOrder);
            assertTrue(host.report().getLivepatches().isEmpty());
        }
    }

    @Test
    void withoutAVerdictTheApplyTimesOutAndNothingLoadsWhileHeartbeatsGoOn() throws Exception {
        String prefix = "silent-" + UUID.randomUUID().toString().substring(0, 8);
        String patch = "patch-" + prefix;
        SimulatedFleet fleet = new SimulatedFleet(prefix, 1, FIXTURE, TransitionModel.of(Duration.ofMillis(50), 0),
                Clock.systemUTC(), 19);
        SimulatedHost host = fleet.hosts().get(0);
        ArtifactRef ref = publishModule(patch);
        try (EventLog log = new EventLog(bus.settings(), List.of(Topics.HOST_LIFECYCLE.name()),
                h -> h.startsWith(prefix), null);
                AgentRuntime agent = new AgentRuntime(prefix, bus.settings(), fleet.hosts(),
                        AgentSettings.defaults().withPolicy(POLICY.withVerifyTimeout(Duration.ofSeconds(2)))
                                .withHeartbeat(Duration.ofMillis(500)),
                        SigningKeys.trustedKeys(signer.keys()), 1, Clock.systemUTC())) {
            assertTrue(agent.awaitStarted(Duration.ofSeconds(60)));
            bus.command(Commands.apply(host.hostId(), patch, MODULE, ref, CAPTURES));
            assertTrue(EventLog.await(Duration.ofSeconds(30), () -> log.count(host.hostId(), "ApplyFailed") == 1));
            ApplyFailed failed = failure(log, host.hostId());
            assertEquals(ApplyFailureReason.VERIFY_TIMEOUT, failed.getReasonCode());
            assertEquals(0, host.loads());
            assertEquals(List.of("RunObjectCaptured", "ApplyFailed"), log.typesOf(host.hostId()).stream()
                    .filter(t -> !t.equals("HostReported")).toList());
            assertTrue(EventLog.await(Duration.ofSeconds(30), () -> log.count(host.hostId(), "HostReported") >= 4),
                    "reported at start and on every heartbeat");
        }
    }
}
