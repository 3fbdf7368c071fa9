package io.khp.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;

import io.khp.testkit.RealKafka;
import io.khp.testkit.TestKafka;

/**
 * The whole pipeline as an operator uses it: a real broker, the ledger, builder and verifier, a
 * real qemu fleet of the Debian kernel (two hosts of the default flavour, one cloud-amd64 host:
 * same release, different code) with an agent per host, and the khp CLI. A real patch is built
 * from source, verified against every host's running kernel, rolled out in two waves, observed
 * inside the guests and reverted; then a rollout whose first wave stalls is halted, and a rollout
 * to a guest whose agent is stopped halts at its host timeout.
 */
@RealKafka
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetEndToEndTest {

    private static final String A = "e2e-1";
    private static final String B = "e2e-2";
    private static final String CLOUD = "e2ecloud-1";
    private static final String MARKER = "KhpLivePatched:";

    private QemuFleet fleet;
    private Pipeline pipeline;
    private Operator operator;
    private Prometheus prometheus;
    private String release;
    private String meminfoPatch;

    @BeforeAll
    void start(TestKafka kafka) throws Exception {
        release = Processes.run(List.of(Processes.repo().resolve("infra/kernel-packages").toString(), "release", "amd64"),
                Processes.repo(), Map.of(), Duration.ofMinutes(1)).orFail("kernel-packages release").out().strip();
        fleet = new QemuFleet();
        fleet.up(2, "amd64", "e2e");
        fleet.up(1, "cloud-amd64", "e2ecloud");
        pipeline = new Pipeline(kafka.bootstrapServers());
        pipeline.startServices();
        pipeline.startAgent(fleet.sockets());
        operator = new Operator(kafka.bootstrapServers(), pipeline.api(), pipeline.keys);
        prometheus = new Prometheus(pipeline.scrapeTargets());
    }

    @AfterAll
    void stop() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (pipeline != null) {
            pipeline.close();
        }
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    @Order(1)
    void everyHostRegistersInTheLedger() {
        JsonNode hosts = awaitJson(Duration.ofMinutes(2), h -> h.size() == 3, "hosts", "--json");
        Map<String, String> flavours = new java.util.TreeMap<>();
        hosts.forEach(h -> flavours.put(h.path("hostId").asText(), h.path("flavour").asText()));
        assertEquals(Map.of(A, "amd64", B, "amd64", CLOUD, "cloud-amd64"), flavours);
        hosts.forEach(h -> assertTrue(h.path("kernel").asText().startsWith(release.replace("-amd64", "")), h.toString()));
    }

    @Test
    @Order(2)
    void aPatchIsBuiltVerifiedRolledOutInWavesAndReverted() {
        String before = fleet.execOk(A, "cat /proc/meminfo");
        assertFalse(before.contains(MARKER));

        Processes.Result build = operator.khp(Duration.ofMinutes(20), "build", "examples/meminfo-khp-line.patch",
                "--name", "meminfo-demo", "--kernel", release, "--wait", "--json").orFail("khp build");
        meminfoPatch = Operator.json(build).path("patchId").asText();
        assertTrue(meminfoPatch.startsWith("meminfo-demo-"), build.out());

        // built for amd64 only: --any-kernel gives the cloud host the amd64 artifact, and run-pre refuses it
        Processes.Result rollout = operator.khp(Duration.ofMinutes(10), "rollout", meminfoPatch, "--select", "all",
                "--waves", "1,100%", "--any-kernel", "--wait", "--json").orFail("khp rollout");
        assertEquals("completed", Operator.json(rollout).path("status").asText(), rollout.out());

        Map<String, String> states = patchStates(meminfoPatch);
        assertEquals(Map.of(A, "APPLIED", B, "APPLIED", CLOUD, "REJECTED"), states);

        // inside the guests: the default hosts show the new line, the drifted host is untouched
        assertTrue(fleet.execOk(A, "cat /proc/meminfo").contains(MARKER));
        assertTrue(fleet.execOk(B, "cat /proc/meminfo").contains(MARKER));
        assertFalse(fleet.execOk(CLOUD, "cat /proc/meminfo").contains(MARKER));
        assertEquals("", fleet.execOk(CLOUD, "ls /sys/kernel/livepatch").strip(), "nothing loaded on the drifted host");

        // each host's events, in order, from the log
        assertEquals(List.of("ApplyRequested", "RunObjectCaptured", "PreRunVerified", "ApplyAttempted", "Applied"),
                lifecycle(A, meminfoPatch));
        assertEquals(List.of("ApplyRequested", "RunObjectCaptured", "PreRunVerified", "ApplyFailed"), lifecycle(CLOUD, meminfoPatch));
        assertEquals("MISMATCH", event(CLOUD, meminfoPatch, "ApplyFailed").path("payload").path("reasonCode").asText());
        JsonNode verdict = event(CLOUD, meminfoPatch, "PreRunVerified").path("payload");
        assertEquals("MISMATCH", verdict.path("verdict").asText(), verdict.toString());
        JsonNode mismatch = firstWith(verdict.path("functions"), f -> "MISMATCH".equals(f.path("verdict").asText()));
        assertEquals("meminfo_proc_show", mismatch.path("symbol").asText());
        assertTrue(mismatch.path("firstDifferenceOffset").isInt() || !mismatch.path("detail").asText().isEmpty(), mismatch.toString());
        assertEquals("MATCH", event(A, meminfoPatch, "PreRunVerified").path("payload").path("verdict").asText());

        Processes.Result revert = operator.khp(Duration.ofMinutes(5), "revert", meminfoPatch, "--wait", "--json").orFail("khp revert");
        assertEquals(Map.of(A, "reverted", B, "reverted"), toMap(Operator.json(revert).path("hosts")));
        assertFalse(fleet.execOk(A, "cat /proc/meminfo").contains(MARKER));
        assertEquals("", fleet.execOk(A, "ls /sys/kernel/livepatch").strip());
        awaitJson(Duration.ofMinutes(1), rows -> stateOf(rows, A, meminfoPatch).equals("REVERTED"), "status", "--patch", meminfoPatch, "--json");
    }

    @Test
    @Order(3)
    void prometheusScrapesTheRolloutFromEveryServiceAndAgent() {
        Duration t = Duration.ofMinutes(1);
        for (String job : List.of("khp-ledger", "khp-builder", "khp-verifier", "khp-agent")) {
            prometheus.await("sum(up{job=\"" + job + "\"})", v -> v == 1, t);
        }
        String p = "patch=\"" + meminfoPatch + "\"";
        // the ledger: the fleet by kernel, the patch's hosts by state and kernel, the rollout, its own health
        prometheus.await("sum(khp_hosts{flavour=\"cloud-amd64\"})", v -> v >= 1, t);
        prometheus.await("sum(khp_hosts)", v -> v >= 3, t);
        prometheus.await("sum(khp_host_patches{" + p + ",state=\"REVERTED\",flavour=\"amd64\"})", v -> v == 2, t);
        prometheus.await("sum(khp_host_patches{" + p + ",state=\"REJECTED\",flavour=\"cloud-amd64\"})", v -> v == 1, t);
        prometheus.await("sum(khp_host_patches{" + p + ",state=\"APPLIED\"})", v -> v == 0, t);
        prometheus.await("khp_rollouts{status=\"COMPLETED\"}", v -> v >= 1, t);
        prometheus.await("khp_ledger_stream_state{state=\"RUNNING\"}", v -> v == 1, t);
        prometheus.await("count(jvm_memory_used_bytes{job=\"khp-ledger\"})", v -> v >= 1, t);
        // the builder, the verifier and the agent: what they did for this rollout
        prometheus.await("sum(khp_builder_builds_total{outcome=\"built\"})", v -> v >= 1, t);
        prometheus.await("sum(khp_builder_build_duration_seconds_count{outcome=\"built\"})", v -> v >= 1, t);
        prometheus.await("sum(khp_verifier_verdicts_total{verdict=\"MATCH\"})", v -> v >= 2, t);
        prometheus.await("sum(khp_verifier_verdicts_total{verdict=\"MISMATCH\"})", v -> v >= 1, t);
        prometheus.await("sum(khp_verifier_function_verdicts_total{verdict=\"MISMATCH\"})", v -> v >= 1, t);
        prometheus.await("sum(khp_agent_applies_total{result=\"applied\"})", v -> v == 2, t);
        prometheus.await("sum(khp_agent_applies_total{result=\"failed\",reason=\"MISMATCH\"})", v -> v == 1, t);
        prometheus.await("sum(khp_agent_apply_duration_seconds_count{result=\"applied\"})", v -> v == 2, t);
        prometheus.await("sum(khp_agent_transition_duration_seconds_count)", v -> v == 2, t);
        prometheus.await("sum(khp_agent_reverts_total)", v -> v == 2, t);
        prometheus.await("sum(khp_agent_hosts)", v -> v == 3, t);
        prometheus.await("sum(khp_kafka_consumer_lag_records{job=\"khp-agent\"}) >= 0", v -> v >= 0, t);
    }

    @Test
    @Order(4)
    void aWaveWhoseHostStallsHaltsTheRollout() {
        for (String host : List.of(A, B)) {
            fleet.execOk(host, "insmod /khp/modules/khp_stall.ko && echo 1 > /sys/module/khp_stall/parameters/stall_kernel");
            awaitGuest(host, "cat /sys/module/khp_stall/parameters/stalled_kernel", "Y");
        }
        try {
            Processes.Result build = operator.khp(Duration.ofMinutes(20), "build", "examples/msleep-slack.patch",
                    "--name", "msleep-slack", "--kernel", release, "--wait", "--json").orFail("khp build");
            String patch = Operator.json(build).path("patchId").asText();

            Processes.Result rollout = operator.khp(Duration.ofMinutes(10), "rollout", patch, "--select", "flavour=amd64",
                    "--waves", "1,100%", "--max-failures", "0", "--wait", "--json");
            assertEquals(1, rollout.exit(), rollout.out() + rollout.err());
            assertEquals("halted", Operator.json(rollout).path("status").asText());

            Map<String, String> states = patchStates(patch);
            List<String> failed = states.entrySet().stream().filter(e -> e.getValue().equals("FAILED")).map(Map.Entry::getKey).toList();
            assertEquals(1, failed.size(), "exactly the first wave's host failed: " + states);
            String other = failed.get(0).equals(A) ? B : A;
            assertFalse(List.of("APPLIED", "APPLYING", "REQUESTED").contains(states.getOrDefault(other, "NONE")),
                    "the second wave never started: " + states);
            assertFalse(states.containsKey(CLOUD), "the selector left the cloud host out");

            List<String> attempts = new ArrayList<>();
            for (JsonNode e : history(failed.get(0))) {
                if (patch.equals(e.path("patchId").asText()) && e.path("type").asText().equals("ApplyAttempted")) {
                    attempts.add(e.path("payload").path("outcome").asText());
                }
            }
            assertEquals(List.of("STALLED_REVERSED", "STALLED_REVERSED"), attempts);
            assertEquals("", fleet.execOk(failed.get(0), "ls /sys/kernel/livepatch").strip(), "the stalled patch was reversed and unloaded");

            // Prometheus: the stalls counted by the agent, and the halted rollout's alert firing
            prometheus.await("sum(khp_agent_stalled_transitions_total)", v -> v >= 2, Duration.ofMinutes(1));
            prometheus.await("sum(khp_agent_apply_retries_total)", v -> v >= 1, Duration.ofMinutes(1));
            prometheus.await("count(ALERTS{alertname=\"KhpRolloutHalted\",alertstate=\"firing\",patch=\"" + patch + "\"})",
                    v -> v == 1, Duration.ofMinutes(1));
        } finally {
            for (String host : List.of(A, B)) {
                fleet.exec(host, "echo 0 > /sys/module/khp_stall/parameters/stall_kernel; rmmod khp_stall");
            }
        }
    }

    @Test
    @Order(5)
    void anAtomicReplacePatchReplacesThePatchesBelowIt() {
        Processes.Result first = operator.khp(Duration.ofMinutes(20), "build", "examples/cmdline-string.patch",
                "--name", "cmdline-below", "--kernel", release, "--wait", "--json").orFail("khp build");
        String below = Operator.json(first).path("patchId").asText();
        Processes.Result cumulative = operator.khp(Duration.ofMinutes(20), "build", "examples/meminfo-khp-line.patch",
                "--name", "meminfo-cumulative", "--kernel", release, "--replace", "--wait", "--json").orFail("khp build --replace");
        String replacing = Operator.json(cumulative).path("patchId").asText();

        operator.khp(Duration.ofMinutes(10), "rollout", below, "--select", "hosts=" + A, "--wait", "--json").orFail("khp rollout");
        assertTrue(fleet.execOk(A, "cat /proc/cmdline").contains("khp-patched"));
        operator.khp(Duration.ofMinutes(10), "rollout", replacing, "--select", "hosts=" + A, "--wait", "--json")
                .orFail("khp rollout --replace");

        // the kernel disabled the patch below: its code is gone, only the replacing patch is enabled
        assertFalse(fleet.execOk(A, "cat /proc/cmdline").contains("khp-patched"));
        assertTrue(fleet.execOk(A, "cat /proc/meminfo").contains(MARKER));
        JsonNode rows = awaitJson(Duration.ofMinutes(1), r -> stateOf(r, A, below).equals("REPLACED"), "status", "--patch", below, "--json");
        assertEquals("REPLACED", stateOf(rows, A, below));
        assertEquals(Map.of(A, "APPLIED"), patchStates(replacing));
        List<String> enabled = List.of(fleet.execOk(A, "ls /sys/kernel/livepatch").strip().split("\\s+"));
        assertEquals(1, enabled.size(), "only the replacing patch is enabled: " + enabled);

        Processes.Result nothing = operator.khp(Duration.ofMinutes(1), "revert", below, "--wait", "--json").orFail("khp revert");
        assertEquals(Map.of(), toMap(Operator.json(nothing).path("hosts")), "a replaced patch has nothing to revert");
        Processes.Result revert = operator.khp(Duration.ofMinutes(5), "revert", replacing, "--wait", "--json").orFail("khp revert");
        assertEquals(Map.of(A, "reverted"), toMap(Operator.json(revert).path("hosts")));
        assertFalse(fleet.execOk(A, "cat /proc/meminfo").contains(MARKER));
        assertEquals("", fleet.execOk(A, "ls /sys/kernel/livepatch").strip());
    }

    @Test
    @Order(6)
    void aBuildWithNoOptionsCoversEveryKernelOfTheFleetAndEachHostGetsItsOwn() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("khp-e2e-fleet");
        java.nio.file.Path patchFile = dir.resolve("fleet-meminfo.patch");
        java.nio.file.Files.copy(Processes.repo().resolve("examples/meminfo-khp-line.patch"), patchFile);
        String cloudRelease = release.replaceAll("-amd64$", "-cloud-amd64");

        Processes.Result build = operator.khp(Duration.ofMinutes(30), "build", patchFile.toString(), "--wait", "--json")
                .orFail("khp build");
        JsonNode built = Operator.json(build);
        String patch = built.path("patchId").asText();
        assertTrue(patch.startsWith("fleet-meminfo-"), "the name comes from the file name: " + build.out());
        assertEquals("built", built.path("status").asText(), build.out());
        Map<String, String> artifacts = new java.util.TreeMap<>();
        built.path("kernels").forEach(k -> {
            assertEquals("built", k.path("status").asText(), k.toString());
            artifacts.put(k.path("release").asText(), k.path("sha256").asText());
        });
        assertEquals(java.util.Set.of(release, cloudRelease), artifacts.keySet(), "one build per kernel the fleet runs");
        assertFalse(artifacts.get(release).equals(artifacts.get(cloudRelease)), "each kernel has its own module");

        Processes.Result rollout = operator.khp(Duration.ofMinutes(10), "rollout", patch, "--select", "all",
                "--waves", "1,100%", "--wait", "--json").orFail("khp rollout");
        assertEquals("completed", Operator.json(rollout).path("status").asText(), rollout.out());
        try {
            assertEquals(Map.of(A, "APPLIED", B, "APPLIED", CLOUD, "APPLIED"), patchStates(patch));
            for (String host : List.of(A, B, CLOUD)) {
                String expected = artifacts.get(host.equals(CLOUD) ? cloudRelease : release);
                assertEquals(expected, event(host, patch, "ApplyRequested").path("payload").path("artifact").path("sha256").asText(),
                        host + " got the artifact of its kernel");
                assertEquals("MATCH", event(host, patch, "PreRunVerified").path("payload").path("verdict").asText(), host);
                // inside the guest: the patched function runs, and the module is the livepatch of this patch
                assertTrue(fleet.execOk(host, "cat /proc/meminfo").contains(MARKER), host + " is patched");
                assertEquals("1", fleet.execOk(host, "cat /sys/kernel/livepatch/*/enabled").strip(), host);
            }
        } finally {
            operator.khp(Duration.ofMinutes(5), "revert", patch, "--wait", "--json");
        }
        for (String host : List.of(A, B, CLOUD)) {
            assertFalse(fleet.execOk(host, "cat /proc/meminfo").contains(MARKER), host + " is reverted");
        }
    }

    @Test
    @Order(7)
    void aRolloutWhoseAgentIsDeadFinishesByTheHostTimeoutAndTheAgentBackDoesNotResumeIt() {
        Processes.Result build = operator.khp(Duration.ofMinutes(20), "build", "examples/cmdline-string.patch",
                "--name", "cmdline-dead-agent", "--kernel", release, "--wait", "--json").orFail("khp build");
        String patch = Operator.json(build).path("patchId").asText();

        pipeline.stopAgent();
        try {
            Instant requested = Instant.now();
            Processes.Result rollout = operator.khp(Duration.ofMinutes(5), "rollout", patch, "--select", "hosts=" + A,
                    "--host-timeout", "20s", "--wait", "--json");
            Duration took = Duration.between(requested, Instant.now());
            assertEquals(1, rollout.exit(), rollout.out() + rollout.err());
            JsonNode outcome = Operator.json(rollout);
            assertEquals("halted", outcome.path("status").asText(), rollout.out());
            assertEquals(Map.of(A, "timed-out"), toMap(outcome.path("hosts")));
            assertTrue(took.compareTo(Duration.ofSeconds(20)) >= 0 && took.compareTo(Duration.ofMinutes(2)) < 0,
                    "halted " + took + " after the request");
            assertEquals(Map.of(A, "TIMED_OUT"), patchStates(patch));
            JsonNode timedOut = event(A, patch, "ApplyFailed").path("payload");
            assertEquals("TIMED_OUT", timedOut.path("reasonCode").asText());
            assertTrue(timedOut.path("detail").asText().contains("host timeout of 20 s"), timedOut.toString());
            assertFalse(fleet.execOk(A, "cat /proc/cmdline").contains("khp-patched"), "nothing was loaded");
        } finally {
            try {
                pipeline.startAgent(fleet.sockets());
            } catch (Exception e) {
                throw new AssertionError("restarting the agent", e);
            }
        }

        // the agent is back: the timed-out request is over for it, a new rollout applies the patch once
        Processes.Result again = operator.khp(Duration.ofMinutes(10), "rollout", patch, "--select", "hosts=" + A,
                "--wait", "--json").orFail("khp rollout");
        assertEquals("completed", Operator.json(again).path("status").asText(), again.out());
        try {
            assertEquals(List.of("ApplyRequested", "ApplyFailed", "ApplyRequested", "RunObjectCaptured", "PreRunVerified",
                    "ApplyAttempted", "Applied"), lifecycle(A, patch), "the timed-out request was never started");
            assertTrue(fleet.execOk(A, "cat /proc/cmdline").contains("khp-patched"));
        } finally {
            operator.khp(Duration.ofMinutes(5), "revert", patch, "--wait", "--json");
        }
    }

    // ---------------------------------------------------------------- helpers

    private Map<String, String> patchStates(String patch) {
        JsonNode rows = Operator.json(operator.khp(Duration.ofMinutes(1), "status", "--patch", patch, "--json").orFail("khp status"));
        Map<String, String> states = new java.util.TreeMap<>();
        rows.forEach(r -> states.put(r.path("hostId").asText(), r.path("state").asText()));
        return states;
    }

    private static String stateOf(JsonNode rows, String host, String patch) {
        for (JsonNode r : rows) {
            if (host.equals(r.path("hostId").asText()) && patch.equals(r.path("patchId").asText())) {
                return r.path("state").asText();
            }
        }
        return "NONE";
    }

    private List<JsonNode> history(String host) {
        JsonNode audit = Operator.json(operator.khp(Duration.ofMinutes(1), "audit", "--host", host, "--json").orFail("khp audit"));
        List<JsonNode> events = new ArrayList<>();
        audit.path("events").forEach(events::add);
        return events;
    }

    private List<String> lifecycle(String host, String patch) {
        return history(host).stream().filter(e -> patch.equals(e.path("patchId").asText()))
                .map(e -> e.path("type").asText()).collect(Collectors.toList());
    }

    private JsonNode event(String host, String patch, String type) {
        return history(host).stream().filter(e -> patch.equals(e.path("patchId").asText()) && type.equals(e.path("type").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + type + " for " + host));
    }

    private static JsonNode firstWith(JsonNode array, Predicate<JsonNode> test) {
        for (JsonNode n : array) {
            if (test.test(n)) {
                return n;
            }
        }
        throw new AssertionError("none matches in " + array);
    }

    private static Map<String, String> toMap(JsonNode object) {
        Map<String, String> map = new java.util.TreeMap<>();
        object.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }

    /** Polls a read command until its JSON satisfies the condition. */
    private JsonNode awaitJson(Duration timeout, Predicate<JsonNode> condition, String... args) {
        Instant deadline = Instant.now().plus(timeout);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            Processes.Result r = operator.khp(Duration.ofMinutes(1), args);
            if (r.exit() == 0) {
                JsonNode json = Operator.json(r);
                if (condition.test(json)) {
                    return json;
                }
                last = r.out();
            } else {
                last = r.err();
            }
        }
        throw new AssertionError("`khp " + String.join(" ", args) + "` did not reach the expected state in " + timeout + ": " + last);
    }

    private void awaitGuest(String host, String command, String expected) {
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            if (fleet.execOk(host, command).strip().equals(expected)) {
                return;
            }
        }
        throw new AssertionError(host + ": `" + command + "` never printed " + expected);
    }
}
