package io.khp.builder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.khp.events.AppliedHunk;

class AppliedHunksTest {

    private static AppliedHunk hunk(String file, int hunk, int line, int offset, int fuzz) {
        return AppliedHunk.newBuilder().setFile(file).setHunk(hunk).setLine(line).setOffset(offset).setFuzz(fuzz).build();
    }

    @Test
    void exactHunksAreCounted() {
        assertEquals("1 file(s) patched, 2 hunk(s), all at their stated lines",
                AppliedHunks.summary(1, List.of(hunk("fs/proc/cmdline.c", 1, 7, 0, 0), hunk("fs/proc/cmdline.c", 2, 20, 0, 0))));
    }

    @Test
    void movedAndFuzzedHunksAreNamed() {
        assertEquals("2 file(s) patched, 3 hunk(s): 1 at their stated lines; fs/proc/array.c: hunk 2 at offset +12 with fuzz 2; "
                + "kernel/sys.c: hunk 1 at offset -4",
                AppliedHunks.summary(2, List.of(hunk("fs/proc/array.c", 1, 30, 0, 0), hunk("fs/proc/array.c", 2, 112, 12, 2),
                        hunk("kernel/sys.c", 1, 96, -4, 0))));
    }
}
