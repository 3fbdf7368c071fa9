package io.khp.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.khp.events.*;

/**
 * What an operator watching one rollout sees: each targeted host's latest step, counted per step,
 * and the rollout's end. Pure: fed events in log order, it answers the summary line.
 */
final class RolloutProgress {

    enum Outcome { COMPLETED, HALTED }

    private final String patchId;
    private final String rolloutId;
    private final Map<String, String> hostSteps = new LinkedHashMap<>();
    private Outcome outcome;
    private String detail = "";

    RolloutProgress(String patchId, String rolloutId) {
        this.patchId = patchId;
        this.rolloutId = rolloutId;
    }

    /** Folds one event in; answers true when it changed what the operator sees. */
    boolean accept(KhpEvent event) {
        if (!patchId.equals(event.getPatchId())) {
            return false;
        }
        Object p = event.getPayload();
        if (p instanceof RolloutWaveStarted w && rolloutId.equals(w.getRolloutId())) {
            w.getHosts().forEach(h -> hostSteps.putIfAbsent(h, "waiting"));
            detail = "wave " + (w.getWave() + 1) + " started (" + w.getHosts().size() + " hosts)";
            return true;
        }
        if (p instanceof RolloutHalted h && rolloutId.equals(h.getRolloutId())) {
            outcome = Outcome.HALTED;
            detail = "halted in wave " + (h.getWave() + 1) + ": " + h.getReason();
            return true;
        }
        if (p instanceof RolloutCompleted c && rolloutId.equals(c.getRolloutId())) {
            outcome = Outcome.COMPLETED;
            detail = "completed";
            return true;
        }
        String host = event.getHostId();
        if (host == null || !hostSteps.containsKey(host)) {
            return false;
        }
        String step = step(p);
        if ("rejected".equals(hostSteps.get(host)) && "failed".equals(step)) {
            return false; // the agent's ApplyFailed(MISMATCH) after a rejection: still rejected, not a failure
        }
        if (step == null || step.equals(hostSteps.get(host))) {
            return false;
        }
        hostSteps.put(host, step);
        return true;
    }

    private static String step(Object p) {
        if (p instanceof ApplyRequested a) {
            return a.getSkipReason() == null ? "requested" : "skipped";
        } else if (p instanceof RunObjectCaptured) {
            return "captured";
        } else if (p instanceof PreRunVerified v) {
            return v.getVerdict() == Verdict.MATCH ? "verified" : "rejected";
        } else if (p instanceof ApplyAttempted) {
            return "applying";
        } else if (p instanceof Applied) {
            return "applied";
        } else if (p instanceof ApplyFailed f) {
            return f.getReasonCode() == ApplyFailureReason.TIMED_OUT ? "timed-out" : "failed";
        } else if (p instanceof RevertRequested) {
            return "reverting";
        } else if (p instanceof Reverted) {
            return "reverted";
        }
        return null;
    }

    Map<String, Integer> counts() {
        Map<String, Integer> counts = new TreeMap<>();
        hostSteps.values().forEach(s -> counts.merge(s, 1, Integer::sum));
        return counts;
    }

    Map<String, String> hosts() {
        return Map.copyOf(hostSteps);
    }

    Optional<Outcome> outcome() {
        return Optional.ofNullable(outcome);
    }

    String summary() {
        StringBuilder line = new StringBuilder();
        counts().forEach((step, n) -> line.append(step).append('=').append(n).append(' '));
        return (line.toString() + "| " + detail).strip();
    }
}
