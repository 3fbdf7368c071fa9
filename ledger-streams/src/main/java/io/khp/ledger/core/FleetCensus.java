package io.khp.ledger.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.khp.state.HostPatch;
import io.khp.state.HostState;

/**
 * Fleet-wide counts kept up to date one host state at a time, so that reading them costs the number
 * of distinct kernels and patch states, never the number of hosts: hosts by kernel (release and
 * flavour), hosts whose observed livepatches drift from the ledger, and host patches by patch, state
 * and kernel. One thread writes (the ledger's global store thread); any thread reads.
 */
public final class FleetCensus {

    public static final String UNKNOWN_KERNEL = "unknown";

    public record Kernel(String release, String flavour) {
    }

    public record PatchCount(String patchId, String state, Kernel kernel) {
    }

    private record Tally(Kernel kernel, boolean drift, List<PatchCount> patches) {
    }

    private final Map<String, Tally> hosts = new HashMap<>();
    private final ConcurrentHashMap<Kernel, AtomicLong> byKernel = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<PatchCount, AtomicLong> byPatchState = new ConcurrentHashMap<>();
    private final AtomicLong drifted = new AtomicLong();

    /** The host's latest state; null when it was deleted. */
    public void put(String hostId, HostState state) {
        Tally before = hosts.remove(hostId);
        if (before != null) {
            add(before, -1);
        }
        if (state != null) {
            Tally now = tally(state);
            hosts.put(hostId, now);
            add(now, +1);
        }
    }

    /** Forgets every host (before counting a restored store again). */
    public void clear() {
        hosts.clear();
        byKernel.values().forEach(n -> n.set(0));
        byPatchState.values().forEach(n -> n.set(0));
        drifted.set(0);
    }

    public Map<Kernel, Long> hostsByKernel() {
        return read(byKernel);
    }

    public Map<PatchCount, Long> hostPatchesByState() {
        return read(byPatchState);
    }

    public long driftedHosts() {
        return drifted.get();
    }

    private static <K> Map<K, Long> read(ConcurrentHashMap<K, AtomicLong> counts) {
        Map<K, Long> out = new HashMap<>();
        counts.forEach((k, n) -> out.put(k, Math.max(0, n.get())));
        return out;
    }

    private static Tally tally(HostState state) {
        Kernel kernel = state.getKernel() == null ? new Kernel(UNKNOWN_KERNEL, UNKNOWN_KERNEL)
                : new Kernel(state.getKernel().getRelease(), state.getKernel().getFlavour());
        List<PatchCount> patches = new ArrayList<>(state.getPatches().size());
        for (HostPatch p : state.getPatches()) {
            patches.add(new PatchCount(p.getPatchId() == null ? "" : p.getPatchId(), p.getState().name(), kernel));
        }
        return new Tally(kernel, state.getDrift(), patches);
    }

    private void add(Tally t, int sign) {
        byKernel.computeIfAbsent(t.kernel(), k -> new AtomicLong()).addAndGet(sign);
        if (t.drift()) {
            drifted.addAndGet(sign);
        }
        for (PatchCount p : t.patches()) {
            byPatchState.computeIfAbsent(p, k -> new AtomicLong()).addAndGet(sign);
        }
    }
}
