package io.khp.ledger.core;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One shared instance per name that many hosts' states repeat: patch ids, module names and rollout
 * ids of their patch entries (DRIFT ones too) and observed livepatches, kernel identities and agent
 * versions. A fleet has few of each; with shared names, finding a host's entry for an event
 * compares the event's patch id with strings that stay in the CPU's caches instead of each host's
 * own copies in memory, and so does encoding the host's state for the write-out (patch ids and
 * module names alone: about 100 ns of an event's fold, out of 850–970, and a fifth of the
 * write-out, in `khp bench ledger-fold` for 10,000 hosts).
 */
final class CanonicalNames {

    /** The names of every host state of this JVM. */
    static final CanonicalNames SHARED = new CanonicalNames(100_000);

    private final ConcurrentHashMap<String, String> names = new ConcurrentHashMap<>();
    private final int max;

    /** @param max beyond this many names, new ones are kept as they are: ids from bad input cannot fill the memory */
    CanonicalNames(int max) {
        this.max = max;
    }

    /** The shared instance equal to {@code name} (null for null). */
    String of(String name) {
        if (name == null) {
            return null;
        }
        String shared = names.get(name);
        if (shared != null) {
            return shared;
        }
        if (names.size() >= max) {
            return name;
        }
        shared = names.putIfAbsent(name, name);
        return shared != null ? shared : name;
    }
}
