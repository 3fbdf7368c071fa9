package io.khp.ledger.streams;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

class HostStateWatchTest {

    @Test
    void aWaiterLearnsOfTheNextChangeOfItsHostOnly() {
        HostStateWatch watch = new HostStateWatch();
        CompletableFuture<Void> a = watch.nextChange("a");
        CompletableFuture<Void> b = watch.nextChange("b");
        assertSame(a, watch.nextChange("a"), "waiters of one host share the next change");
        watch.changed("a");
        assertTrue(a.isDone());
        assertFalse(b.isDone());
        CompletableFuture<Void> again = watch.nextChange("a");
        assertNotSame(a, again, "after a change, the next one is waited for anew");
        assertFalse(again.isDone());
    }

    @Test
    void changesNobodyWaitsForAreDropped() {
        HostStateWatch watch = new HostStateWatch();
        watch.changed("a");
        assertFalse(watch.nextChange("a").isDone());
    }
}
