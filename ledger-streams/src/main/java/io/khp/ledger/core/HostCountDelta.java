package io.khp.ledger.core;

import java.util.Map;
import java.util.TreeMap;

import io.khp.state.HostPatchChange;
import io.khp.state.PatchStatus;

/**
 * The net change of one patch's host counts (per state name) over several host patch changes, and
 * the time of the latest: host changes outside any rollout only move counts, so the host side sends
 * them to the patch side summed rather than one by one.
 */
public record HostCountDelta(String patchId, Map<String, Integer> counts, long at) {

    public static HostCountDelta empty(String patchId) {
        return new HostCountDelta(patchId, Map.of(), Long.MIN_VALUE);
    }

    public HostCountDelta plus(HostPatchChange change) {
        if (change.getPrevious() == change.getCurrent()) {
            return this;
        }
        Map<String, Integer> next = new TreeMap<>(counts);
        if (change.getPrevious() != PatchStatus.UNKNOWN) {
            next.merge(change.getPrevious().name(), -1, Integer::sum);
        }
        if (change.getCurrent() != PatchStatus.UNKNOWN) {
            next.merge(change.getCurrent().name(), 1, Integer::sum);
        }
        next.values().removeIf(n -> n == 0);
        return new HostCountDelta(patchId, next, Math.max(at, change.getAt()));
    }

    /** Whether these changes can be summed: they change no rollout's view of its hosts. */
    public static boolean summable(HostPatchChange change) {
        return change.getRolloutId() == null && change.getPatchId() != null;
    }
}
