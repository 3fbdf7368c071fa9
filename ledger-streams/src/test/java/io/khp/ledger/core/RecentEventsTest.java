package io.khp.ledger.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class RecentEventsTest {

    @Test
    void keepsTheLatestHashesOldestFirst() {
        ByteBuffer recent = RecentEvents.NONE;
        for (long h = 1; h <= 5; h++) {
            recent = RecentEvents.plus(recent, h, 3);
        }
        assertEquals(3, RecentEvents.size(recent));
        assertFalse(RecentEvents.contains(recent, 2));
        assertTrue(RecentEvents.contains(recent, 3));
        assertTrue(RecentEvents.contains(recent, 5));
        assertEquals(3, recent.getLong(0));
        assertEquals(5, recent.getLong(16));
    }

    @Test
    void readsABufferThatDoesNotStartAtZero() {
        ByteBuffer backing = ByteBuffer.allocate(24).putLong(7).putLong(8).putLong(9);
        ByteBuffer view = backing.position(8).slice();
        assertFalse(RecentEvents.contains(view, 7));
        assertTrue(RecentEvents.contains(view, 9));
        ByteBuffer offset = ByteBuffer.wrap(backing.array(), 8, 16);
        assertFalse(RecentEvents.contains(offset, 7));
        assertTrue(RecentEvents.contains(offset, 8));
        ByteBuffer next = RecentEvents.plus(offset, 10, 2);
        assertEquals(2, RecentEvents.size(next));
        assertEquals(9, next.getLong(0));
        assertEquals(10, next.getLong(8));
    }

    @Test
    void theEmptyHistoryContainsNothing() {
        assertFalse(RecentEvents.contains(RecentEvents.NONE, 0));
        assertEquals(0, RecentEvents.size(RecentEvents.NONE));
    }
}
