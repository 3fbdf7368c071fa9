package io.khp.agent.core;

import java.time.Instant;

import io.khp.events.ApplyFailureReason;

/** The next thing the agent does for one apply or revert on one host, as decided by the pure core. */
public sealed interface Step {

    /** Read the patched functions and symbols from the running kernel and publish RunObjectCaptured. */
    record Capture() implements Step {
    }

    /** Nothing to do before {@code until} (or before an awaited event arrives). */
    record Wait(Instant until) implements Step {
    }

    /** Get the module bytes and check their sha256 and signature. */
    record Fetch() implements Step {
    }

    /** Read the livepatch's state from the kernel (status). */
    record Inspect() implements Step {
    }

    record Load(int attempt) implements Step {
    }

    /** Send a fake signal to the tasks that block the transition. */
    record Signal() implements Step {
    }

    /** Write force: only ever decided when the request carries an operator's approval. */
    record Force() implements Step {
    }

    /** Disable the livepatch: reverses a running enabling transition. */
    record Disable() implements Step {
    }

    record Unload() implements Step {
    }

    /** Publish ApplyAttempted for this attempt. */
    record RecordAttempt(Attempt attempt) implements Step {
    }

    /** Publish Applied. */
    record Succeed(int attempts, long transitionMs) implements Step {
    }

    /** Publish ApplyFailed. */
    record Fail(ApplyFailureReason reason, String detail, int attempts) implements Step {
    }

    /** Publish Reverted. */
    record ReportReverted(long durationMs) implements Step {
    }

    /** Finished: nothing more to do. */
    record Done() implements Step {
    }
}
