package io.khp.ledger.core;

/** What the rollout controller does after a host of the current wave changed state. */
public sealed interface RolloutDecision {

    /** The wave is still running (or the rollout is over). */
    record Wait() implements RolloutDecision {
    }

    record StartWave(int wave) implements RolloutDecision {
    }

    record Halt(int wave, String reason) implements RolloutDecision {
    }

    record Complete() implements RolloutDecision {
    }
}
