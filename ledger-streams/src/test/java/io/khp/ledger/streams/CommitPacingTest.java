package io.khp.ledger.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class CommitPacingTest {

    private static CommitPacing committedAt(long now) {
        CommitPacing pacing = new CommitPacing(300);
        pacing.committed(now);
        return pacing;
    }

    private static void fold(CommitPacing pacing, int records) {
        for (int i = 0; i < records; i++) {
            pacing.folded();
        }
    }

    @Test
    void aTaskThatKeepsUpAsksOnceThePromptIntervalPassed() {
        CommitPacing pacing = committedAt(1_000);
        fold(pacing, 10);
        assertFalse(pacing.commitDue(1_299), "before the interval");
        assertTrue(pacing.commitDue(1_300), "at the interval");
        assertTrue(pacing.commitDue(5_000), "and until it commits");
    }

    @Test
    void anIdleTaskMayAskToo() {
        // Streams only commits a task with something to commit: asking costs nothing then
        assertTrue(committedAt(0).commitDue(300));
    }

    @Test
    void aTaskFoldingABacklogLeavesItsCommitsToTheLongerInterval() {
        CommitPacing pacing = committedAt(0);
        fold(pacing, CommitPacing.BACKLOG_RECORDS);
        assertTrue(pacing.commitDue(300), "up to the bound it still keeps up");
        pacing.folded();
        assertFalse(pacing.commitDue(300), "one more is a backlog");
        assertFalse(pacing.commitDue(60_000), "however long since the last commit");
    }

    @Test
    void aCommitStartsTheCountAndTheIntervalAgain() {
        CommitPacing pacing = committedAt(0);
        fold(pacing, CommitPacing.BACKLOG_RECORDS + 1);
        pacing.committed(2_000); // Streams' interval (or another task of the thread) committed
        fold(pacing, 3);
        assertFalse(pacing.commitDue(2_299));
        assertTrue(pacing.commitDue(2_300), "a task that caught up asks again");
    }

    @Test
    void theIntervalIsCheckedFourTimesPerPromptInterval() {
        assertEquals(Duration.ofMillis(75), new CommitPacing(300).checkInterval());
        assertEquals(Duration.ofMillis(10), new CommitPacing(20).checkInterval(), "but not more often than every 10 ms");
    }

    @Test
    void aPromptIntervalMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new CommitPacing(0));
    }
}
