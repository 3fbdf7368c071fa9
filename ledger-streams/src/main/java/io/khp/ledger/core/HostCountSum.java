package io.khp.ledger.core;

import java.util.Map;
import java.util.TreeMap;

import io.khp.state.HostPatchChange;
import io.khp.state.PatchStatus;

/**
 * One patch's host patch changes summed as they come (a count per state), until they leave as one
 * {@link HostCountDelta}. Mutable: the host side adds to it for every event and sends it at commit.
 */
public final class HostCountSum {

    private static final PatchStatus[] STATES = PatchStatus.values();

    private final String patchId;
    private final int[] byState = new int[STATES.length];
    private long at = Long.MIN_VALUE;

    public HostCountSum(String patchId) {
        this.patchId = patchId;
    }

    public void add(HostPatchChange change) {
        if (change.getPrevious() == change.getCurrent()) {
            return;
        }
        if (change.getPrevious() != PatchStatus.UNKNOWN) {
            byState[change.getPrevious().ordinal()]--;
        }
        if (change.getCurrent() != PatchStatus.UNKNOWN) {
            byState[change.getCurrent().ordinal()]++;
        }
        at = Math.max(at, change.getAt());
    }

    /** The net counts (states whose count did not change left out) and the time of the latest change. */
    public HostCountDelta delta() {
        Map<String, Integer> counts = new TreeMap<>();
        for (PatchStatus state : STATES) {
            if (byState[state.ordinal()] != 0) {
                counts.put(state.name(), byState[state.ordinal()]);
            }
        }
        return new HostCountDelta(patchId, counts, at);
    }
}
