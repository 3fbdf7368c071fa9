package io.khp.ledger.core;

import java.util.ArrayList;
import java.util.List;

import io.khp.bus.Events;
import io.khp.events.ApplyAttempted;
import io.khp.events.ApplyFailed;
import io.khp.events.ApplyRequested;
import io.khp.events.Applied;
import io.khp.events.KhpEvent;
import io.khp.events.PreRunVerified;
import io.khp.events.RevertRequested;
import io.khp.events.Reverted;
import io.khp.events.RunObjectCaptured;
import io.khp.state.HostPatch;
import io.khp.state.HostPatchChange;
import io.khp.state.HostState;
import io.khp.state.PatchStatus;
import io.khp.state.Rejection;

/**
 * A host's events in causal order although they come from two topics (pure). Commands
 * (khp.host-commands) and lifecycle events (khp.host-lifecycle) of one host are only ordered within
 * their own topic: a RevertRequested sent right after an Applied can be read first, and so can a
 * RunObjectCaptured before the ApplyRequested it answers. An event that {@link HostLedger} refuses
 * while its patch waits for exactly such an event of the other topic is held; each change of the
 * host retries the held events in order, and an event held longer than the hold time (or pushed out
 * by more than {@link #MAX_HELD} held events) is rejected with the reason and what it waited for.
 * Events of one patch and one topic stay in their order: one behind a held event is held too.
 */
public final class HostInbox {

    /** How many events one host may have held at once; beyond that the oldest is rejected. */
    public static final int MAX_HELD = 32;

    /** An event waiting for an event of the other topic, since {@code heldAt} (processing time). */
    public record Held(KhpEvent event, long heldAt) {
    }

    /** A refused event with the host state it was refused in. */
    public record Refusal(KhpEvent event, HostState state, Rejection rejection) {
    }

    /**
     * What receiving (or expiring) did: the host's state (null while unknown), whether it changed,
     * the patch state changes and the refusals in the order they happened, and the events still held.
     */
    public record Outcome(HostState state, boolean changed, List<HostPatchChange> changes, List<Refusal> refusals,
            List<Held> held) {

        public boolean heldChanged(List<Held> before) {
            return !held.equals(before);
        }
    }

    private HostInbox() {
    }

    /** Folds one event into the host, holding it or releasing held events as the order requires. */
    public static Outcome receive(HostState current, List<Held> held, KhpEvent event, PatchCatalog catalog, long now) {
        if (held.isEmpty()) {
            HostStep step = HostLedger.evolve(current, event, catalog, now);
            if (step.changed()) {
                // the usual case: with nothing held there is nothing to release, and the step is the
                // outcome without the lists a fold builds
                return new Outcome(step.state(), true, step.changes(), List.of(), List.of());
            }
            return new Fold(current, held).settle(event, step, catalog, now);
        }
        Fold fold = new Fold(current, held);
        if (fold.isHeld(event.getEventId())) {
            return fold.outcome();
        }
        if (fold.behindHeld(event, fold.queue.size())) {
            fold.hold(event, now, catalog);
            return fold.outcome();
        }
        return fold.settle(event, HostLedger.evolve(fold.state, event, catalog, now), catalog, now);
    }

    /** Rejects the events held since before {@code now - holdMs}, then retries what they held up. */
    public static Outcome expire(HostState current, List<Held> held, PatchCatalog catalog, long now, long holdMs) {
        Fold fold = new Fold(current, held);
        boolean expired = false;
        for (int i = 0; i < fold.queue.size(); i++) {
            Held h = fold.queue.get(i);
            if (now - h.heldAt() >= holdMs) {
                fold.queue.remove(i--);
                fold.reject(h, now, "held " + (now - h.heldAt()) + " ms");
                expired = true;
            }
        }
        if (expired) {
            fold.release(catalog, now);
        }
        return fold.outcome();
    }

    /**
     * The event of the other topic that would make this refused event legal, or null when waiting
     * cannot help (the refusal stands).
     */
    public static String awaited(HostState host, KhpEvent event) {
        if (host == null || event.getPatchId() == null) {
            return null;
        }
        HostPatch entry = HostLedger.find(host, event.getPatchId());
        PatchStatus state = entry == null ? null : entry.getState();
        Object p = event.getPayload();
        if (p instanceof RevertRequested) {
            return state != null && HostPatchTransitions.IN_FLIGHT.contains(state) ? "Applied" : null;
        }
        if (p instanceof ApplyRequested) {
            return state == PatchStatus.REVERTING ? "Reverted" : null;
        }
        if (p instanceof Reverted) {
            return state == PatchStatus.APPLIED ? "RevertRequested" : null;
        }
        if (HostPatchTransitions.isTimeout(event)) {
            return null; // the host's own outcome came first: nothing can cure that
        }
        if (p instanceof RunObjectCaptured || p instanceof PreRunVerified || p instanceof ApplyAttempted
                || p instanceof Applied || p instanceof ApplyFailed) {
            return state == null || HostPatchTransitions.REQUESTABLE.contains(state) ? "ApplyRequested" : null;
        }
        return null;
    }

    /** Commands and lifecycle events travel on different topics; each is ordered only among its own. */
    private static boolean isCommand(KhpEvent event) {
        return event.getPayload() instanceof ApplyRequested || event.getPayload() instanceof RevertRequested
                || HostPatchTransitions.isTimeout(event);
    }

    private static boolean sameStream(KhpEvent a, KhpEvent b) {
        return isCommand(a) == isCommand(b) && a.getPatchId() != null && a.getPatchId().equals(b.getPatchId());
    }

    /** One pass over a host: its state, its held events, and what happened. */
    private static final class Fold {
        HostState state;
        boolean changed;
        final List<HostPatchChange> changes = new ArrayList<>();
        final List<Refusal> refusals = new ArrayList<>();
        final List<Held> queue;

        Fold(HostState state, List<Held> held) {
            this.state = state;
            this.queue = new ArrayList<>(held);
        }

        boolean isHeld(String eventId) {
            for (Held h : queue) {
                if (h.event().getEventId().equals(eventId)) {
                    return true;
                }
            }
            return false;
        }

        /** Whether an event of the same patch and topic is held before position {@code end}. */
        boolean behindHeld(KhpEvent event, int end) {
            for (int i = 0; i < end; i++) {
                if (sameStream(queue.get(i).event(), event)) {
                    return true;
                }
            }
            return false;
        }

        void hold(KhpEvent event, long now, PatchCatalog catalog) {
            queue.add(new Held(event, now));
            if (queue.size() > MAX_HELD) {
                reject(queue.remove(0), now, "pushed out by more than " + MAX_HELD + " held events");
                release(catalog, now);
            }
        }

        /**
         * What the step of an event just taken does: nothing for a duplicate; for a refusal, holds
         * the event while an event of the other topic could still make it legal, else refuses it;
         * otherwise applies it and releases what it held up.
         */
        Outcome settle(KhpEvent event, HostStep step, PatchCatalog catalog, long now) {
            if (step.duplicate()) {
                return outcome();
            }
            if (step.rejection() != null) {
                if (awaited(state, event) != null) {
                    hold(event, now, catalog);
                } else {
                    refusals.add(new Refusal(event, state, step.rejection()));
                }
                return outcome();
            }
            apply(step);
            release(catalog, now);
            return outcome();
        }

        void apply(HostStep step) {
            state = step.state();
            changed = true;
            changes.addAll(step.changes());
        }

        /** Retries the held events in order until none moves. */
        void release(PatchCatalog catalog, long now) {
            boolean progress = true;
            while (progress) {
                progress = false;
                for (int i = 0; i < queue.size() && !progress; i++) {
                    Held h = queue.get(i);
                    if (behindHeld(h.event(), i)) {
                        continue;
                    }
                    HostStep step = HostLedger.evolve(state, h.event(), catalog, now);
                    if (step.duplicate()) {
                        queue.remove(i);
                        progress = true;
                    } else if (step.rejection() == null) {
                        queue.remove(i);
                        apply(step);
                        progress = true;
                    } else if (awaited(state, h.event()) == null) {
                        queue.remove(i);
                        refusals.add(new Refusal(h.event(), state, step.rejection()));
                        progress = true;
                    }
                }
            }
        }

        /** Rejects a held event with the refusal it meets now and why it waited. */
        void reject(Held h, long now, String why) {
            HostStep step = HostLedger.evolve(state, h.event(), PatchCatalog.EMPTY, now);
            Rejection rejection = step.rejection() != null ? step.rejection()
                    : Rejections.of(h.event(), Events.typeOf(h.event()) + " out of order", null, now);
            String awaited = awaited(state, h.event());
            rejection.setReason(rejection.getReason() + " (" + why + " waiting for "
                    + (awaited != null ? awaited : "an earlier event") + ")");
            refusals.add(new Refusal(h.event(), state, rejection));
        }

        Outcome outcome() {
            return new Outcome(state, changed, changes, refusals, List.copyOf(queue));
        }
    }
}
