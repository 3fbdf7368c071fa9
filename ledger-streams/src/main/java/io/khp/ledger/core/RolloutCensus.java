package io.khp.ledger.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.khp.state.PatchState;
import io.khp.state.RolloutState;
import io.khp.state.RolloutWave;
import io.khp.state.RolloutStatus;

/**
 * Every patch's rollouts as last published, kept one patch state at a time: read per scrape at the
 * cost of the number of rollouts, never of hosts. One thread writes; any thread reads.
 */
public final class RolloutCensus {

    public record Wave(int index, Map<String, Integer> counts) {
    }

    public record Rollout(String patchId, String rolloutId, RolloutStatus status, int currentWave, List<Wave> waves) {
    }

    private final ConcurrentHashMap<String, List<Rollout>> byPatch = new ConcurrentHashMap<>();

    /** The patch's latest state; null when it was deleted. */
    public void put(String patchId, PatchState state) {
        if (state == null || state.getRollouts().isEmpty()) {
            byPatch.remove(patchId);
            return;
        }
        List<Rollout> rollouts = new ArrayList<>(state.getRollouts().size());
        for (RolloutState r : state.getRollouts()) {
            List<Wave> waves = new ArrayList<>(r.getWaves().size());
            for (RolloutWave w : r.getWaves()) {
                waves.add(new Wave(w.getIndex(), Map.copyOf(w.getCounts())));
            }
            rollouts.add(new Rollout(patchId, r.getRolloutId(), r.getStatus(), r.getCurrentWave(), List.copyOf(waves)));
        }
        byPatch.put(patchId, List.copyOf(rollouts));
    }

    public void clear() {
        byPatch.clear();
    }

    public List<Rollout> rollouts() {
        List<Rollout> all = new ArrayList<>();
        byPatch.values().forEach(all::addAll);
        return all;
    }
}
