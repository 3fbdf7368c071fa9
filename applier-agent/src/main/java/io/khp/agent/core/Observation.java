package io.khp.agent.core;

import java.time.Instant;
import java.util.List;

import io.khp.events.Verdict;

/** What happened when the agent carried out a step, or an event that arrived for the process. */
public sealed interface Observation {

    Instant at();

    record Captured(Instant at) implements Observation {
    }

    record VerdictArrived(Verdict verdict, String reason, Instant at) implements Observation {
    }

    enum ArtifactStatus { TRUSTED, UNTRUSTED, MISSING }

    record ArtifactChecked(ArtifactStatus status, String detail, Instant at) implements Observation {
    }

    /** The livepatch's kernel state; {@code patchesAbove}: khp patches loaded after it that are still loaded. */
    record KernelSeen(LivepatchState state, List<String> patchesAbove, Instant at) implements Observation {
        public KernelSeen(LivepatchState state, Instant at) {
            this(state, List.of(), at);
        }
    }

    record Loaded(Instant at) implements Observation {
    }

    /** The helper answered an error code (kernel errno name or helper code) to a step. */
    record Refused(String code, String message, Instant at) implements Observation {
    }

    /** A step that has no result of its own (signal, force, disable, unload) went through. */
    record Done(Instant at) implements Observation {
    }

    /** The event a Record/Succeed/Fail/ReportReverted step asked for is published. */
    record Published(Instant at) implements Observation {
    }
}
