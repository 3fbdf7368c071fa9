package io.khp.ledger.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.khp.events.ApplyFailureReason;
import io.khp.events.ApplyOutcome;
import io.khp.events.KhpEvent;
import io.khp.events.Verdict;
import io.khp.ledger.TestEvents;
import io.khp.state.HostPatch;
import io.khp.state.PatchStatus;
import io.khp.state.StateTimes;

/** Every (state, event) pair of a host's patch: the allowed ones move as the table says, all others are refused. */
class HostPatchTransitionsTest {

    private static final String HOST = "h1";
    private static final String PATCH = "p1";

    /** The host patch events, by name. */
    private static final Map<String, Function<TestEvents, KhpEvent>> EVENTS = new LinkedHashMap<>();
    /** Allowed moves: event name → (from state name or "none" → to state). */
    private static final Map<String, Map<String, PatchStatus>> ALLOWED = new HashMap<>();

    static {
        EVENTS.put("ApplyRequested", e -> e.applyRequested(HOST, PATCH, "r1", 2));
        EVENTS.put("ApplyRequested(skipped)", e -> e.applySkipped(HOST, PATCH, "r1", "no build of this patch for the host's kernel"));
        EVENTS.put("RunObjectCaptured", e -> e.captured(HOST, PATCH));
        EVENTS.put("PreRunVerified(MATCH)", e -> e.verified(HOST, PATCH, Verdict.MATCH));
        EVENTS.put("PreRunVerified(MISMATCH)", e -> e.verified(HOST, PATCH, Verdict.MISMATCH));
        EVENTS.put("PreRunVerified(UNSUPPORTED)", e -> e.verified(HOST, PATCH, Verdict.UNSUPPORTED));
        EVENTS.put("ApplyAttempted(3)", e -> e.attempted(HOST, PATCH, 3, ApplyOutcome.STALLED_REVERSED));
        EVENTS.put("Applied", e -> e.applied(HOST, PATCH, 3));
        EVENTS.put("ApplyFailed", e -> e.failed(HOST, PATCH, ApplyFailureReason.STALLED));
        EVENTS.put("ApplyFailed(TIMED_OUT)", e -> e.timedOut(HOST, PATCH, "r1"));
        EVENTS.put("RevertRequested", e -> e.revertRequested(HOST, PATCH));
        EVENTS.put("Reverted", e -> e.reverted(HOST, PATCH));

        allow("ApplyRequested", PatchStatus.REQUESTED, "none", "REJECTED", "FAILED", "REVERTED", "LOST", "DRIFT", "REPLACED", "SKIPPED",
                "TIMED_OUT");
        allow("ApplyRequested(skipped)", PatchStatus.SKIPPED, "none", "REJECTED", "FAILED", "REVERTED", "LOST", "DRIFT", "REPLACED", "SKIPPED",
                "TIMED_OUT");
        allow("RunObjectCaptured", PatchStatus.CAPTURED, "REQUESTED", "APPLYING");
        allow("PreRunVerified(MATCH)", PatchStatus.VERIFIED, "CAPTURED");
        allow("PreRunVerified(MISMATCH)", PatchStatus.REJECTED, "CAPTURED");
        allow("PreRunVerified(UNSUPPORTED)", PatchStatus.FAILED, "CAPTURED");
        allow("ApplyAttempted(3)", PatchStatus.APPLYING, "VERIFIED", "APPLYING");
        allow("Applied", PatchStatus.APPLIED, "APPLYING");
        allow("ApplyFailed", PatchStatus.FAILED, "REQUESTED", "CAPTURED", "VERIFIED", "APPLYING");
        allow("ApplyFailed", PatchStatus.REJECTED, "REJECTED");
        allow("RevertRequested", PatchStatus.REVERTING, "APPLIED");
        allow("Reverted", PatchStatus.REVERTED, "REVERTING");
        allow("ApplyFailed(TIMED_OUT)", PatchStatus.TIMED_OUT, "REQUESTED", "CAPTURED", "VERIFIED", "APPLYING");
        // the late answers of a timed-out host: outcomes move it, progress is recorded in place
        allow("Applied", PatchStatus.APPLIED, "TIMED_OUT");
        allow("ApplyFailed", PatchStatus.FAILED, "TIMED_OUT");
        allow("PreRunVerified(MISMATCH)", PatchStatus.REJECTED, "TIMED_OUT");
        allow("PreRunVerified(UNSUPPORTED)", PatchStatus.FAILED, "TIMED_OUT");
        allow("RunObjectCaptured", PatchStatus.TIMED_OUT, "TIMED_OUT");
        allow("PreRunVerified(MATCH)", PatchStatus.TIMED_OUT, "TIMED_OUT");
        allow("ApplyAttempted(3)", PatchStatus.TIMED_OUT, "TIMED_OUT");
    }

    /** Allowed events that record themselves and leave the state, with the time it was entered, as it was. */
    private static boolean staysInPlace(String state, String event) {
        return state.equals("TIMED_OUT") && !event.startsWith("ApplyRequested");
    }

    private static void allow(String event, PatchStatus to, String... from) {
        for (String f : from) {
            ALLOWED.computeIfAbsent(event, k -> new HashMap<>()).put(f, to);
        }
    }

    static Stream<Arguments> everyPair() {
        List<Arguments> pairs = new ArrayList<>();
        List<String> states = new ArrayList<>();
        states.add("none");
        for (PatchStatus s : PatchStatus.values()) {
            states.add(s.name());
        }
        for (String state : states) {
            for (String event : EVENTS.keySet()) {
                pairs.add(Arguments.of(state, event));
            }
        }
        return pairs.stream();
    }

    @ParameterizedTest(name = "{0} + {1}")
    @MethodSource("everyPair")
    void eachStateAndEvent(String state, String eventName) {
        TestEvents events = new TestEvents();
        HostPatch current = state.equals("none") ? null : entry(PatchStatus.valueOf(state));
        KhpEvent event = EVENTS.get(eventName).apply(events);

        Transition t = HostPatchTransitions.apply(current, event, new PatchFacts(PATCH, "khp_p1", true));

        PatchStatus expected = ALLOWED.getOrDefault(eventName, Map.of()).get(state);
        if (expected == null) {
            Transition.Refused refused = assertInstanceOf(Transition.Refused.class, t, state + " + " + eventName + " must be refused");
            assertTrue(refused.reason().contains(eventName.replaceAll("\\(.*", "")), refused.reason());
        } else {
            HostPatch next = assertInstanceOf(Transition.Moved.class, t, state + " + " + eventName + " must move").next();
            assertEquals(expected, next.getState());
            long entered = staysInPlace(state, eventName) && expected == current.getState()
                    ? HostPatchTransitions.enteredAt(current, expected) : event.getOccurredAt().toEpochMilli();
            assertEquals(entered, HostPatchTransitions.enteredAt(next, expected));
            assertEquals(event.getOccurredAt().toEpochMilli(), next.getUpdatedAt());
            if (current != null && !eventName.startsWith("ApplyRequested")) {
                assertEquals(HostPatchTransitions.enteredAt(current, PatchStatus.REQUESTED), HostPatchTransitions.enteredAt(next, PatchStatus.REQUESTED),
                        "earlier state times are kept");
                assertEquals(current.getPatchId(), next.getPatchId());
                assertEquals(current.getModuleName(), next.getModuleName());
            }
        }
    }

    @Test
    void requestCarriesRolloutModuleAndAtomicReplace() {
        TestEvents events = new TestEvents();
        HostPatch next = ((Transition.Moved) HostPatchTransitions.apply(null, events.applyRequested(HOST, PATCH, "r9", 4),
                new PatchFacts(PATCH, "khp_p1", true))).next();
        assertEquals("r9", next.getRolloutId());
        assertEquals(4, next.getWave());
        assertEquals("khp_p1", next.getModuleName());
        assertTrue(next.getAtomicReplace());
        assertEquals(0, next.getAttempts());
    }

    @Test
    void attemptsCountUpAndAnOlderAttemptIsRefused() {
        TestEvents events = new TestEvents();
        HostPatch p = entry(PatchStatus.VERIFIED);
        p = ((Transition.Moved) HostPatchTransitions.apply(p, events.attempted(HOST, PATCH, 1, ApplyOutcome.STALLED_REVERSED), null)).next();
        p = ((Transition.Moved) HostPatchTransitions.apply(p, events.attempted(HOST, PATCH, 2, ApplyOutcome.APPLIED), null)).next();
        assertEquals(2, p.getAttempts());
        assertEquals("APPLIED", p.getLastOutcome());
        assertInstanceOf(Transition.Refused.class, HostPatchTransitions.apply(p, events.attempted(HOST, PATCH, 1, ApplyOutcome.BUSY), null));
        p = ((Transition.Moved) HostPatchTransitions.apply(p, events.applied(HOST, PATCH, 2), null)).next();
        assertEquals(PatchStatus.APPLIED, p.getState());
        assertEquals(2, p.getAttempts());
    }

    @Test
    void mismatchRecordsTheVerdictAndReason() {
        TestEvents events = new TestEvents();
        HostPatch p = ((Transition.Moved) HostPatchTransitions.apply(entry(PatchStatus.CAPTURED),
                events.verified(HOST, PATCH, Verdict.MISMATCH), null)).next();
        assertEquals(PatchStatus.REJECTED, p.getState());
        assertEquals("MISMATCH", p.getLastOutcome());
        assertEquals("differs at +0x10", p.getLastReason());
    }

    @Test
    void aTimeoutMovesOnlyTheRequestOfItsRollout() {
        TestEvents events = new TestEvents();
        Transition other = HostPatchTransitions.apply(entry(PatchStatus.CAPTURED), events.timedOut(HOST, PATCH, "r2"), null);
        assertTrue(assertInstanceOf(Transition.Refused.class, other).reason().contains("of rollout r1, not r2"));
        HostPatch p = ((Transition.Moved) HostPatchTransitions.apply(entry(PatchStatus.CAPTURED),
                events.timedOut(HOST, PATCH, "r1"), null)).next();
        assertEquals(PatchStatus.TIMED_OUT, p.getState());
        assertEquals("TIMED_OUT", p.getLastOutcome());
        assertEquals("no outcome within the host timeout of 600 s", p.getLastReason());
        assertTrue(HostPatchTransitions.isTimeout(events.timedOut(HOST, PATCH, "r1")));
        assertFalse(HostPatchTransitions.isTimeout(events.failed(HOST, PATCH, ApplyFailureReason.AGENT_ERROR)));
    }

    @Test
    void aLateAppliedAfterATimeoutRecordsThePatchAsApplied() {
        TestEvents events = new TestEvents();
        HostPatch p = entry(PatchStatus.TIMED_OUT);
        p = ((Transition.Moved) HostPatchTransitions.apply(p, events.attempted(HOST, PATCH, 2, ApplyOutcome.APPLIED), null)).next();
        assertEquals(PatchStatus.TIMED_OUT, p.getState());
        assertEquals(2, p.getAttempts());
        p = ((Transition.Moved) HostPatchTransitions.apply(p, events.applied(HOST, PATCH, 2), null)).next();
        assertEquals(PatchStatus.APPLIED, p.getState());
        assertEquals("applied after the rollout timed it out", p.getLastReason());
        assertEquals(2000L, HostPatchTransitions.enteredAt(p, PatchStatus.TIMED_OUT), "the timeout stays in the entry's times");
    }

    private static HostPatch entry(PatchStatus state) {
        StateTimes entered = new StateTimes();
        entered.setREQUESTED(1000L);
        entered.put(state.ordinal(), 2000L);
        return HostPatch.newBuilder().setPatchId(PATCH).setModuleName("khp_p1").setRolloutId("r1").setState(state).setAttempts(
                state == PatchStatus.APPLYING ? 1 : 0).setEnteredAt(entered).setUpdatedAt(2000L).build();
    }
}
