package io.khp.agent.core;

import java.time.Instant;
import java.util.List;

import io.khp.events.ApplyOutcome;
import io.khp.events.StalledTask;

/**
 * One try at loading a livepatch and seeing its transition through. {@code outcome} is null while
 * the try runs; {@code adopted} when the agent found the module already loaded (after a restart)
 * instead of loading it.
 */
public record Attempt(int number, Instant startedAt, boolean adopted, boolean signalled, boolean forced,
        Instant reversedAt, List<StalledTask> stalled, ApplyOutcome outcome, long durationMs, String error) {

    public Attempt {
        stalled = List.copyOf(stalled);
    }

    public static Attempt started(int number, Instant at, boolean adopted) {
        return new Attempt(number, at, adopted, false, false, null, List.of(), null, 0, null);
    }

    public Attempt signal() {
        return new Attempt(number, startedAt, adopted, true, forced, reversedAt, stalled, outcome, durationMs, error);
    }

    public Attempt force() {
        return new Attempt(number, startedAt, adopted, signalled, true, reversedAt, stalled, outcome, durationMs, error);
    }

    public Attempt pending(List<StalledTask> tasks) {
        return new Attempt(number, startedAt, adopted, signalled, forced, reversedAt, tasks, outcome, durationMs, error);
    }

    public Attempt reversed(Instant at) {
        return new Attempt(number, startedAt, adopted, signalled, forced, at, stalled, outcome, durationMs, error);
    }

    public Attempt ended(ApplyOutcome result, Instant at, String why) {
        long ms = Math.max(0, at.toEpochMilli() - startedAt.toEpochMilli());
        return new Attempt(number, startedAt, adopted, signalled, forced, reversedAt, stalled, result, ms, why);
    }

    public boolean reversing() {
        return reversedAt != null;
    }
}
