package io.khp.ledger.streams;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the changes of a global store, so that what other threads decoded from it can be kept
 * until it changes. Counted by the store's updater, after restoring too.
 */
final class StoreChanges {

    private final AtomicLong count = new AtomicLong();

    long count() {
        return count.get();
    }

    void changed() {
        count.incrementAndGet();
    }
}
