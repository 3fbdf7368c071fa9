package io.khp.builder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class CommitFrontierTest {

    @Test
    void aPartitionIsCommittedUpToItsOldestUnfinishedRecord() {
        CommitFrontier<String> f = new CommitFrontier<>();
        f.started("p0", 10);
        f.started("p0", 11);
        f.started("p0", 12);
        f.started("p1", 4);
        assertEquals(Map.of("p0", 10L, "p1", 4L), f.toCommit());
        f.finished("p0", 11);
        f.finished("p0", 12);
        assertEquals(Map.of(), f.toCommit(), "10 is still under way: nothing after it may be committed");
        assertEquals(2, f.unfinished());
        f.finished("p0", 10);
        assertEquals(Map.of("p0", 13L), f.toCommit());
        f.finished("p1", 4);
        assertEquals(Map.of("p1", 5L), f.toCommit());
        assertEquals(0, f.unfinished());
        assertEquals(Map.of(), f.toCommit(), "nothing moved");
    }

    @Test
    void forgottenPartitionsAreNeitherCountedNorCommitted() {
        CommitFrontier<String> f = new CommitFrontier<>();
        f.started("p0", 1);
        f.started("p1", 1);
        f.forget(List.of("p1"));
        f.finished("p1", 1);
        assertEquals(1, f.unfinished());
        assertEquals(Map.of("p0", 1L), f.toCommit());
    }
}
