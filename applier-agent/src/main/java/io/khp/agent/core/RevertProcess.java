package io.khp.agent.core;

import java.time.Duration;
import java.time.Instant;

/**
 * The state of one revert (disable, wait for the unpatching transition, unload) of one livepatch
 * on one host, with its pure rules. Livepatches are reverted in stack order: while khp patches
 * loaded after this one are still loaded, the revert waits for them.
 */
public record RevertProcess(Phase phase, Instant startedAt, Instant notBefore, String waitingFor) {

    public enum Phase { INSPECT, DISABLE, WAIT, UNLOAD, REPORT, DONE }

    public static RevertProcess start() {
        return new RevertProcess(Phase.INSPECT, null, null, null);
    }

    public static RevertProcess finished() {
        return new RevertProcess(Phase.DONE, null, null, null);
    }

    public boolean done() {
        return phase == Phase.DONE;
    }

    public Step decide(Instant now) {
        if (notBefore != null && now.isBefore(notBefore) && phase != Phase.REPORT && phase != Phase.DONE) {
            return new Step.Wait(notBefore);
        }
        return switch (phase) {
            case INSPECT, WAIT -> new Step.Inspect();
            case DISABLE -> new Step.Disable();
            case UNLOAD -> new Step.Unload();
            case REPORT -> new Step.ReportReverted(0);
            case DONE -> new Step.Done();
        };
    }

    /** The duration to report once the revert is through. */
    public long durationMs(Instant now) {
        return startedAt == null ? 0 : Math.max(0, Duration.between(startedAt, now).toMillis());
    }

    public RevertProcess evolve(Observation o, ApplyPolicy policy) {
        Instant at = o.at();
        Instant started = startedAt == null ? at : startedAt;
        if (phase == Phase.DONE) {
            return this;
        }
        if (o instanceof Observation.KernelSeen k) {
            LivepatchState s = k.state();
            if (phase != Phase.INSPECT && phase != Phase.WAIT) {
                return this;
            }
            if (!s.present()) {
                // no livepatch in sysfs: disabled already (the kernel freed it); the module may still be loaded
                return new RevertProcess(Phase.UNLOAD, started, null, null);
            }
            if (!k.patchesAbove().isEmpty()) {
                return new RevertProcess(Phase.INSPECT, started, at.plus(policy.pollInterval()),
                        String.join(",", k.patchesAbove()));
            }
            if (s.transition()) {
                return new RevertProcess(phase == Phase.INSPECT && s.enabled() ? Phase.DISABLE : Phase.WAIT, started,
                        phase == Phase.INSPECT && s.enabled() ? null : at.plus(policy.pollInterval()), null);
            }
            return new RevertProcess(s.enabled() ? Phase.DISABLE : Phase.UNLOAD, started, null, null);
        }
        if (o instanceof Observation.Done) {
            return switch (phase) {
                case DISABLE -> new RevertProcess(Phase.WAIT, started, at.plus(policy.pollInterval()), null);
                case UNLOAD -> new RevertProcess(Phase.REPORT, started, null, null);
                default -> this;
            };
        }
        if (o instanceof Observation.Refused r) {
            if (phase == Phase.UNLOAD && "ENOENT".equals(r.code())) {
                return new RevertProcess(Phase.REPORT, started, null, null);
            }
            // EBUSY (another transition), a module still in use: look again a little later
            return new RevertProcess(Phase.INSPECT, started, at.plus(policy.pollInterval()), null);
        }
        if (o instanceof Observation.Published && phase == Phase.REPORT) {
            return new RevertProcess(Phase.DONE, started, null, null);
        }
        return this;
    }
}
