package io.khp.ledger.core;

import io.khp.state.HostPatch;

/** What one event does to one patch on one host: moves it (possibly to the same state) or is refused. */
public sealed interface Transition {

    record Moved(HostPatch next) implements Transition {
    }

    record Refused(String reason) implements Transition {
    }

    static Transition moved(HostPatch next) {
        return new Moved(next);
    }

    static Transition refused(String reason) {
        return new Refused(reason);
    }
}
