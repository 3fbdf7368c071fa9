package io.khp.agent.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.khp.agent.AgentSettings;
import io.khp.agent.backend.BackendException;
import io.khp.agent.backend.HostBackend;
import io.khp.agent.backend.SerialSocketBackend;
import io.khp.agent.bus.AgentRuntime;
import io.khp.agent.core.ApplyPolicy;
import io.khp.agent.testing.Bus;
import io.khp.agent.testing.Commands;
import io.khp.agent.testing.EventLog;
import io.khp.agent.testing.SignalRecordingBackend;
import io.khp.agent.testing.SignedModule;
import io.khp.bus.ArtifactSignature;
import io.khp.bus.Events;
import io.khp.bus.SigningKeys;
import io.khp.bus.Topics;
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

/**
 * The agent on real Debian kernels in qemu (two guests, shared by the tests: one patches /proc/cmdline,
 * the other runs the stalled transitions), through the real broker. The verifier does not exist yet:
 * a stand-in answers each capture with the verdict the test wants.
 */
@RealKafka
class VmAgentTest {

    static final String FLAVOUR = "amd64";
    static final String CMDLINE = "khp_lp_cmdline";
    static final String STALL = "khp_stall_patch";
    static final List<CaptureRequest> CMDLINE_CAPTURES = List.of(
            Commands.capture("cmdline_proc_show", 64, List.of("seq_puts", "saved_command_line")));
    static final List<CaptureRequest> STALL_CAPTURES = List.of(
            new CaptureRequest("khp_stall", "khp_stall_sleep", null, 32, List.of()));
    static final ApplyPolicy POLICY = ApplyPolicy.defaults()
            // long enough for Linux 6.1 to signal the pending tasks itself (15 transition attempts, ~15 s)
            .withWaits(Duration.ofSeconds(3), Duration.ofSeconds(18))
            .withRetries(2, Duration.ofSeconds(1), Duration.ofSeconds(2))
            .withPolling(Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofSeconds(30), Duration.ofSeconds(30))
            .withVerifyTimeout(Duration.ofSeconds(60));

    static QemuFleet fleet;
    static Bus bus;
    static SignedModule signer;
    static Path modules;
    static String cmdlineHost;
    static String stallHost;
    static EventLog log;
    /** The stand-in verifier's answer per patch id. */
    static final Map<String, Verdict> verdicts = new ConcurrentHashMap<>();

    @BeforeAll
    static void fleet(TestKafka kafka, @TempDir Path keys) throws Exception {
        bus = new Bus(kafka);
        signer = new SignedModule(keys);
        modules = QemuFleet.modules(FLAVOUR);
        fleet = QemuFleet.up(2, FLAVOUR);
        cmdlineHost = fleet.hosts().get(0);
        stallHost = fleet.hosts().get(1);
        log = new EventLog(bus.settings(), List.of(Topics.HOST_LIFECYCLE.name()),
                fleet.hosts()::contains, e -> {
                    if (e.getPayload() instanceof RunObjectCaptured c) {
                        Verdict v = verdicts.getOrDefault(e.getPatchId(), Verdict.UNSUPPORTED);
                        boolean found = c.getFunctions().stream().allMatch(f -> f.getFound());
                        bus.lifecycleAsync(Commands.verdict(e, found ? v : Verdict.MISMATCH, found ? "test" : "not found"));
                    }
                });
    }

    @AfterAll
    static void down() {
        try {
            if (log != null) {
                log.close();
            }
            if (bus != null) {
                bus.close();
            }
        } finally {
            if (fleet != null) {
                fleet.close();
            }
        }
    }

    static AgentRuntime agent(String name, HostBackend backend) throws InterruptedException {
        AgentRuntime agent = new AgentRuntime(name, bus.settings(), List.of(backend),
                AgentSettings.defaults().withPolicy(POLICY).withHeartbeat(Duration.ofSeconds(30)),
                SigningKeys.trustedKeys(signer.keys()), 1, Clock.systemUTC());
        assertTrue(agent.awaitStarted(Duration.ofSeconds(60)));
        return agent;
    }

    static SerialSocketBackend backend(String host) {
        return new SerialSocketBackend(host, fleet.socket(host), Duration.ofSeconds(60));
    }

    static String guest(SerialSocketBackend b, String command) throws BackendException {
        var r = b.exec(command, 60);
        return r.path("stdout").asText().strip();
    }

    static ArtifactRef publish(String patch, String module, byte[] bytes) {
        ArtifactRef ref = signer.sign(patch, module, bytes);
        bus.artifact(ref.getSha256(), bytes);
        return ref;
    }

    static List<KhpEvent> lifecycle(String host, String patch) {
        return log.of(host).stream().filter(e -> patch.equals(e.getPatchId())).toList();
    }

    static List<String> types(String host, String patch) {
        return lifecycle(host, patch).stream().map(Events::typeOf).toList();
    }

    static long count(String host, String patch, String type) {
        return types(host, patch).stream().filter(type::equals).count();
    }

    static boolean await(Duration timeout, java.util.function.Supplier<Boolean> condition) throws InterruptedException {
        return EventLog.await(timeout, condition);
    }

    static boolean guestAwait(SerialSocketBackend b, String command, String expected) throws Exception {
        String[] last = {null};
        boolean ok = await(Duration.ofSeconds(60), () -> {
            try {
                last[0] = guest(b, command);
                return expected.equals(last[0]);
            } catch (BackendException e) {
                last[0] = e.getMessage();
                return false;
            }
        });
        assertTrue(ok, command + ": expected '" + expected + "', last '" + last[0] + "'");
        return ok;
    }

    @Test
    void applyAndRevertALivepatchOfProcCmdline() throws Exception {
        String patch = "cmdline-" + UUID.randomUUID();
        verdicts.put(patch, Verdict.MATCH);
        byte[] module = Files.readAllBytes(modules.resolve(CMDLINE + ".ko"));
        ArtifactRef ref = publish(patch, CMDLINE, module);
        SerialSocketBackend vm = backend(cmdlineHost);
        String before = guest(vm, "cat /proc/cmdline");
        assertTrue(before.contains("khp.host=" + cmdlineHost), before);
        try (AgentRuntime agent = agent("vm-apply-" + cmdlineHost, vm)) {
            bus.command(Commands.apply(cmdlineHost, patch, CMDLINE, ref, CMDLINE_CAPTURES));
            assertTrue(await(Duration.ofSeconds(120), () -> count(cmdlineHost, patch, "Applied") == 1),
                    () -> "events: " + types(cmdlineHost, patch));
            assertEquals("khp_lp_cmdline: live patched", guest(vm, "cat /proc/cmdline"));
            assertEquals("1", guest(vm, "cat /sys/kernel/livepatch/khp_lp_cmdline/enabled"));

            bus.command(Commands.revert(cmdlineHost, patch, CMDLINE));
            assertTrue(await(Duration.ofSeconds(120), () -> count(cmdlineHost, patch, "Reverted") == 1),
                    () -> "events: " + types(cmdlineHost, patch));
            assertEquals(before, guest(vm, "cat /proc/cmdline"));
            assertFalse(guest(vm, "cat /proc/modules").contains(CMDLINE), "the module is unloaded");
            assertEquals(List.of("RunObjectCaptured", "PreRunVerified", "ApplyAttempted", "Applied", "Reverted"),
                    types(cmdlineHost, patch));
            ApplyAttempted attempt = (ApplyAttempted) lifecycle(cmdlineHost, patch).get(2).getPayload();
            assertEquals(ApplyOutcome.APPLIED, attempt.getOutcome());
            RunObjectCaptured captured = (RunObjectCaptured) lifecycle(cmdlineHost, patch).get(0).getPayload();
            assertEquals(64, captured.getFunctions().get(0).getBytes().remaining(), "64 bytes of the running kernel");
            assertTrue(await(Duration.ofSeconds(30), () -> log.of(cmdlineHost).stream()
                    .anyMatch(e -> e.getPayload() instanceof HostReported r && r.getLivepatches().stream()
                            .anyMatch(p -> p.getName().equals(CMDLINE) && p.getEnabled()))),
                    "the host was reported with the livepatch applied");
        }
    }

    @Test
    void aTamperedArtifactIsRefusedAndAMismatchNeverLoads() throws Exception {
        byte[] real = Files.readAllBytes(modules.resolve(CMDLINE + ".ko"));
        // a module of its own (its own artifact key) so that no other test reads the tampered bytes
        byte[] original = Arrays.copyOf(real, real.length + 16);
        String tamperedPatch = "tampered-" + UUID.randomUUID();
        verdicts.put(tamperedPatch, Verdict.MATCH);
        ArtifactRef ref = signer.sign(tamperedPatch, CMDLINE, original);
        byte[] tampered = original.clone();
        tampered[tampered.length - 1] = 1;
        bus.artifact(ref.getSha256(), tampered);

        String mismatchPatch = "mismatch-" + UUID.randomUUID();
        verdicts.put(mismatchPatch, Verdict.MISMATCH);
        ArtifactRef good = publish(mismatchPatch, CMDLINE, real);

        SerialSocketBackend vm = backend(cmdlineHost);
        try (AgentRuntime agent = agent("vm-refuse-" + cmdlineHost, vm)) {
            bus.command(Commands.apply(cmdlineHost, tamperedPatch, CMDLINE, ref, CMDLINE_CAPTURES));
            bus.command(Commands.apply(cmdlineHost, mismatchPatch, CMDLINE, good, CMDLINE_CAPTURES));
            assertTrue(await(Duration.ofSeconds(120), () -> count(cmdlineHost, tamperedPatch, "ApplyFailed") == 1
                    && count(cmdlineHost, mismatchPatch, "ApplyFailed") == 1));
            ApplyFailed t = (ApplyFailed) lifecycle(cmdlineHost, tamperedPatch).get(2).getPayload();
            assertEquals(ApplyFailureReason.UNTRUSTED_ARTIFACT, t.getReasonCode());
            assertTrue(t.getDetail().contains(ArtifactSignature.sha256Hex(tampered)), t.getDetail());
            ApplyFailed m = (ApplyFailed) lifecycle(cmdlineHost, mismatchPatch).get(2).getPayload();
            assertEquals(ApplyFailureReason.MISMATCH, m.getReasonCode());
            assertEquals(List.of("RunObjectCaptured", "PreRunVerified", "ApplyFailed"), types(cmdlineHost, tamperedPatch));
            assertEquals(List.of("RunObjectCaptured", "PreRunVerified", "ApplyFailed"), types(cmdlineHost, mismatchPatch));
            assertFalse(guest(vm, "cat /proc/modules").contains(CMDLINE), "nothing was loaded");
            assertTrue(guest(vm, "cat /proc/cmdline").contains("khp.host="));
        }
    }

    @Test
    void aStalledTransitionIsReversedRetriedAndLeftUnpatched() throws Exception {
        String patch = "stall-" + UUID.randomUUID();
        verdicts.put(patch, Verdict.MATCH);
        ArtifactRef ref = publish(patch, STALL, Files.readAllBytes(modules.resolve(STALL + ".ko")));
        SerialSocketBackend vm = backend(stallHost);
        SignalRecordingBackend recorded = new SignalRecordingBackend(vm);
        parkStallThread(vm);
        try (AgentRuntime agent = agent("vm-stall-" + stallHost, recorded)) {
            bus.command(Commands.apply(stallHost, patch, STALL, ref, STALL_CAPTURES));
            assertTrue(await(Duration.ofSeconds(150), () -> count(stallHost, patch, "ApplyFailed") == 1),
                    () -> "events: " + types(stallHost, patch));
            List<ApplyAttempted> attempts = lifecycle(stallHost, patch).stream()
                    .filter(e -> e.getPayload() instanceof ApplyAttempted).map(e -> (ApplyAttempted) e.getPayload()).toList();
            assertEquals(2, attempts.size());
            for (int i = 0; i < 2; i++) {
                ApplyAttempted a = attempts.get(i);
                assertEquals(i + 1, a.getAttempt());
                assertEquals(ApplyOutcome.STALLED_REVERSED, a.getOutcome());
                assertTrue(a.getDurationMs() >= 21000, "waited 3 s + 18 s: " + a.getDurationMs());
                // the signal step: the helper answered ok (the agent's log says so); on 6.1 the kernel
                // sends the signals itself, and its log line is recorded with the attempt
                assertTrue(a.getKernelLog() != null && a.getKernelLog().contains("livepatch: signaling remaining tasks"),
                        "kernel log of attempt " + (i + 1) + ": " + a.getKernelLog());
                assertTrue(a.getStalledTasks().stream().anyMatch(t -> t.getComm().equals("khp_stall")
                        && t.getStack().contains("khp_stall_sleep")), a.getStalledTasks().toString());
            }
            // one signal per attempt after the first wait, each answered ok by the helper (never UNKNOWN_OP)
            assertEquals(2, recorded.replies().size(), recorded.replies().toString());
            assertTrue(recorded.replies().stream().allMatch(r -> r.startsWith("signal ok")), recorded.replies().toString());
            ApplyFailed failed = (ApplyFailed) lifecycle(stallHost, patch).stream()
                    .filter(e -> e.getPayload() instanceof ApplyFailed).findFirst().orElseThrow().getPayload();
            assertEquals(ApplyFailureReason.STALLED, failed.getReasonCode());
            assertEquals(2, failed.getAttempts());
            assertEquals("", guest(vm, "ls /sys/kernel/livepatch"), "no livepatch left");
            assertFalse(guest(vm, "cat /proc/modules").contains(STALL), "the patch module is unloaded");
            assertEquals("Y", guest(vm, "cat /sys/module/khp_stall/parameters/stalled"), "the task is still parked");
        } finally {
            releaseStallThread(vm);
        }
    }

    static void parkStallThread(SerialSocketBackend vm) throws Exception {
        guest(vm, "grep -q '^khp_stall ' /proc/modules || insmod /khp/modules/khp_stall.ko; "
                + "echo 1 > /sys/module/khp_stall/parameters/stall");
        guestAwait(vm, "cat /sys/module/khp_stall/parameters/stalled", "Y");
    }

    static void releaseStallThread(SerialSocketBackend vm) throws Exception {
        guest(vm, "echo 0 > /sys/module/khp_stall/parameters/stall");
        guestAwait(vm, "cat /sys/module/khp_stall/parameters/stalled", "N");
    }

    @Test
    void killingTheAgentMidApplyLosesAndRepeatsNothing(@TempDir Path work) throws Exception {
        String patch = "kill-" + UUID.randomUUID();
        verdicts.put(patch, Verdict.MATCH);
        ArtifactRef ref = publish(patch, STALL, Files.readAllBytes(modules.resolve(STALL + ".ko")));
        SerialSocketBackend vm = backend(stallHost);
        parkStallThread(vm);
        vm.close(); // the serial socket takes one client: the agent process

        Path agentLog = work.resolve("agent.log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.khp.agent.ApplierAgent",
                "--backend", "vm", "--host", stallHost + "=" + fleet.socket(stallHost),
                "--keys", signer.keys().toString(), "--first-wait", "300", "--second-wait", "300",
                "--poll-ms", "300", "--heartbeat", "60", "--threads", "1", "--name", "vm-kill-a"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(agentLog.toFile());
        pb.environment().put("KHP_BOOTSTRAP", bus.settings().bootstrapServers());
        Process first = pb.start();
        try {
            bus.command(Commands.apply(stallHost, patch, STALL, ref, STALL_CAPTURES));
            boolean loaded = await(Duration.ofSeconds(120), () -> log.of(stallHost).stream()
                    .anyMatch(e -> e.getPayload() instanceof HostReported r && r.getLivepatches().stream()
                            .anyMatch(p -> p.getName().equals(STALL) && p.getTransition())));
            assertTrue(loaded, () -> "the agent process loaded the patch; its log:\n" + read(agentLog));
        } finally {
            first.destroyForcibly(); // SIGKILL
            assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(0, count(stallHost, patch, "ApplyAttempted"), "killed while watching the transition");

        vm = backend(stallHost);
        assertEquals("1", guest(vm, "cat /sys/kernel/livepatch/" + STALL + "/transition"), "still in transition");
        releaseStallThread(vm);
        assertTrue(guestAwait(vm, "cat /sys/kernel/livepatch/" + STALL + "/transition", "0"));

        try (AgentRuntime second = agent("vm-kill-b", vm)) {
            assertTrue(await(Duration.ofSeconds(120), () -> count(stallHost, patch, "Applied") == 1),
                    () -> "events: " + types(stallHost, patch));
            assertTrue(await(Duration.ofSeconds(30), () -> second.workers().stream().allMatch(w -> w.idle())));
            assertEquals(List.of("RunObjectCaptured", "PreRunVerified", "ApplyAttempted", "Applied"), types(stallHost, patch));
            ApplyAttempted a = (ApplyAttempted) lifecycle(stallHost, patch).get(2).getPayload();
            assertEquals(1, a.getAttempt());
            assertEquals(ApplyOutcome.APPLIED, a.getOutcome());
            assertEquals("1", guest(vm, "cat /sys/kernel/livepatch/" + STALL + "/enabled"), "sysfs agrees: applied");
            assertEquals(1, guest(vm, "grep -c '^" + STALL + " ' /proc/modules || true").lines().count());

            bus.command(Commands.revert(stallHost, patch, STALL));
            assertTrue(await(Duration.ofSeconds(120), () -> count(stallHost, patch, "Reverted") == 1),
                    () -> "events: " + types(stallHost, patch));
            assertFalse(guest(vm, "cat /proc/modules").contains(STALL));
            assertEquals(1, count(stallHost, patch, "Applied"), "no duplicate Applied");
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
