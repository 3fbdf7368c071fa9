package io.khp.ledger.streams;

import static io.khp.ledger.TestEvents.explicitHosts;
import static io.khp.ledger.TestEvents.hosts;
import static io.khp.ledger.TestEvents.percent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.khp.bus.DeadLetters;
import io.khp.bus.Topics;
import io.khp.events.ApplyFailureReason;
import io.khp.events.ApplyOutcome;
import io.khp.events.ApplyRequested;
import io.khp.events.HostSelector;
import io.khp.events.KhpEvent;
import io.khp.events.RevertRequested;
import io.khp.events.RolloutCompleted;
import io.khp.events.RolloutHalted;
import io.khp.events.RolloutWaveStarted;
import io.khp.events.Verdict;
import io.khp.ledger.TestEvents;
import io.khp.state.BuildStatus;
import io.khp.state.HostState;
import io.khp.state.PatchState;
import io.khp.state.PatchStatus;
import io.khp.state.Rejection;
import io.khp.state.RolloutState;
import io.khp.state.RolloutStatus;

class LedgerTopologyTest {

    private final TestEvents e = new TestEvents();
    private final LedgerDriver ledger = new LedgerDriver();

    @AfterEach
    void close() {
        ledger.close();
    }

    private PatchStatus stateOf(String host, String patch) {
        HostState h = ledger.host(host);
        assertNotNull(h, "host " + host + " unknown");
        return h.getPatches().stream().filter(p -> patch.equals(p.getPatchId())).findFirst()
                .map(p -> p.getState()).orElse(null);
    }

    /** The agent's side of a successful apply, for a command the ledger sent. */
    private void agentApplies(String host, String patch) {
        ledger.pipe(e.applySucceeds(host, patch));
    }

    private void fleet(String... hostIds) {
        for (String h : hostIds) {
            ledger.pipe(e.reported(h, "boot-" + h));
        }
    }

    @Test
    void aHostsLifecycleIsFoldedAndPublished() {
        fleet("h1");
        ledger.pipe(e.applyRequested("h1", "p1"));
        agentApplies("h1", "p1");
        assertEquals(PatchStatus.APPLIED, stateOf("h1", "p1"));
        List<HostState> published = ledger.hostStates();
        assertEquals(6, published.size(), "one host state per event");
        assertEquals(ledger.host("h1"), published.get(published.size() - 1));

        ledger.pipe(e.revertRequested("h1", "p1"), e.reverted("h1", "p1"));
        assertEquals(PatchStatus.REVERTED, stateOf("h1", "p1"));
        ledger.tick();
        PatchState patch = ledger.patchStates().get(0);
        assertEquals(Map.of("REVERTED", 1), patch.getHostCounts());
        assertEquals(List.of(), ledger.rejections());
    }

    @Test
    void buildsAreFoldedIntoThePatchState() {
        ledger.pipe(e.buildRequested("p1"));
        assertEquals(BuildStatus.REQUESTED, ledger.patch("p1").getBuildStatus());
        ledger.pipe(e.patchBuilt("p1", true));
        PatchState p = ledger.patch("p1");
        assertEquals(BuildStatus.BUILT, p.getBuildStatus());
        assertEquals("khp_p1", p.getManifest().getModuleName());
        assertEquals(2, ledger.patchStates().size(), "build changes are published at once");
    }

    @Test
    void aRolloutRunsItsWavesToCompletion() {
        fleet("h1", "h2", "h3");
        ledger.pipe(e.patchBuilt("p1", false));
        ledger.pipe(e.rolloutRequested("p1", "r1", HostSelector.newBuilder().setAll(true).build(), 0.0, false, hosts(1), hosts(2)));

        List<KhpEvent> wave0 = ledger.commands();
        assertEquals(1, wave0.size());
        KhpEvent first = wave0.get(0);
        assertEquals("h1", first.getHostId());
        ApplyRequested apply = assertInstanceOf(ApplyRequested.class, first.getPayload());
        assertEquals("r1", apply.getRolloutId());
        assertEquals("sha-p1", apply.getArtifact().getSha256());
        assertEquals(2, apply.getCaptures().size());
        assertEquals(List.of("seq_printf", "si_meminfo"), apply.getCaptures().get(0).getReferencedSymbols());
        assertEquals(PatchStatus.REQUESTED, stateOf("h1", "p1"), "the ledger's own command, read back, requests the patch");
        RolloutWaveStarted started = assertInstanceOf(RolloutWaveStarted.class, ledger.rolloutDecisions().get(0).getPayload());
        assertEquals(List.of("h1"), started.getHosts());

        agentApplies("h1", "p1");
        List<KhpEvent> wave1 = ledger.commands();
        assertEquals(List.of("h2", "h3"), wave1.stream().map(KhpEvent::getHostId).toList());
        assertEquals(1, ((ApplyRequested) wave1.get(0).getPayload()).getWave());
        RolloutState r = ledger.patch("p1").getRollouts().get(0);
        assertEquals(1, r.getCurrentWave());
        assertEquals(RolloutStatus.RUNNING, r.getStatus());

        agentApplies("h2", "p1");
        assertEquals(List.of(), ledger.commands());
        agentApplies("h3", "p1");
        List<KhpEvent> decisions = ledger.rolloutDecisions();
        RolloutCompleted done = assertInstanceOf(RolloutCompleted.class, decisions.get(decisions.size() - 1).getPayload());
        assertEquals(3, done.getCounts().getApplied());
        assertEquals(3, done.getCounts().getTargeted());
        assertEquals(RolloutStatus.COMPLETED, ledger.patch("p1").getRollouts().get(0).getStatus());
        assertEquals(Map.of("APPLIED", 3), ledger.patch("p1").getHostCounts());
    }

    @Test
    void tooManyFailuresHaltTheRolloutAndAutoRevertWhereItApplied() {
        fleet("h1", "h2", "h3", "h4");
        ledger.pipe(e.patchBuilt("p1", false));
        ledger.pipe(e.rolloutRequested("p1", "r1", HostSelector.newBuilder().setAll(true).build(), 0.0, true, percent(50)));
        assertEquals(List.of("h1", "h2"), ledger.commands().stream().map(KhpEvent::getHostId).toList());
        agentApplies("h1", "p1");
        ledger.pipe(e.captured("h2", "p1"), e.verified("h2", "p1", Verdict.MATCH),
                e.attempted("h2", "p1", 1, ApplyOutcome.LOAD_ERROR), e.failed("h2", "p1", ApplyFailureReason.LOAD_ERROR));

        List<KhpEvent> decisions = ledger.rolloutDecisions();
        RolloutHalted halted = assertInstanceOf(RolloutHalted.class, decisions.get(decisions.size() - 1).getPayload());
        assertEquals(1, halted.getCounts().getFailed());
        assertEquals(1, halted.getCounts().getApplied());
        assertEquals(2, halted.getCounts().getPending());
        List<KhpEvent> reverts = ledger.commands();
        assertEquals(1, reverts.size(), "no new wave, one revert");
        assertEquals("h1", reverts.get(0).getHostId());
        assertInstanceOf(RevertRequested.class, reverts.get(0).getPayload());
        assertEquals(PatchStatus.REVERTING, stateOf("h1", "p1"));
        assertNull(stateOf("h3", "p1"), "the next wave never started");
        assertEquals(RolloutStatus.HALTED, ledger.patch("p1").getRollouts().get(0).getStatus());
        ledger.pipe(e.reverted("h1", "p1"));
        assertEquals(PatchStatus.REVERTED, stateOf("h1", "p1"));
    }

    @Test
    void withoutAutoRevertAHaltRevertsNothing() {
        fleet("h1", "h2");
        ledger.pipe(e.patchBuilt("p1", false));
        ledger.pipe(e.rolloutRequested("p1", "r1", explicitHosts("h1", "h2"), 0.0, false, hosts(2)));
        ledger.commands();
        agentApplies("h1", "p1");
        ledger.pipe(e.captured("h2", "p1"), e.failed("h2", "p1", ApplyFailureReason.VERIFY_TIMEOUT));
        assertInstanceOf(RolloutHalted.class, ledger.rolloutDecisions().get(1).getPayload());
        assertEquals(List.of(), ledger.commands());
        assertEquals(PatchStatus.APPLIED, stateOf("h1", "p1"));
    }

    @Test
    void kernelMismatchesCountApartFromFailures() {
        fleet("h1", "h2", "h3");
        ledger.pipe(e.patchBuilt("p1", false));
        ledger.pipe(e.rolloutRequested("p1", "r1", HostSelector.newBuilder().setAll(true).build(), 0.0, false, hosts(2)));
        ledger.commands();
        agentApplies("h1", "p1");
        ledger.pipe(e.captured("h2", "p1"), e.verified("h2", "p1", Verdict.MISMATCH), e.failed("h2", "p1", ApplyFailureReason.MISMATCH));
        assertEquals(PatchStatus.REJECTED, stateOf("h2", "p1"));
        assertEquals(List.of("h3"), ledger.commands().stream().map(KhpEvent::getHostId).toList(), "the next wave starts");
        agentApplies("h3", "p1");
        List<KhpEvent> decisions = ledger.rolloutDecisions();
        RolloutCompleted done = assertInstanceOf(RolloutCompleted.class, decisions.get(decisions.size() - 1).getPayload());
        assertEquals(1, done.getCounts().getRejected());
        assertEquals(0, done.getCounts().getFailed());
        assertEquals(2, done.getCounts().getApplied());
    }

    @Test
    void selectorsPickHostsByKernelAndLabels() {
        ledger.pipe(e.reported("a", "b", TestEvents.kernel("6.1.0-9-amd64", "amd64"), Map.of("ring", "canary")));
        ledger.pipe(e.reported("b", "b", TestEvents.kernel("6.1.0-9-cloud-amd64", "cloud-amd64"), Map.of("ring", "canary")));
        ledger.pipe(e.reported("c", "b", TestEvents.kernel("6.1.0-9-amd64", "amd64"), Map.of("ring", "main")));
        ledger.pipe(e.patchBuilt("p1", false));
        ledger.pipe(e.rolloutRequested("p1", "r1", HostSelector.newBuilder().setFlavour("amd64").setLabels(Map.of("ring", "canary")).build(),
                0.0, false));
        assertEquals(List.of("a"), ledger.commands().stream().map(KhpEvent::getHostId).toList());
        assertEquals(1, ledger.patch("p1").getRollouts().get(0).getTargeted());
    }

    @Test
    void aRolloutOfAnUnbuiltPatchOrOfNoHostHalts() {
        fleet("h1");
        ledger.pipe(e.rolloutRequested("p1", "r1", HostSelector.newBuilder().setAll(true).build(), 0.0, false));
        assertTrue(ledger.rejections().get(0).getReason().contains("not built"));
        RolloutHalted halted = assertInstanceOf(RolloutHalted.class, ledger.rolloutDecisions().get(0).getPayload());
        assertTrue(halted.getReason().contains("not built"));
        ledger.pipe(e.patchBuilt("p1", false));
        ledger.pipe(e.rolloutRequested("p1", "r2", explicitHosts("nobody"), 0.0, false));
        assertTrue(ledger.rejections().get(0).getReason().contains("no host matches"));
        assertEquals(List.of(), ledger.commands());
        assertEquals(RolloutStatus.HALTED, ledger.patch("p1").getRollouts().get(1).getStatus());
    }

    @Test
    void aSecondRolloutWhileOneRunsIsRejected() {
        fleet("h1", "h2");
        ledger.pipe(e.patchBuilt("p1", false));
        ledger.pipe(e.rolloutRequested("p1", "r1", explicitHosts("h1"), 0.0, false));
        ledger.pipe(e.rolloutRequested("p1", "r2", explicitHosts("h2"), 0.0, false));
        Rejection r = ledger.rejections().get(0);
        assertTrue(r.getReason().contains("r1"), r.getReason());
        assertEquals(List.of("h1"), ledger.commands().stream().map(KhpEvent::getHostId).toList());
    }

    @Test
    void aHostThatAlreadyHasThePatchCountsAsAppliedInTheRollout() {
        fleet("h1", "h2");
        ledger.pipe(e.patchBuilt("p1", false));
        ledger.pipe(e.applyRequested("h1", "p1"));
        agentApplies("h1", "p1");
        ledger.pipe(e.rolloutRequested("p1", "r1", HostSelector.newBuilder().setAll(true).build(), 0.0, false, hosts(1)));
        assertTrue(ledger.rejections().get(0).getReason().contains("already APPLIED"));
        assertEquals(List.of("h1", "h2"), ledger.commands().stream().map(KhpEvent::getHostId).toList());
        agentApplies("h2", "p1");
        List<KhpEvent> decisions = ledger.rolloutDecisions();
        assertInstanceOf(RolloutCompleted.class, decisions.get(decisions.size() - 1).getPayload());
    }

    @Test
    void aRebootWithoutThePatchIsLost() {
        fleet("h1");
        ledger.pipe(e.applyRequested("h1", "p1"));
        agentApplies("h1", "p1");
        ledger.pipe(e.reported("h1", "boot-2"));
        assertEquals(PatchStatus.LOST, stateOf("h1", "p1"));
        ledger.tick();
        assertEquals(Map.of("LOST", 1), ledger.patchStates().get(0).getHostCounts());
    }

    @Test
    void anUnrequestedModuleIsDrift() {
        fleet("h1");
        ledger.pipe(e.patchBuilt("p9", false));
        ledger.pipe(e.reported("h1", "boot-h1", "khp_p9", "other_fix"));
        HostState h = ledger.host("h1");
        assertTrue(h.getDrift());
        assertEquals(PatchStatus.DRIFT, stateOf("h1", "p9"), "the module is known as patch p9's from the catalog");
        assertEquals(2, h.getObserved().size());
        ledger.tick();
        assertEquals(Map.of("DRIFT", 1), ledger.patch("p9").getHostCounts());
    }

    @Test
    void illegalEventsAreRejectedAndTheLedgerGoesOn() {
        fleet("h1");
        ledger.pipe(e.applied("ghost", "p1", 1));
        ledger.pipe(e.applied("h1", "p1", 1));
        // an event for a patch never requested waits for a request (it may have been read first), then is rejected
        List<Rejection> unknown = ledger.rejections();
        assertEquals(1, unknown.size());
        assertTrue(unknown.get(0).getReason().contains("unknown host ghost"));
        ledger.advance(java.time.Duration.ofMillis(LedgerTopology.DEFAULT_HOLD_MS + 1000));
        List<Rejection> expired = ledger.rejections();
        assertEquals(1, expired.size());
        assertTrue(expired.get(0).getReason().contains("never requested"), expired.get(0).getReason());
        assertTrue(expired.get(0).getReason().contains("waiting for ApplyRequested"), expired.get(0).getReason());
        ledger.pipe(e.applyRequested("h1", "p1"));
        agentApplies("h1", "p1");
        ledger.pipe(e.applyRequested("h1", "p2"));
        agentApplies("h1", "p2");
        ledger.pipe(e.revertRequested("h1", "p1"));
        List<Rejection> rejections = ledger.rejections();
        assertEquals(1, rejections.size());
        assertTrue(rejections.get(0).getReason().contains("above"));
        assertEquals("RevertRequested", rejections.get(0).getEventType());
        assertEquals("APPLIED", rejections.get(0).getCurrentState());
        assertNull(ledger.host("ghost"));
        assertEquals(PatchStatus.APPLIED, stateOf("h1", "p1"));
        ledger.pipe(e.revertRequested("h1", "p2"));
        assertEquals(PatchStatus.REVERTING, stateOf("h1", "p2"));
    }

    /** The commands and lifecycle topics are ordered apart: pipe each pair in the order the ledger may read them. */
    @Test
    void aRevertReadBeforeItsAppliedIsHeldUntilTheAppliedArrives() {
        fleet("h1");
        ledger.pipe(e.applyRequested("h1", "p1"), e.captured("h1", "p1"), e.verified("h1", "p1", Verdict.MATCH),
                e.attempted("h1", "p1", 1, ApplyOutcome.APPLIED));
        ledger.pipe(e.revertRequested("h1", "p1"));
        assertEquals(PatchStatus.APPLYING, stateOf("h1", "p1"));
        ledger.pipe(e.applied("h1", "p1", 1));
        assertEquals(PatchStatus.REVERTING, stateOf("h1", "p1"));
        ledger.pipe(e.reverted("h1", "p1"));
        assertEquals(PatchStatus.REVERTED, stateOf("h1", "p1"));
        assertEquals(List.of(), ledger.rejections());
        ledger.advance(java.time.Duration.ofMillis(LedgerTopology.DEFAULT_HOLD_MS + 1000));
        assertEquals(List.of(), ledger.rejections());
        List<PatchStatus> published = ledger.hostStates().stream()
                .map(h -> h.getPatches().stream().filter(p -> "p1".equals(p.getPatchId())).findFirst().map(p -> p.getState()).orElse(null))
                .toList();
        // the Applied and the revert it released are one published state; the entry keeps when it was applied
        assertTrue(published.containsAll(List.of(PatchStatus.APPLYING, PatchStatus.REVERTING, PatchStatus.REVERTED)), published.toString());
        assertTrue(ledger.host("h1").getPatches().get(0).getEnteredAt().getAPPLIED() > 0);
    }

    @Test
    void lifecycleEventsReadBeforeTheirRequestAreHeldInOrder() {
        fleet("h1");
        ledger.pipe(e.captured("h1", "p1"), e.verified("h1", "p1", Verdict.MATCH));
        assertNull(stateOf("h1", "p1"));
        ledger.pipe(e.applyRequested("h1", "p1"));
        assertEquals(PatchStatus.VERIFIED, stateOf("h1", "p1"));
        assertEquals(List.of(), ledger.rejections());
    }

    @Test
    void aRevertWhoseAppliedNeverComesIsRejectedAfterTheHoldTime() {
        fleet("h1");
        ledger.pipe(e.applyRequested("h1", "p1"), e.captured("h1", "p1"));
        ledger.pipe(e.revertRequested("h1", "p1"));
        assertEquals(List.of(), ledger.rejections());
        ledger.advance(java.time.Duration.ofMillis(LedgerTopology.DEFAULT_HOLD_MS + 1000));
        List<Rejection> rejections = ledger.rejections();
        assertEquals(1, rejections.size());
        assertEquals("RevertRequested", rejections.get(0).getEventType());
        assertEquals("CAPTURED", rejections.get(0).getCurrentState());
        assertTrue(rejections.get(0).getReason().contains("waiting for Applied"), rejections.get(0).getReason());
        assertEquals(PatchStatus.CAPTURED, stateOf("h1", "p1"));
    }

    @Test
    void hostCountsOutsideRolloutsArriveSummed() {
        fleet("h1", "h2", "h3");
        for (String h : List.of("h1", "h2", "h3")) {
            ledger.pipe(e.applyRequested(h, "p1"));
            agentApplies(h, "p1");
        }
        ledger.pipe(e.revertRequested("h2", "p1"), e.reverted("h2", "p1"));
        ledger.pipe(e.applyRequested("h3", "p2"));
        ledger.tick();
        assertEquals(Map.of("APPLIED", 2, "REVERTED", 1), ledger.patch("p1").getHostCounts());
        assertEquals(Map.of("REQUESTED", 1), ledger.patch("p2").getHostCounts());
        List<PatchState> published = ledger.patchStates();
        assertEquals(2, published.size(), "one publication per patch: " + published);
    }

    @Test
    void aDuplicateEventChangesNothing() {
        fleet("h1");
        KhpEvent request = e.applyRequested("h1", "p1");
        ledger.pipe(request);
        ledger.hostStates();
        HostState before = ledger.host("h1");
        ledger.pipe(request, request);
        assertEquals(List.of(), ledger.hostStates());
        assertEquals(List.of(), ledger.rejections());
        assertEquals(before, ledger.host("h1"));

        ledger.pipe(e.patchBuilt("p2", false));
        KhpEvent rollout = e.rolloutRequested("p2", "r1", explicitHosts("h1"), 0.0, false);
        ledger.pipe(rollout, rollout);
        assertEquals(1, ledger.commands().size());
        assertEquals(List.of(), ledger.rejections());
    }

    @Test
    void undecodableRecordsAreDeadLetteredAndTheLedgerGoesOn() {
        ledger.pipeRaw(Topics.HOST_LIFECYCLE.name(), "h1", "not avro".getBytes(StandardCharsets.UTF_8));
        fleet("h1");
        var letters = ledger.deadLetters();
        assertEquals(1, letters.size());
        assertEquals("not avro", new String(letters.get(0).value(), StandardCharsets.UTF_8));
        assertEquals(Topics.HOST_LIFECYCLE.name(), LedgerDriver.header(letters.get(0).headers(), DeadLetters.ORIGIN_TOPIC));
        assertNotNull(LedgerDriver.header(letters.get(0).headers(), DeadLetters.ERROR));
        assertEquals("ledger-streams", LedgerDriver.header(letters.get(0).headers(), DeadLetters.CONSUMER));
        assertNotNull(ledger.host("h1"));
    }

    @Test
    void theControllersOwnDecisionsReadBackChangeNothing() {
        fleet("h1");
        ledger.pipe(e.patchBuilt("p1", false));
        ledger.pipe(e.rolloutRequested("p1", "r1", explicitHosts("h1"), 0.0, false));
        KhpEvent started = ledger.rolloutDecisions().get(0);
        PatchState before = ledger.patch("p1");
        ledger.pipe(started);
        assertEquals(before, ledger.patch("p1"));
        assertEquals(List.of(), ledger.rejections());
        assertFalse(ledger.commands().isEmpty(), "the first wave's command");
        assertEquals(List.of(), ledger.commands());
    }

    @Test
    void aRolloutGivesEachHostTheArtifactOfItsKernelAndSkipsTheOthers() {
        var amd64 = TestEvents.kernel("6.1.0-9-amd64", "amd64");
        var cloud = TestEvents.kernel("6.1.0-9-cloud-amd64", "cloud-amd64");
        var rt = TestEvents.kernel("6.1.0-9-rt-amd64", "rt-amd64");
        ledger.pipe(e.reported("a1", "b", amd64, Map.of()), e.reported("a2", "b", amd64, Map.of()),
                e.reported("c1", "b", cloud, Map.of()), e.reported("r1", "b", rt, Map.of()));
        KhpEvent forAmd64 = e.buildRequested("p1", amd64);
        KhpEvent forCloud = e.buildRequested("p1", cloud);
        KhpEvent forRt = e.buildRequested("p1", rt);
        ledger.pipe(forAmd64, forCloud, forRt, e.patchBuiltFor(forAmd64), e.patchBuiltFor(forCloud),
                e.buildFailedFor(forRt, "DATA_CHANGED"));
        PatchState built = ledger.patch("p1");
        assertEquals(BuildStatus.BUILT, built.getBuildStatus());
        assertEquals(List.of(BuildStatus.BUILT, BuildStatus.BUILT, BuildStatus.FAILED),
                built.getBuilds().stream().map(b -> b.getStatus()).toList());

        ledger.pipe(e.rolloutRequested("p1", "ro", HostSelector.newBuilder().setAll(true).build(), 0.0, false, hosts(4)));
        Map<String, ApplyRequested> sent = new java.util.TreeMap<>();
        ledger.commands().forEach(c -> sent.put(c.getHostId(), (ApplyRequested) c.getPayload()));
        assertEquals(List.of("a1", "a2", "c1", "r1"), List.copyOf(sent.keySet()));
        assertEquals("sha-p1-6.1.0-9-amd64", sent.get("a1").getArtifact().getSha256());
        assertEquals("sha-p1-6.1.0-9-amd64", sent.get("a2").getArtifact().getSha256());
        assertEquals("sha-p1-6.1.0-9-cloud-amd64", sent.get("c1").getArtifact().getSha256());
        assertNull(sent.get("c1").getSkipReason());
        assertTrue(sent.get("r1").getSkipReason().contains("failed: DATA_CHANGED"), sent.get("r1").getSkipReason());
        assertEquals(PatchStatus.SKIPPED, stateOf("r1", "p1"));
        assertTrue(ledger.host("r1").getPatches().get(0).getLastReason().contains("6.1.0-9-rt-amd64"));

        agentApplies("a1", "p1");
        agentApplies("a2", "p1");
        agentApplies("c1", "p1");
        RolloutState r = ledger.patch("p1").getRollouts().get(0);
        assertEquals(RolloutStatus.COMPLETED, r.getStatus());
        KhpEvent completed = ledger.rolloutDecisions().stream()
                .filter(d -> d.getPayload() instanceof io.khp.events.RolloutCompleted).findFirst().orElseThrow();
        var counts = ((io.khp.events.RolloutCompleted) completed.getPayload()).getCounts();
        assertEquals(3, counts.getApplied());
        assertEquals(1, counts.getSkipped());
        assertEquals(0, counts.getFailed());
        assertEquals(List.of(), ledger.rejections());
    }

    @Test
    void withAnyKernelAHostOfAnotherKernelGetsTheBuiltArtifact() {
        var amd64 = TestEvents.kernel("6.1.0-9-amd64", "amd64");
        var cloud = TestEvents.kernel("6.1.0-9-cloud-amd64", "cloud-amd64");
        ledger.pipe(e.reported("a1", "b", amd64, Map.of()), e.reported("c1", "b", cloud, Map.of()));
        KhpEvent forAmd64 = e.buildRequested("p1", amd64);
        ledger.pipe(forAmd64, e.patchBuiltFor(forAmd64));
        KhpEvent request = e.rolloutRequested("p1", "ro", HostSelector.newBuilder().setAll(true).build(), 0.0, false, hosts(2));
        ((io.khp.events.RolloutRequested) request.getPayload()).setAnyKernel(true);
        ledger.pipe(request);
        List<KhpEvent> sent = ledger.commands();
        assertEquals(List.of("a1", "c1"), sent.stream().map(KhpEvent::getHostId).sorted().toList());
        sent.forEach(c -> {
            ApplyRequested apply = (ApplyRequested) c.getPayload();
            assertNull(apply.getSkipReason());
            assertEquals("sha-p1-6.1.0-9-amd64", apply.getArtifact().getSha256());
        });
        assertEquals(PatchStatus.REQUESTED, stateOf("c1", "p1"));
        assertTrue(ledger.patch("p1").getRollouts().get(0).getAnyKernel());
    }

    private KhpEvent rolloutWithTimeouts(String rolloutId, double maxFailureRatio, boolean autoRevert, long hostTimeoutMs,
            long waveTimeoutMs, io.khp.events.WaveSize... waves) {
        KhpEvent request = e.rolloutRequested("p1", rolloutId, HostSelector.newBuilder().setAll(true).build(), maxFailureRatio,
                autoRevert, waves);
        ((io.khp.events.RolloutRequested) request.getPayload()).setHostTimeoutMs(hostTimeoutMs);
        ((io.khp.events.RolloutRequested) request.getPayload()).setWaveTimeoutMs(waveTimeoutMs);
        return request;
    }

    @Test
    void aHostThatNeverAnswersTimesOutAndTheWaveGoesOnWithinItsBudget() {
        // given a wave of two where h2's agent never answers, a budget of one failure in two
        fleet("h1", "h2", "h3");
        ledger.pipe(e.patchBuilt("p1", false));
        ledger.pipe(rolloutWithTimeouts("r1", 0.5, false, 60_000, 300_000, hosts(2), hosts(1)));
        List<KhpEvent> wave0 = ledger.commands();
        assertEquals(List.of("h1", "h2"), wave0.stream().map(KhpEvent::getHostId).toList());
        agentApplies("h1", "p1");
        ledger.pipe(e.captured("h2", "p1"));
        // when the ledger's clock has not yet reached the host timeout, then nothing happens
        ledger.advance(java.time.Duration.ofSeconds(58));
        assertEquals(List.of(), ledger.commands());
        assertEquals(PatchStatus.CAPTURED, stateOf("h2", "p1"));
        // when it passes it, then h2 is TIMED_OUT (a command in its history) and the next wave starts
        ledger.advance(java.time.Duration.ofSeconds(3));
        List<KhpEvent> sent = ledger.commands();
        assertEquals(List.of("h2", "h3"), sent.stream().map(KhpEvent::getHostId).toList());
        io.khp.events.ApplyFailed timeout = assertInstanceOf(io.khp.events.ApplyFailed.class, sent.get(0).getPayload());
        assertEquals(ApplyFailureReason.TIMED_OUT, timeout.getReasonCode());
        assertTrue(timeout.getDetail().contains("host timeout of 60 s") && timeout.getDetail().contains("last state CAPTURED"),
                timeout.getDetail());
        assertEquals("r1", sent.get(0).getCorrelationId());
        assertEquals(wave0.get(1).getEventId(), sent.get(0).getCausationId(), "it answers h2's request (the agent's history ends it)");
        assertInstanceOf(ApplyRequested.class, sent.get(1).getPayload());
        assertEquals(PatchStatus.TIMED_OUT, stateOf("h2", "p1"));
        assertEquals(timeout.getDetail(), ledger.host("h2").getPatches().get(0).getLastReason());
        RolloutState r = ledger.patch("p1").getRollouts().get(0);
        assertEquals(Map.of("APPLIED", 1, "TIMED_OUT", 1), r.getWaves().get(0).getCounts());
        assertEquals(1, r.getCurrentWave());
        assertEquals(List.of(), ledger.rejections());

        // when h2's agent answers late, then the truth is recorded: the host has the patch
        ledger.pipe(e.verified("h2", "p1", Verdict.MATCH), e.attempted("h2", "p1", 1, ApplyOutcome.APPLIED), e.applied("h2", "p1", 1));
        assertEquals(PatchStatus.APPLIED, stateOf("h2", "p1"));
        assertEquals(Map.of("APPLIED", 2), ledger.patch("p1").getRollouts().get(0).getWaves().get(0).getCounts());
        assertEquals(List.of(), ledger.rejections());
        agentApplies("h3", "p1");
        assertEquals(RolloutStatus.COMPLETED, ledger.patch("p1").getRollouts().get(0).getStatus());
    }

    @Test
    void aTimeoutBeyondTheBudgetHaltsAndALateAppliedIsRevertedWithTheOthers() {
        fleet("h1", "h2", "h3");
        ledger.pipe(e.patchBuilt("p1", false));
        ledger.pipe(rolloutWithTimeouts("r1", 0.0, true, 600_000, 30_000, hosts(2), hosts(1)));
        ledger.commands();
        agentApplies("h1", "p1");
        // when the wave timeout (the shorter) passes with h2 silent
        ledger.advance(java.time.Duration.ofSeconds(31));
        List<KhpEvent> decisions = ledger.rolloutDecisions();
        RolloutHalted halted = assertInstanceOf(RolloutHalted.class, decisions.get(decisions.size() - 1).getPayload());
        assertEquals(1, halted.getCounts().getTimedOut());
        assertEquals(1, halted.getCounts().getFailed());
        assertTrue(halted.getReason().contains("1 of 2"), halted.getReason());
        List<KhpEvent> sent = ledger.commands();
        assertEquals(List.of("h2", "h1"), sent.stream().map(KhpEvent::getHostId).toList(), "the timeout, then the auto-revert");
        assertTrue(((io.khp.events.ApplyFailed) sent.get(0).getPayload()).getDetail().contains("wave 0 reached its timeout of 30 s"));
        assertInstanceOf(RevertRequested.class, sent.get(1).getPayload());
        assertEquals(PatchStatus.TIMED_OUT, stateOf("h2", "p1"));
        assertNull(stateOf("h3", "p1"), "the next wave never started");

        // when h2 applies after the halt, then it is reverted too
        agentApplies("h2", "p1");
        List<KhpEvent> late = ledger.commands();
        assertEquals(List.of("h2"), late.stream().map(KhpEvent::getHostId).toList());
        assertInstanceOf(RevertRequested.class, late.get(0).getPayload());
        assertEquals(PatchStatus.REVERTING, stateOf("h2", "p1"));
        // and nothing times out after the halt
        ledger.advance(java.time.Duration.ofMinutes(20));
        assertEquals(List.of(), ledger.commands());
    }

    @Test
    void aTimeoutReadAfterTheHostsOutcomeIsRefusedAndTheOutcomeCounts() {
        fleet("h1");
        ledger.pipe(e.patchBuilt("p1", false));
        ledger.pipe(rolloutWithTimeouts("r1", 0.0, false, 60_000, 300_000, hosts(1)));
        ledger.commands();
        ledger.pipe(e.captured("h1", "p1"), e.verified("h1", "p1", Verdict.MATCH), e.attempted("h1", "p1", 1, ApplyOutcome.APPLIED));
        ledger.pipe(e.applied("h1", "p1", 1));
        // the controller's timeout of the same request, had it crossed the Applied on the way
        ledger.pipe(e.timedOut("h1", "p1", "r1"));
        assertEquals(PatchStatus.APPLIED, stateOf("h1", "p1"));
        List<Rejection> rejections = ledger.rejections();
        assertEquals(1, rejections.size());
        assertTrue(rejections.get(0).getReason().contains("the host's outcome came first"), rejections.get(0).getReason());
        assertEquals(RolloutStatus.COMPLETED, ledger.patch("p1").getRollouts().get(0).getStatus());
    }

    @Test
    void aRolloutWithANonPositiveTimeoutIsRefused() {
        fleet("h1");
        ledger.pipe(e.patchBuilt("p1", false));
        ledger.pipe(rolloutWithTimeouts("r1", 0.0, false, 0, 300_000, hosts(1)));
        RolloutHalted halted = assertInstanceOf(RolloutHalted.class, ledger.rolloutDecisions().get(0).getPayload());
        assertTrue(halted.getReason().contains("host timeout 0 ms is not positive"), halted.getReason());
        assertEquals(List.of(), ledger.commands());
    }
}
