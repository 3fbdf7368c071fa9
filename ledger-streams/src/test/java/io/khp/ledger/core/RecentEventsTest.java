package io.khp.ledger.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class RecentEventsTest {

    @Test
    void keepsTheLatestHashesOldestFirst() {
        ByteBuffer recent = hashesUpTo(5, 3);
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

    @Test
    void anEarlierWindowKeepsItsHashesWhenLaterOnesGrowFromIt() {
        ByteBuffer recent = RecentEvents.NONE;
        List<ByteBuffer> windows = new ArrayList<>();
        for (long h = 1; h <= 200; h++) {
            recent = RecentEvents.plus(recent, h, 32);
            windows.add(recent);
        }
        for (int i = 0; i < windows.size(); i++) {
            ByteBuffer w = windows.get(i);
            long newest = i + 1;
            assertEquals(Math.min(newest, 32), RecentEvents.size(w), "window " + i);
            assertEquals(newest, w.getLong(w.limit() - 8), "newest hash of window " + i);
            assertEquals(Math.max(1, newest - 31), w.getLong(0), "oldest hash of window " + i);
        }
    }

    @Test
    void twoWindowsFoldedFromTheSameOneDoNotOverwriteEachOther() {
        ByteBuffer base = hashesUpTo(10, 32);
        ByteBuffer first = RecentEvents.plus(base, 100, 32);
        ByteBuffer second = RecentEvents.plus(base, 200, 32);
        ByteBuffer afterFirst = RecentEvents.plus(first, 101, 32);
        assertTrue(RecentEvents.contains(first, 100));
        assertFalse(RecentEvents.contains(first, 200));
        assertTrue(RecentEvents.contains(second, 200));
        assertFalse(RecentEvents.contains(second, 100));
        assertTrue(RecentEvents.contains(afterFirst, 100) && RecentEvents.contains(afterFirst, 101));
        assertEquals(10, RecentEvents.size(base));
        assertFalse(RecentEvents.contains(base, 100) || RecentEvents.contains(base, 200) || RecentEvents.contains(base, 101));
    }

    @Test
    void aWindowOfAnyByteStringWithTheSameLengthIsCopiedNotWrittenInto() {
        byte[] foreign = new byte[8 + 64 * 8 + 1];
        ByteBuffer view = ByteBuffer.wrap(foreign, 8, 8).slice();
        ByteBuffer next = RecentEvents.plus(view, 5, 32);
        assertEquals(2, RecentEvents.size(next));
        assertEquals(0, ByteBuffer.wrap(foreign).getLong(16), "the foreign array is left alone");
    }

    @Test
    void aWindowLargerThanHalfABackingArrayStillKeepsTheLatest() {
        ByteBuffer recent = hashesUpTo(100, 40);
        assertEquals(40, RecentEvents.size(recent));
        assertEquals(61, recent.getLong(0));
        assertEquals(100, recent.getLong(39 * 8));
    }

    /** The window after adding the hashes 1 … {@code last}, one at a time, keeping {@code max}. */
    private static ByteBuffer hashesUpTo(long last, int max) {
        ByteBuffer recent = RecentEvents.NONE;
        for (long h = 1; h <= last; h++) {
            recent = RecentEvents.plus(recent, h, max);
        }
        return recent;
    }
}
