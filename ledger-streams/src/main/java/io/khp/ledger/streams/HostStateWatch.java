package io.khp.ledger.streams;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells readers of one ledger instance when a host's state changes there, so that an API request
 * can wait for a newer state ({@code GET /hosts/{id}?after=VERSION}) instead of polling. Costs the
 * stream thread nothing while nobody waits.
 */
public final class HostStateWatch {

    private final ConcurrentHashMap<String, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();

    /** Completes at the host's next change. Ask before reading the state, so no change is missed. */
    public CompletableFuture<Void> nextChange(String hostId) {
        return waiting.computeIfAbsent(hostId, id -> new CompletableFuture<>());
    }

    void changed(String hostId) {
        if (waiting.isEmpty()) {
            return;
        }
        CompletableFuture<Void> next = waiting.remove(hostId);
        if (next != null) {
            next.complete(null);
        }
    }
}
