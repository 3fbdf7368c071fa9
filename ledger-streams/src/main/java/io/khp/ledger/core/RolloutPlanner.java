package io.khp.ledger.core;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.khp.events.RolloutCounts;
import io.khp.events.RolloutRequested;
import io.khp.events.WaveSize;
import io.khp.events.WaveUnit;
import io.khp.state.PatchStatus;
import io.khp.state.RolloutHost;
import io.khp.state.RolloutState;
import io.khp.state.RolloutStatus;
import io.khp.state.RolloutWave;

/**
 * Pure rollout planning and decisions. Targeted hosts (sorted by id) are cut into waves of the
 * requested sizes (a count, or a percentage of the targeted hosts rounded up; the last size repeats
 * until every host has a wave). A wave is over when each of its hosts is terminal; the next starts
 * when failed / (wave size - rejected - skipped) ≤ the maximum failure ratio, otherwise the rollout halts.
 * REJECTED hosts (their kernel did not match the patch) and SKIPPED hosts (no artifact for their
 * kernel) are counted apart and never as failures; a host that LOST the patch (rebooted without it)
 * counts as failed; one whose patch an atomic-replace patch REPLACED is done, and counted with the
 * reverted ones (no longer loaded).
 *
 * <p>Nothing waits forever: a host of the running wave still without an outcome when its host
 * timeout or the wave timeout has passed since the wave started ({@link #expired}) is TIMED_OUT,
 * which is terminal and counts as failed.
 */
public final class RolloutPlanner {

    /** Hosts in these states are done as far as their wave is concerned. */
    public static final Set<PatchStatus> TERMINAL = EnumSet.of(PatchStatus.APPLIED, PatchStatus.FAILED,
            PatchStatus.REJECTED, PatchStatus.REVERTING, PatchStatus.REVERTED, PatchStatus.LOST, PatchStatus.REPLACED,
            PatchStatus.SKIPPED, PatchStatus.TIMED_OUT);

    /** A host of the running wave that gave no outcome in time, and why. */
    public record Expired(String hostId, PatchStatus state, String reason) {
    }

    private RolloutPlanner() {
    }

    /** @return null when the wave sizes are valid, else why not */
    public static String invalidWaves(List<WaveSize> sizes) {
        for (WaveSize size : sizes) {
            if (size.getValue() <= 0) {
                return "wave size " + size.getValue() + " is not positive";
            }
            if (size.getUnit() == WaveUnit.PERCENT && size.getValue() > 100) {
                return "wave size " + size.getValue() + "% is over 100%";
            }
        }
        return null;
    }

    /** @return null when the timeouts are valid, else why not */
    public static String invalidTimeouts(RolloutRequested request) {
        if (request.getHostTimeoutMs() <= 0) {
            return "host timeout " + request.getHostTimeoutMs() + " ms is not positive";
        }
        if (request.getWaveTimeoutMs() <= 0) {
            return "wave timeout " + request.getWaveTimeoutMs() + " ms is not positive";
        }
        return null;
    }

    public static List<List<String>> waves(List<String> hosts, List<WaveSize> sizes) {
        List<String> sorted = hosts.stream().distinct().sorted().toList();
        List<List<String>> waves = new ArrayList<>();
        if (sorted.isEmpty()) {
            return waves;
        }
        if (sizes.isEmpty()) {
            waves.add(sorted);
            return waves;
        }
        int next = 0;
        int index = 0;
        while (next < sorted.size()) {
            WaveSize size = sizes.get(Math.min(index, sizes.size() - 1));
            int count = size.getUnit() == WaveUnit.PERCENT
                    ? (int) Math.ceil(size.getValue() * sorted.size() / 100.0)
                    : size.getValue();
            count = Math.max(1, Math.min(count, sorted.size() - next));
            waves.add(sorted.subList(next, next + count));
            next += count;
            index++;
        }
        return waves;
    }

    /**
     * A new running rollout whose first wave starts at {@code at} (the request's time), at
     * {@code clock} on the ledger's own clock.
     */
    public static RolloutState start(String patchId, RolloutRequested request, String selector,
            List<List<String>> waves, long at, long clock) {
        List<RolloutWave> planned = new ArrayList<>();
        for (int i = 0; i < waves.size(); i++) {
            Map<String, Integer> counts = new HashMap<>();
            counts.put(PatchStatus.PENDING.name(), waves.get(i).size());
            planned.add(RolloutWave.newBuilder().setIndex(i).setSize(waves.get(i).size()).setCounts(counts)
                    .setStartedAt(i == 0 ? at : null).setClockStartedAt(i == 0 ? clock : null).build());
        }
        return RolloutState.newBuilder()
                .setRolloutId(request.getRolloutId())
                .setPatchId(patchId)
                .setStatus(RolloutStatus.RUNNING)
                .setCurrentWave(0)
                .setWaves(planned)
                .setTargeted(waves.stream().mapToInt(List::size).sum())
                .setMaxFailureRatio(request.getMaxFailureRatio())
                .setAutoRevert(request.getAutoRevert())
                .setForceApproved(request.getForceApproved())
                .setAnyKernel(request.getAnyKernel())
                .setSelector(selector)
                .setRequestedAt(at)
                .setHostTimeoutMs(request.getHostTimeoutMs())
                .setWaveTimeoutMs(request.getWaveTimeoutMs())
                .build();
    }

    /** Moves one host of {@code wave} from one state to another in the wave's counts. */
    public static RolloutState record(RolloutState rollout, int wave, PatchStatus from, PatchStatus to) {
        RolloutState next = RolloutState.newBuilder(rollout).build();
        if (wave < 0 || wave >= next.getWaves().size() || from == to) {
            return next;
        }
        Map<String, Integer> counts = new HashMap<>(next.getWaves().get(wave).getCounts());
        next.getWaves().get(wave).setCounts(counts);
        counts.merge(from.name(), -1, Integer::sum);
        if (counts.get(from.name()) <= 0) {
            counts.remove(from.name());
        }
        counts.merge(to.name(), 1, Integer::sum);
        return next;
    }

    public static RolloutDecision decide(RolloutState rollout) {
        if (rollout.getStatus() != RolloutStatus.RUNNING) {
            return new RolloutDecision.Wait();
        }
        int current = rollout.getCurrentWave();
        RolloutWave wave = rollout.getWaves().get(current);
        Map<String, Integer> counts = wave.getCounts();
        int terminal = TERMINAL.stream().mapToInt(s -> counts.getOrDefault(s.name(), 0)).sum();
        if (terminal < wave.getSize()) {
            return new RolloutDecision.Wait();
        }
        int failed = counts.getOrDefault(PatchStatus.FAILED.name(), 0) + counts.getOrDefault(PatchStatus.LOST.name(), 0)
                + counts.getOrDefault(PatchStatus.TIMED_OUT.name(), 0);
        int rejected = counts.getOrDefault(PatchStatus.REJECTED.name(), 0);
        int skipped = counts.getOrDefault(PatchStatus.SKIPPED.name(), 0);
        int attempted = wave.getSize() - rejected - skipped;
        double ratio = attempted == 0 ? 0.0 : (double) failed / attempted;
        if (ratio > rollout.getMaxFailureRatio()) {
            return new RolloutDecision.Halt(current, String.format(Locale.ROOT,
                    "wave %d: %d of %d attempted hosts failed (ratio %.3f > max %.3f)",
                    current, failed, attempted, ratio, rollout.getMaxFailureRatio()));
        }
        if (current + 1 < rollout.getWaves().size()) {
            return new RolloutDecision.StartWave(current + 1);
        }
        return new RolloutDecision.Complete();
    }

    public static RolloutState startWave(RolloutState rollout, int wave, long at, long clock) {
        RolloutState next = RolloutState.newBuilder(rollout).build();
        next.getWaves().get(next.getCurrentWave()).setEndedAt(at);
        next.setCurrentWave(wave);
        next.getWaves().get(wave).setStartedAt(at);
        next.getWaves().get(wave).setClockStartedAt(clock);
        return next;
    }

    /**
     * The hosts of the running wave that are still without an outcome at {@code now} (the ledger's
     * clock) although the host timeout or the wave timeout has passed since the wave started. Every
     * host of a wave is asked when the wave starts, so both count from then: the host timeout bounds
     * each host's request, the wave timeout the wave as a whole (it cuts first when it is the shorter).
     */
    public static List<Expired> expired(RolloutState rollout, List<RolloutHost> hosts, long now) {
        if (rollout.getStatus() != RolloutStatus.RUNNING) {
            return List.of();
        }
        int current = rollout.getCurrentWave();
        RolloutWave wave = rollout.getWaves().get(current);
        Long started = wave.getClockStartedAt() != null ? wave.getClockStartedAt() : wave.getStartedAt();
        if (started == null) {
            return List.of();
        }
        long waited = now - started;
        String reason;
        if (waited >= rollout.getWaveTimeoutMs() && rollout.getWaveTimeoutMs() <= rollout.getHostTimeoutMs()) {
            reason = "no outcome when wave " + current + " reached its timeout of " + seconds(rollout.getWaveTimeoutMs());
        } else if (waited >= rollout.getHostTimeoutMs()) {
            reason = "no outcome within the host timeout of " + seconds(rollout.getHostTimeoutMs());
        } else {
            return List.of();
        }
        List<Expired> expired = new ArrayList<>();
        for (RolloutHost host : hosts) {
            if (host.getWave() == current && !TERMINAL.contains(host.getState())) {
                expired.add(new Expired(host.getHostId(), host.getState(), reason + " (rollout " + rollout.getRolloutId()
                        + ", last state " + host.getState() + ")"));
            }
        }
        return expired;
    }

    private static String seconds(long ms) {
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    public static RolloutState end(RolloutState rollout, RolloutStatus status, String reason, long at) {
        RolloutState next = RolloutState.newBuilder(rollout).build();
        next.setStatus(status);
        next.setReason(reason);
        next.setEndedAt(at);
        if (!next.getWaves().isEmpty() && next.getWaves().get(next.getCurrentWave()).getEndedAt() == null) {
            next.getWaves().get(next.getCurrentWave()).setEndedAt(at);
        }
        return next;
    }

    public static RolloutCounts counts(RolloutState rollout) {
        Map<String, Integer> total = new HashMap<>();
        rollout.getWaves().forEach(w -> w.getCounts().forEach((k, v) -> total.merge(k, v, Integer::sum)));
        int terminal = TERMINAL.stream().mapToInt(s -> total.getOrDefault(s.name(), 0)).sum();
        return RolloutCounts.newBuilder()
                .setTargeted(rollout.getTargeted())
                .setApplied(total.getOrDefault(PatchStatus.APPLIED.name(), 0))
                .setFailed(total.getOrDefault(PatchStatus.FAILED.name(), 0) + total.getOrDefault(PatchStatus.LOST.name(), 0)
                        + total.getOrDefault(PatchStatus.TIMED_OUT.name(), 0))
                .setTimedOut(total.getOrDefault(PatchStatus.TIMED_OUT.name(), 0))
                .setRejected(total.getOrDefault(PatchStatus.REJECTED.name(), 0))
                .setReverted(total.getOrDefault(PatchStatus.REVERTING.name(), 0) + total.getOrDefault(PatchStatus.REVERTED.name(), 0)
                        + total.getOrDefault(PatchStatus.REPLACED.name(), 0))
                .setPending(rollout.getTargeted() - terminal)
                .setSkipped(total.getOrDefault(PatchStatus.SKIPPED.name(), 0))
                .build();
    }
}
