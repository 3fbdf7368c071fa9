package io.khp.ledger.core;

import java.util.EnumSet;
import java.util.Set;

import io.khp.bus.Events;
import io.khp.events.ApplyAttempted;
import io.khp.events.ApplyFailed;
import io.khp.events.ApplyFailureReason;
import io.khp.events.ApplyRequested;
import io.khp.events.Applied;
import io.khp.events.KhpEvent;
import io.khp.events.PreRunVerified;
import io.khp.events.RevertRequested;
import io.khp.events.Reverted;
import io.khp.events.RunObjectCaptured;
import io.khp.state.HostPatch;
import io.khp.state.PatchStatus;
import io.khp.state.StateTimes;

/**
 * The lifecycle of one patch on one host, as one pure function (state, event) → next state or a
 * refusal with its reason:
 * <pre>
 * REQUESTED → CAPTURED → VERIFIED | REJECTED (mismatch) | FAILED (unsupported)
 * VERIFIED | APPLYING → APPLYING(n) → APPLIED | FAILED ; APPLYING → CAPTURED (re-capture for a retry)
 * APPLIED → REVERTING → REVERTED ; REJECTED, FAILED, REVERTED, LOST, DRIFT, REPLACED, SKIPPED, TIMED_OUT → REQUESTED (asked again)
 * (none) | REJECTED, FAILED, REVERTED, LOST, DRIFT, REPLACED, SKIPPED, TIMED_OUT → SKIPPED (an ApplyRequested with a skip
 *        reason: the host's kernel has no artifact of the patch)
 * REQUESTED | CAPTURED | VERIFIED | APPLYING → TIMED_OUT (the rollout's ApplyFailed(TIMED_OUT), for the host's request)
 * TIMED_OUT → APPLIED (a late Applied) | FAILED (a late ApplyFailed, UNSUPPORTED) | REJECTED (a late MISMATCH);
 *        a late capture, MATCH or attempt is recorded and leaves it TIMED_OUT
 * </pre>
 * Rules that need the rest of the host (the livepatch stack, REPLACED by an atomic-replace patch,
 * LOST and DRIFT from reports) live in {@link HostLedger}.
 */
public final class HostPatchTransitions {

    /** States from which a patch may be requested (again). */
    static final Set<PatchStatus> REQUESTABLE = EnumSet.of(PatchStatus.REJECTED, PatchStatus.FAILED,
            PatchStatus.REVERTED, PatchStatus.LOST, PatchStatus.DRIFT, PatchStatus.REPLACED, PatchStatus.SKIPPED,
            PatchStatus.TIMED_OUT);
    /** States in which an apply is under way and may still fail. */
    static final Set<PatchStatus> IN_FLIGHT = EnumSet.of(PatchStatus.REQUESTED, PatchStatus.CAPTURED,
            PatchStatus.VERIFIED, PatchStatus.APPLYING);

    private HostPatchTransitions() {
    }

    /**
     * @param current the patch's entry on the host, null when the ledger has none
     * @param facts   what the ledger knows about the patch (for ApplyRequested), may be null
     */
    public static Transition apply(HostPatch current, KhpEvent event, PatchFacts facts) {
        Object payload = event.getPayload();
        PatchStatus state = current == null ? null : current.getState();
        long at = event.getOccurredAt().toEpochMilli();
        if (payload instanceof ApplyRequested request) {
            if (state != null && !REQUESTABLE.contains(state)) {
                return refuse(state, "ApplyRequested", "already " + state);
            }
            HostPatch next = new HostPatch();
            next.setPatchId(CanonicalNames.SHARED.of(event.getPatchId()));
            next.setModuleName(CanonicalNames.SHARED.of(request.getModuleName()));
            next.setState(PatchStatus.REQUESTED);
            next.setRolloutId(CanonicalNames.SHARED.of(request.getRolloutId()));
            next.setWave(request.getWave());
            next.setAtomicReplace(facts != null && facts.atomicReplace());
            next.setEnteredAt(new StateTimes());
            if (request.getSkipReason() != null) {
                next.setLastOutcome(PatchStatus.SKIPPED.name());
                next.setLastReason(request.getSkipReason());
                return Transition.moved(enter(next, PatchStatus.SKIPPED, at));
            }
            return Transition.moved(enter(next, PatchStatus.REQUESTED, at));
        }
        if (state == null) {
            return Transition.refused(Events.typeOf(event) + " for a patch never requested on this host");
        }
        if (isTimeout(event)) {
            return timedOut(current, event, at);
        }
        if (state == PatchStatus.TIMED_OUT) {
            return lateAnswer(current, event, at);
        }
        if (payload instanceof RunObjectCaptured captured) {
            if (state != PatchStatus.REQUESTED && state != PatchStatus.APPLYING) {
                return refuse(state, "RunObjectCaptured", "expected REQUESTED or APPLYING");
            }
            HostPatch next = copy(current);
            next.setLastOutcome(captured.getCaptureError() == null ? "CAPTURED" : "CAPTURE_ERROR");
            next.setLastReason(captured.getCaptureError());
            return Transition.moved(enter(next, PatchStatus.CAPTURED, at));
        }
        if (payload instanceof PreRunVerified verified) {
            if (state != PatchStatus.CAPTURED) {
                return refuse(state, "PreRunVerified", "expected CAPTURED");
            }
            HostPatch next = copy(current);
            next.setLastOutcome(verified.getVerdict().name());
            next.setLastReason(verified.getReason());
            PatchStatus to = switch (verified.getVerdict()) {
                case MATCH -> PatchStatus.VERIFIED;
                case MISMATCH -> PatchStatus.REJECTED;
                case UNSUPPORTED -> PatchStatus.FAILED;
            };
            return Transition.moved(enter(next, to, at));
        }
        if (payload instanceof ApplyAttempted attempted) {
            if (state != PatchStatus.VERIFIED && state != PatchStatus.APPLYING) {
                return refuse(state, "ApplyAttempted", "expected VERIFIED or APPLYING");
            }
            if (attempted.getAttempt() < current.getAttempts()) {
                return refuse(state, "ApplyAttempted", "attempt " + attempted.getAttempt()
                        + " after attempt " + current.getAttempts());
            }
            HostPatch next = copy(current);
            next.setAttempts(attempted.getAttempt());
            next.setLastOutcome(attempted.getOutcome().name());
            next.setLastReason(attempted.getError());
            return Transition.moved(enter(next, PatchStatus.APPLYING, at));
        }
        if (payload instanceof Applied applied) {
            if (state != PatchStatus.APPLYING) {
                return refuse(state, "Applied", "expected APPLYING");
            }
            HostPatch next = copy(current);
            next.setAttempts(Math.max(current.getAttempts(), applied.getAttempts()));
            next.setLastOutcome("APPLIED");
            next.setLastReason(null);
            return Transition.moved(enter(next, PatchStatus.APPLIED, at));
        }
        if (payload instanceof ApplyFailed failed) {
            if (!IN_FLIGHT.contains(state) && state != PatchStatus.REJECTED) {
                return refuse(state, "ApplyFailed", "no apply under way");
            }
            HostPatch next = copy(current);
            next.setAttempts(Math.max(current.getAttempts(), failed.getAttempts()));
            next.setLastOutcome(failed.getReasonCode().name());
            next.setLastReason(failed.getDetail());
            // the agent confirms a mismatch with ApplyFailed(MISMATCH): the host stays REJECTED
            return Transition.moved(enter(next, state == PatchStatus.REJECTED ? PatchStatus.REJECTED : PatchStatus.FAILED, at));
        }
        if (payload instanceof RevertRequested revert) {
            if (state != PatchStatus.APPLIED) {
                return refuse(state, "RevertRequested", "expected APPLIED");
            }
            HostPatch next = copy(current);
            next.setLastOutcome("REVERT_REQUESTED");
            next.setLastReason(revert.getReason());
            return Transition.moved(enter(next, PatchStatus.REVERTING, at));
        }
        if (payload instanceof Reverted) {
            if (state != PatchStatus.REVERTING) {
                return refuse(state, "Reverted", "expected REVERTING");
            }
            HostPatch next = copy(current);
            next.setLastOutcome("REVERTED");
            next.setLastReason(null);
            return Transition.moved(enter(next, PatchStatus.REVERTED, at));
        }
        return Transition.refused(Events.typeOf(event) + " is not a host patch event");
    }

    /** The rollout controller's verdict that a host gave no outcome in time (not an agent's failure). */
    public static boolean isTimeout(KhpEvent event) {
        return event.getPayload() instanceof ApplyFailed failed && failed.getReasonCode() == ApplyFailureReason.TIMED_OUT;
    }

    /**
     * Only the request the rollout is waiting for times out: the host's entry must still be under
     * way for that rollout (the envelope's correlation id), else the host answered first or was
     * asked again since.
     */
    private static Transition timedOut(HostPatch current, KhpEvent event, long at) {
        PatchStatus state = current.getState();
        if (!IN_FLIGHT.contains(state)) {
            return refuse(state, "ApplyFailed(TIMED_OUT)", "the host's outcome came first");
        }
        String rollout = event.getCorrelationId();
        if (rollout != null && !rollout.equals(current.getRolloutId())) {
            return refuse(state, "ApplyFailed(TIMED_OUT)", "the request under way is of rollout " + current.getRolloutId()
                    + ", not " + rollout);
        }
        HostPatch next = copy(current);
        next.setLastOutcome(PatchStatus.TIMED_OUT.name());
        next.setLastReason(((ApplyFailed) event.getPayload()).getDetail());
        return Transition.moved(enter(next, PatchStatus.TIMED_OUT, at));
    }

    /**
     * The agent of a TIMED_OUT host answered after all. Its outcome is the truth about the host and
     * moves the entry (Applied: the patch is loaded); its progress on the way is recorded without
     * moving it, since the rollout gave up on this attempt.
     */
    private static Transition lateAnswer(HostPatch current, KhpEvent event, long at) {
        Object payload = event.getPayload();
        HostPatch next = copy(current);
        if (payload instanceof Applied applied) {
            next.setAttempts(Math.max(current.getAttempts(), applied.getAttempts()));
            next.setLastOutcome("APPLIED");
            next.setLastReason("applied after the rollout timed it out");
            return Transition.moved(enter(next, PatchStatus.APPLIED, at));
        }
        if (payload instanceof ApplyFailed failed) {
            next.setAttempts(Math.max(current.getAttempts(), failed.getAttempts()));
            next.setLastOutcome(failed.getReasonCode().name());
            next.setLastReason(failed.getDetail());
            return Transition.moved(enter(next, failed.getReasonCode() == ApplyFailureReason.MISMATCH
                    ? PatchStatus.REJECTED : PatchStatus.FAILED, at));
        }
        if (payload instanceof PreRunVerified verified) {
            next.setLastOutcome(verified.getVerdict().name());
            next.setLastReason(verified.getReason());
            return switch (verified.getVerdict()) {
                case MATCH -> Transition.moved(touch(next, at));
                case MISMATCH -> Transition.moved(enter(next, PatchStatus.REJECTED, at));
                case UNSUPPORTED -> Transition.moved(enter(next, PatchStatus.FAILED, at));
            };
        }
        if (payload instanceof RunObjectCaptured captured) {
            next.setLastOutcome(captured.getCaptureError() == null ? "CAPTURED" : "CAPTURE_ERROR");
            next.setLastReason(captured.getCaptureError());
            return Transition.moved(touch(next, at));
        }
        if (payload instanceof ApplyAttempted attempted) {
            next.setAttempts(Math.max(current.getAttempts(), attempted.getAttempt()));
            next.setLastOutcome(attempted.getOutcome().name());
            next.setLastReason(attempted.getError());
            return Transition.moved(touch(next, at));
        }
        return refuse(PatchStatus.TIMED_OUT, Events.typeOf(event), "expected the late outcome of the timed-out request");
    }

    private static HostPatch touch(HostPatch patch, long at) {
        patch.setUpdatedAt(at);
        return patch;
    }

    /**
     * A copy to change: its own state times; the rest is shared, as the fields are immutable
     * values (an Avro builder's deep copy was a large part of an event's cost).
     */
    static HostPatch copy(HostPatch patch) {
        StateTimes t = patch.getEnteredAt();
        return new HostPatch(patch.getPatchId(), patch.getModuleName(), patch.getState(), patch.getAttempts(),
                patch.getLastOutcome(), patch.getLastReason(), patch.getRolloutId(), patch.getWave(), patch.getAtomicReplace(),
                new StateTimes(t.getUNKNOWN(), t.getPENDING(), t.getREQUESTED(), t.getCAPTURED(), t.getVERIFIED(),
                        t.getREJECTED(), t.getAPPLYING(), t.getAPPLIED(), t.getFAILED(), t.getREVERTING(), t.getREVERTED(),
                        t.getLOST(), t.getDRIFT(), t.getREPLACED(), t.getSKIPPED(), t.getTIMEDOUT()),
                patch.getStackPosition(), patch.getUpdatedAt());
    }

    /** Sets the state and the time it was entered (the time of the state's latest entry). */
    static HostPatch enter(HostPatch patch, PatchStatus state, long at) {
        patch.setState(state);
        patch.setUpdatedAt(at);
        patch.getEnteredAt().put(state.ordinal(), at);
        return patch;
    }

    /** When the patch last entered {@code state}, 0 when it never did. */
    public static long enteredAt(HostPatch patch, PatchStatus state) {
        return (Long) patch.getEnteredAt().get(state.ordinal());
    }

    private static Transition refuse(PatchStatus state, String event, String expected) {
        return Transition.refused(event + " in state " + state + ": " + expected);
    }
}
