package io.khp.cli;

import java.util.List;
import java.util.stream.Collectors;

import io.khp.events.AppliedHunk;

/** How a build's hunks applied to the target's source, as `khp build` shows it. */
final class HunkPlacements {

    private HunkPlacements() {
    }

    /** E.g. {@code 3 hunk(s), 1 moved: fs/proc/array.c hunk 2 at offset +12 with fuzz 2}. */
    static String describe(List<AppliedHunk> hunks) {
        List<AppliedHunk> moved = hunks.stream().filter(h -> h.getOffset() != 0 || h.getFuzz() != 0).toList();
        if (moved.isEmpty()) {
            return hunks.size() + " hunk(s), all at their stated lines";
        }
        return hunks.size() + " hunk(s), " + moved.size() + " moved: " + moved.stream().map(h -> h.getFile() + " hunk " + h.getHunk()
                + (h.getOffset() == 0 ? "" : " at offset " + (h.getOffset() > 0 ? "+" : "") + h.getOffset())
                + (h.getFuzz() == 0 ? "" : " with fuzz " + h.getFuzz())).collect(Collectors.joining(", "));
    }
}
