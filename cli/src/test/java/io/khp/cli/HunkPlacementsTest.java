package io.khp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.khp.events.AppliedHunk;

class HunkPlacementsTest {

    private static AppliedHunk hunk(String file, int hunk, int offset, int fuzz) {
        return AppliedHunk.newBuilder().setFile(file).setHunk(hunk).setLine(100).setOffset(offset).setFuzz(fuzz).build();
    }

    @Test
    void namesTheHunksThatMovedOrNeededFuzz() {
        assertEquals("3 hunk(s), 2 moved: fs/proc/array.c hunk 2 at offset +12 with fuzz 2, kernel/sys.c hunk 1 at offset -4",
                HunkPlacements.describe(List.of(hunk("fs/proc/array.c", 1, 0, 0), hunk("fs/proc/array.c", 2, 12, 2),
                        hunk("kernel/sys.c", 1, -4, 0))));
    }

    @Test
    void saysWhenEveryHunkAppliedAtItsLine() {
        assertEquals("1 hunk(s), all at their stated lines", HunkPlacements.describe(List.of(hunk("fs/proc/cmdline.c", 1, 0, 0))));
    }
}
