package io.khp.ledger.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.khp.events.ApplyFailureReason;
import io.khp.events.ApplyOutcome;
import io.khp.events.KhpEvent;
import io.khp.events.Verdict;
import io.khp.ledger.TestEvents;
import io.khp.state.HostPatch;
import io.khp.state.HostState;
import io.khp.state.PatchStatus;
import io.khp.state.StateTimes;

class HostLedgerTest {

    private final TestEvents e = new TestEvents();

    @Test
    void aReportMakesTheHostKnownWithItsIdentity() {
        HostScenario s = HostScenario.given(e.reported("h1", "boot-1", TestEvents.kernel("6.1.0-9-amd64", "amd64"),
                Map.of("rack", "r1")));
        HostState h = s.state();
        assertEquals("h1", h.getHostId());
        assertEquals("6.1.0-9-amd64", h.getKernel().getRelease());
        assertEquals("amd64", h.getKernel().getFlavour());
        assertEquals("boot-1", h.getBootId());
        assertEquals("NONE", h.getLockdown());
        assertEquals("0.1.0", h.getAgentVersion());
        assertEquals("r1", h.getLabels().get("rack"));
        assertEquals(e.now().toEpochMilli(), h.getLastSeen());
        assertEquals(1, h.getVersion());
    }

    @Test
    void eventsOfAnUnknownHostAreRejected() {
        HostScenario.given().when(e.applyRequested("ghost", "p1")).expectUnknownHost().expectRejected("unknown host ghost");
        HostScenario.given().when(e.applied("ghost", "p1", 1)).expectUnknownHost().expectRejected("unknown host");
    }

    @Test
    void theWholeApplyLifecycle() {
        HostScenario s = HostScenario.given(e.reported("h1", "b1"))
                .when(e.applyRequested("h1", "p1", "r1", 0)).expectPatch("p1", PatchStatus.REQUESTED)
                .expectChange("p1", PatchStatus.UNKNOWN, PatchStatus.REQUESTED)
                .when(e.captured("h1", "p1")).expectPatch("p1", PatchStatus.CAPTURED)
                .when(e.verified("h1", "p1", Verdict.MATCH)).expectPatch("p1", PatchStatus.VERIFIED)
                .when(e.attempted("h1", "p1", 1, ApplyOutcome.STALLED_REVERSED)).expectPatch("p1", PatchStatus.APPLYING)
                .when(e.attempted("h1", "p1", 2, ApplyOutcome.APPLIED)).expectPatch("p1", PatchStatus.APPLYING).expectNoChange()
                .when(e.applied("h1", "p1", 2)).expectPatch("p1", PatchStatus.APPLIED)
                .expectChange("p1", PatchStatus.APPLYING, PatchStatus.APPLIED).expectNoRejection();
        HostPatch p = s.patch("p1");
        assertEquals(2, p.getAttempts());
        assertEquals("r1", p.getRolloutId());
        assertEquals(0, p.getStackPosition());
        for (PatchStatus st : List.of(PatchStatus.REQUESTED, PatchStatus.CAPTURED, PatchStatus.VERIFIED, PatchStatus.APPLYING,
                PatchStatus.APPLIED)) {
            assertTrue(HostPatchTransitions.enteredAt(p, st) > 0, "time of " + st);
        }
        assertEquals(0, HostPatchTransitions.enteredAt(p, PatchStatus.REVERTED));
        assertTrue(HostPatchTransitions.enteredAt(p, PatchStatus.REQUESTED) < HostPatchTransitions.enteredAt(p, PatchStatus.APPLIED));
        assertEquals(7, s.state().getVersion());

        s.when(e.revertRequested("h1", "p1")).expectPatch("p1", PatchStatus.REVERTING)
                .when(e.reverted("h1", "p1")).expectPatch("p1", PatchStatus.REVERTED)
                .expectChange("p1", PatchStatus.REVERTING, PatchStatus.REVERTED);
        assertNull(s.patch("p1").getStackPosition());
    }

    @Test
    void mismatchIsRejectedAndTheAgentsConfirmationKeepsIt() {
        HostScenario.given(e.reported("h1", "b1"), e.applyRequested("h1", "p1"), e.captured("h1", "p1"))
                .when(e.verified("h1", "p1", Verdict.MISMATCH)).expectPatch("p1", PatchStatus.REJECTED)
                .when(e.failed("h1", "p1", ApplyFailureReason.MISMATCH)).expectPatch("p1", PatchStatus.REJECTED)
                .expectNoRejection().expectNoChange();
    }

    @Test
    void aFailedApplyCanBeRequestedAgain() {
        HostScenario.given(e.reported("h1", "b1"), e.applyRequested("h1", "p1"), e.captured("h1", "p1"),
                        e.verified("h1", "p1", Verdict.MATCH), e.attempted("h1", "p1", 1, ApplyOutcome.STALLED_REVERSED))
                .when(e.failed("h1", "p1", ApplyFailureReason.STALLED)).expectPatch("p1", PatchStatus.FAILED)
                .when(e.applyRequested("h1", "p1")).expectPatch("p1", PatchStatus.REQUESTED).expectNoRejection();
    }

    @Test
    void aTimedOutHostIsRecordedAndItsLoadedModuleIsNoDrift() {
        // given a request under rollout r1 that the host captured, then went silent
        HostScenario.given(e.reported("h1", "b1"), e.applyRequested("h1", "p1", "r1", 0), e.captured("h1", "p1"))
                // when the rollout times it out, then TIMED_OUT, with the change for the rollout
                .when(e.timedOut("h1", "p1", "r1")).expectPatch("p1", PatchStatus.TIMED_OUT)
                .expectChange("p1", PatchStatus.CAPTURED, PatchStatus.TIMED_OUT).expectNoRejection()
                // when the host reports the module loaded (it got that far), then that is no drift
                .when(e.reported("h1", "b1", "khp_p1")).expectPatch("p1", PatchStatus.TIMED_OUT).expectNoChange()
                // when its Applied comes late, then the host has the patch
                .when(e.applied("h1", "p1", 1)).expectPatch("p1", PatchStatus.APPLIED)
                .expectChange("p1", PatchStatus.TIMED_OUT, PatchStatus.APPLIED).expectNoRejection()
                // and a second timeout of the same request is refused: the outcome came first
                .when(e.timedOut("h1", "p1", "r1")).expectRejected("the host's outcome came first").expectNoChange();
    }

    @Test
    void appliedForAPatchNeverRequestedIsRejectedAndChangesNothing() {
        HostScenario s = HostScenario.given(e.reported("h1", "b1"))
                .when(e.applied("h1", "p1", 1)).expectRejected("never requested").expectNoChange();
        assertNull(s.patch("p1"));
        assertEquals(1, s.state().getVersion());
    }

    @Test
    void anEventWithoutPatchIdIsRejected() {
        HostScenario.given(e.reported("h1", "b1")).when(e.event("h1", null, io.khp.events.Applied.newBuilder()
                .setModuleName("m").setTransitionMs(1).build())).expectRejected("without a patch id");
    }

    @Test
    void aDuplicateEventIdChangesNothing() {
        KhpEvent request = e.applyRequested("h1", "p1");
        KhpEvent capture = e.captured("h1", "p1");
        HostScenario s = HostScenario.given(e.reported("h1", "b1"), request, capture);
        HostState before = s.state();
        s.when(request).expectDuplicate().expectNoChange().expectNoRejection();
        s.when(capture).expectDuplicate().expectNoChange().expectNoRejection();
        assertEquals(before, s.state());
        assertEquals(PatchStatus.CAPTURED, s.patch("p1").getState());
    }

    @Test
    void aRebootWithoutThePatchLosesIt() {
        HostScenario s = HostScenario.given(e.reported("h1", "b1"), e.applyRequested("h1", "p1"))
                .and(e.applySucceeds("h1", "p1"))
                .and(e.reported("h1", "b1", TestEvents.module("p1")))
                .expectPatch("p1", PatchStatus.APPLIED)
                .when(e.reported("h1", "b2")).expectPatch("p1", PatchStatus.LOST)
                .expectChange("p1", PatchStatus.APPLIED, PatchStatus.LOST);
        assertTrue(s.patch("p1").getLastReason().contains("b2"));
        assertFalse(s.state().getDrift());
    }

    @Test
    void aRebootThatBringsThePatchBackOrNoRebootKeepsIt() {
        HostScenario.given(e.reported("h1", "b1"), e.applyRequested("h1", "p1"))
                .and(e.applySucceeds("h1", "p1"))
                .when(e.reported("h1", "b2", TestEvents.module("p1"))).expectPatch("p1", PatchStatus.APPLIED).expectNoChange();
        HostScenario s = HostScenario.given(e.reported("h1", "b1"), e.applyRequested("h1", "p1"))
                .and(e.applySucceeds("h1", "p1"))
                .when(e.reported("h1", "b1")).expectPatch("p1", PatchStatus.APPLIED).expectNoChange();
        assertTrue(s.state().getDrift(), "an applied patch the host does not show is drift");
    }

    @Test
    void aLoadedModuleNeverRequestedIsDrift() {
        HostScenario s = HostScenario.given(e.reported("h1", "b1"))
                .withPatch("p7", "khp_p7", false)
                .when(e.reported("h1", "b1", "khp_p7", "vendor_fix"))
                .expectPatch("p7", PatchStatus.DRIFT).expectChange("p7", PatchStatus.UNKNOWN, PatchStatus.DRIFT);
        assertTrue(s.state().getDrift());
        assertEquals(2, s.state().getObserved().size());
        assertTrue(s.state().getObserved().stream().allMatch(o -> o.getDrift()));
        assertTrue(s.state().getPatches().stream().anyMatch(p -> p.getPatchId() == null && p.getModuleName().equals("vendor_fix")
                && p.getState() == PatchStatus.DRIFT));

        s.when(e.reported("h1", "b1", "khp_p7")).expectNoChange().expectPatch("p7", PatchStatus.DRIFT);
        // an operator adopts the drifted patch: a request takes over the entry
        s.when(e.applyRequested("h1", "p7")).expectPatch("p7", PatchStatus.REQUESTED).expectChange("p7", PatchStatus.DRIFT, PatchStatus.REQUESTED);
        s.when(e.reported("h1", "b1")).expectNoChange();
        assertFalse(s.state().getDrift());
        assertEquals(1, s.state().getPatches().size());
    }

    @Test
    void aRequestedModuleShowingUpIsNotDrift() {
        HostScenario s = HostScenario.given(e.reported("h1", "b1"), e.applyRequested("h1", "p1"), e.captured("h1", "p1"),
                e.verified("h1", "p1", Verdict.MATCH), e.attempted("h1", "p1", 1, ApplyOutcome.APPLIED))
                .when(e.reported("h1", "b1", TestEvents.module("p1")));
        assertFalse(s.state().getDrift());
        assertEquals("p1", s.state().getObserved().get(0).getPatchId());
    }

    @Test
    void revertOfAPatchBelowAnEnabledPatchIsRejected() {
        HostScenario s = HostScenario.given(e.reported("h1", "b1"))
                .and(e.applyRequested("h1", "p1")).and(e.applySucceeds("h1", "p1"))
                .and(e.applyRequested("h1", "p2")).and(e.applySucceeds("h1", "p2"));
        assertEquals(0, s.patch("p1").getStackPosition());
        assertEquals(1, s.patch("p2").getStackPosition());
        s.when(e.revertRequested("h1", "p1")).expectRejected("p2").expectPatch("p1", PatchStatus.APPLIED);
        // top first, then the one below
        s.when(e.revertRequested("h1", "p2")).expectNoRejection().expectPatch("p2", PatchStatus.REVERTING)
                .when(e.reverted("h1", "p2"))
                .when(e.revertRequested("h1", "p1")).expectNoRejection().expectPatch("p1", PatchStatus.REVERTING);
    }

    @Test
    void anAppliedAtomicReplacePatchReplacesEveryPatchEnabledBelowIt() {
        HostScenario s = HostScenario.given(e.reported("h1", "b1")).withPatch("r", TestEvents.module("r"), true)
                .and(e.applyRequested("h1", "p1")).and(e.applySucceeds("h1", "p1"))
                .and(e.applyRequested("h1", "p2")).and(e.applySucceeds("h1", "p2"))
                .and(e.applyRequested("h1", "p3")).and(e.captured("h1", "p3")).and(e.verified("h1", "p3", Verdict.MISMATCH))
                .and(e.applyRequested("h1", "r")).and(e.captured("h1", "r")).and(e.verified("h1", "r", Verdict.MATCH))
                .and(e.attempted("h1", "r", 1, ApplyOutcome.APPLIED))
                .when(e.applied("h1", "r", 1)).expectPatch("r", PatchStatus.APPLIED)
                .expectChange("r", PatchStatus.APPLYING, PatchStatus.APPLIED)
                .expectChange("p1", PatchStatus.APPLIED, PatchStatus.REPLACED)
                .expectChange("p2", PatchStatus.APPLIED, PatchStatus.REPLACED)
                .expectPatch("p1", PatchStatus.REPLACED).expectPatch("p2", PatchStatus.REPLACED)
                .expectPatch("p3", PatchStatus.REJECTED).expectNoRejection();
        assertEquals(3, s.changes().size());
        assertEquals("replaced by atomic-replace patch r (" + TestEvents.module("r") + ")", s.patch("p1").getLastReason());
        assertTrue(HostPatchTransitions.enteredAt(s.patch("p1"), PatchStatus.REPLACED) > 0);
        assertNull(s.patch("p1").getStackPosition());
        assertNull(s.patch("p2").getStackPosition());
        assertEquals(0, s.patch("r").getStackPosition());
    }

    @Test
    void aReplacedPatchHasNothingToRevertAndMayBeRequestedAgain() {
        HostScenario s = HostScenario.given(e.reported("h1", "b1")).withPatch("r", TestEvents.module("r"), true)
                .and(e.applyRequested("h1", "p1")).and(e.applySucceeds("h1", "p1"))
                .and(e.applyRequested("h1", "r")).and(e.applySucceeds("h1", "r"))
                .when(e.revertRequested("h1", "p1")).expectRejected("replaced by atomic-replace patch r")
                .expectPatch("p1", PatchStatus.REPLACED)
                .when(e.revertRequested("h1", "r")).expectNoRejection().expectPatch("r", PatchStatus.REVERTING)
                .when(e.reverted("h1", "r"))
                .when(e.applyRequested("h1", "p1")).expectNoRejection().expectPatch("p1", PatchStatus.REQUESTED)
                .expectChange("p1", PatchStatus.REPLACED, PatchStatus.REQUESTED);
        assertEquals(PatchStatus.REVERTED, s.patch("r").getState());
    }

    @Test
    void aPatchWithoutAtomicReplaceReplacesNothing() {
        HostScenario.given(e.reported("h1", "b1"))
                .and(e.applyRequested("h1", "p1")).and(e.applySucceeds("h1", "p1"))
                .and(e.applyRequested("h1", "p2")).and(e.applySucceeds("h1", "p2"))
                .when(e.reported("h1", "b1")).expectPatch("p1", PatchStatus.APPLIED).expectPatch("p2", PatchStatus.APPLIED);
    }

    @Test
    void aPatchLoadedAboveAReplacePatchBlocksItsRevertAsAnyOther() {
        HostScenario.given(e.reported("h1", "b1")).withPatch("r", TestEvents.module("r"), true)
                .and(e.applyRequested("h1", "p1")).and(e.applySucceeds("h1", "p1"))
                .and(e.applyRequested("h1", "r")).and(e.applySucceeds("h1", "r"))
                .and(e.applyRequested("h1", "p2")).and(e.applySucceeds("h1", "p2"))
                .when(e.revertRequested("h1", "r")).expectRejected("p2").expectPatch("r", PatchStatus.APPLIED)
                .expectPatch("p1", PatchStatus.REPLACED).expectPatch("p2", PatchStatus.APPLIED);
    }

    @Test
    void aRevertOfAPatchNotAppliedIsRejected() {
        HostScenario.given(e.reported("h1", "b1"), e.applyRequested("h1", "p1"))
                .when(e.revertRequested("h1", "p1")).expectRejected("expected APPLIED").expectPatch("p1", PatchStatus.REQUESTED);
    }

    @Test
    void lastSeenFollowsTheHostNotTheCommands() {
        HostScenario s = HostScenario.given(e.reported("h1", "b1"));
        long seen = s.state().getLastSeen();
        s.when(e.applyRequested("h1", "p1"));
        assertEquals(seen, s.state().getLastSeen());
        s.when(e.captured("h1", "p1"));
        assertEquals(e.now().toEpochMilli(), s.state().getLastSeen());
    }

    @Test
    void eventIdHashOfAUuidIsTheHashOfItsTwoHalves() {
        for (int i = 0; i < 1000; i++) {
            UUID id = UUID.randomUUID();
            long expected = id.getMostSignificantBits() * 31 ^ id.getLeastSignificantBits();
            assertEquals(expected, HostLedger.idHash(id.toString()), id.toString());
            assertEquals(expected, HostLedger.idHash(id.toString().toUpperCase()), id.toString());
        }
        // not UUIDs: hashed as text, and different texts hash apart
        String almost = "0123456789ab-cdef-0123-456789abcdef";
        assertEquals(36, (almost + "0").length());
        assertTrue(HostLedger.idHash(almost + "0") != HostLedger.idHash(almost + "1"));
        assertTrue(HostLedger.idHash("g1234567-89ab-cdef-0123-456789abcdef") != HostLedger.idHash("01234567-89ab-cdef-0123-456789abcdef"));
        assertTrue(HostLedger.idHash("evt-1") != HostLedger.idHash("evt-2"));
    }

    @Test
    void stateTimesHaveAFieldPerPatchStatusInItsOrder() {
        var fields = StateTimes.SCHEMA$.getFields();
        assertEquals(PatchStatus.values().length, fields.size());
        for (PatchStatus state : PatchStatus.values()) {
            assertEquals(state.name(), fields.get(state.ordinal()).name());
        }
    }

    @Test
    void aCopyForAnEventKeepsEveryFieldAndHasItsOwnPatchList() {
        HostState full = HostState.newBuilder().setHostId("h-id").setHostname("h-name")
                .setKernel(io.khp.state.HostKernel.newBuilder().setRelease("r").setFlavour("f").build()).setBootId("h-boot")
                .setLastSeen(11L).setAgentVersion("h-agent").setLockdown("NONE").setLabels(Map.of("k", "v"))
                .setPatches(new java.util.ArrayList<>(List.of(io.khp.state.HostPatch.newBuilder().setPatchId("p")
                        .setState(PatchStatus.APPLIED).build())))
                .setObserved(List.of(io.khp.state.ObservedLivepatch.newBuilder().setName("m").setEnabled(true).setTransition(false).build()))
                .setDrift(true).setVersion(12L).setLastEventId("h-last").setRecentEvents(java.nio.ByteBuffer.wrap(new byte[8])).build();
        HostState copy = HostLedger.copyForEvent(full);
        for (var field : HostState.SCHEMA$.getFields()) {
            assertEquals(full.get(field.pos()), copy.get(field.pos()), field.name());
            assertFalse(field.hasDefaultValue() && java.util.Objects.equals(HostState.newBuilder().setHostId("x").build().get(field.pos()),
                    full.get(field.pos())), field.name() + " must differ from its default in this test");
        }
        assertTrue(copy.getPatches() != full.getPatches());
    }

    @Test
    void aHostWhoseKernelHasNoArtifactIsSkippedWithTheReason() {
        HostScenario s = HostScenario.given(e.reported("h1", "b1"))
                .when(e.applySkipped("h1", "p1", "r1", "no build of this patch for kernel 6.1.0-9-rt-amd64"))
                .expectPatch("p1", PatchStatus.SKIPPED).expectNoRejection()
                .expectChange("p1", PatchStatus.UNKNOWN, PatchStatus.SKIPPED);
        assertEquals("no build of this patch for kernel 6.1.0-9-rt-amd64", s.patch("p1").getLastReason());
        assertEquals("SKIPPED", s.patch("p1").getLastOutcome());
        assertEquals("r1", s.patch("p1").getRolloutId());
        assertEquals(e.now().toEpochMilli(), HostPatchTransitions.enteredAt(s.patch("p1"), PatchStatus.SKIPPED));

        s.when(e.applyRequested("h1", "p1", "r2", 0)).expectPatch("p1", PatchStatus.REQUESTED)
                .expectChange("p1", PatchStatus.SKIPPED, PatchStatus.REQUESTED);
        s.and(e.applySucceeds("h1", "p1"))
                .when(e.applySkipped("h1", "p1", "r3", "no build")).expectPatch("p1", PatchStatus.APPLIED)
                .expectRejected("already APPLIED");
    }

    @Test
    void lifecycleEventsOfASkippedPatchAreRefused() {
        HostScenario.given(e.reported("h1", "b1"), e.applySkipped("h1", "p1", "r1", "no build"))
                .when(e.applied("h1", "p1", 1)).expectPatch("p1", PatchStatus.SKIPPED).expectRejected("expected APPLYING");
    }
}
