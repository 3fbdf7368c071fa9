package io.khp.builder.core;

import java.util.List;
import java.util.stream.Collectors;

import io.khp.events.AppliedHunk;

/** How the hunks of a diff applied, in words for the APPLY_PATCH stage's progress. */
public final class AppliedHunks {

    private AppliedHunks() {
    }

    /**
     * E.g. {@code 1 file(s) patched, 3 hunk(s): 2 at their stated lines; fs/proc/array.c: hunk 2 at offset +12 with fuzz 2}.
     */
    public static String summary(int files, List<AppliedHunk> hunks) {
        List<AppliedHunk> moved = hunks.stream().filter(h -> h.getOffset() != 0 || h.getFuzz() != 0).toList();
        String head = files + " file(s) patched, " + hunks.size() + " hunk(s)";
        if (moved.isEmpty()) {
            return head + ", all at their stated lines";
        }
        return head + ": " + (hunks.size() - moved.size()) + " at their stated lines; "
                + moved.stream().map(AppliedHunks::describe).collect(Collectors.joining("; "));
    }

    /** E.g. {@code fs/proc/array.c: hunk 2 at offset +12 with fuzz 2}. */
    public static String describe(AppliedHunk h) {
        return h.getFile() + ": " + new PatchApplier.Placement(h.getHunk(), h.getLine(), h.getOffset(), h.getFuzz()).describe();
    }
}
