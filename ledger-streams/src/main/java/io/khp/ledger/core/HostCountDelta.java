package io.khp.ledger.core;

import java.util.Map;

import io.khp.state.HostPatchChange;

/**
 * The net change of one patch's host counts (per state name) over several host patch changes, and
 * the time of the latest: host changes outside any rollout only move counts, so the host side sends
 * them to the patch side summed ({@link HostCountSum}) rather than one by one.
 */
public record HostCountDelta(String patchId, Map<String, Integer> counts, long at) {

    /** Whether these changes can be summed: they change no rollout's view of its hosts. */
    public static boolean summable(HostPatchChange change) {
        return change.getRolloutId() == null && change.getPatchId() != null;
    }
}
