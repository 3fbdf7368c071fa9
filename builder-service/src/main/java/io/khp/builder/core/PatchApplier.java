package io.khp.builder.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Applies the hunks of one file patch to the file's text, like {@code patch} without fuzz: each
 * hunk's old lines must appear exactly, at the stated line or shifted by an offset (searched
 * nearest first, after the previous hunk).
 */
public final class PatchApplier {

    /** The result of applying one file patch: the new text, or the first hunk that did not apply. */
    public record Result(String text, UnifiedDiff.Hunk failedHunk) {
        public boolean applied() {
            return failedHunk == null;
        }
    }

    private PatchApplier() {
    }

    public static Result apply(String original, UnifiedDiff.FilePatch patch) {
        boolean trailingNewline = original.isEmpty() || original.endsWith("\n");
        List<String> lines = new ArrayList<>(original.isEmpty() ? List.of()
                : List.of((trailingNewline ? original.substring(0, original.length() - 1) : original).split("\n", -1)));
        int floor = 0;
        int shift = 0;
        for (UnifiedDiff.Hunk hunk : patch.hunks()) {
            List<String> old = hunk.oldLines();
            int wanted = Math.max(0, hunk.oldStart() - 1 + shift);
            if (hunk.oldCount() == 0) {
                wanted = Math.max(0, hunk.oldStart() + shift); // insertion after line oldStart
            }
            Optional<Integer> at = find(lines, old, wanted, floor);
            if (at.isEmpty()) {
                return new Result(null, hunk);
            }
            int pos = at.get();
            List<String> replacement = hunk.newLines();
            for (int k = 0; k < old.size(); k++) {
                lines.remove(pos);
            }
            lines.addAll(pos, replacement);
            floor = pos + replacement.size();
            shift += replacement.size() - old.size() + (pos - wanted);
        }
        String text = String.join("\n", lines);
        return new Result(lines.isEmpty() ? "" : text + (trailingNewline ? "\n" : ""), null);
    }

    private static Optional<Integer> find(List<String> lines, List<String> old, int wanted, int floor) {
        int max = lines.size() - old.size();
        for (int d = 0; d <= lines.size(); d++) {
            int down = wanted + d;
            int up = wanted - d;
            if (down >= floor && down <= max && matches(lines, old, down)) {
                return Optional.of(down);
            }
            if (d > 0 && up >= floor && up <= max && matches(lines, old, up)) {
                return Optional.of(up);
            }
            if (down > max && up < floor) {
                break;
            }
        }
        return Optional.empty();
    }

    private static boolean matches(List<String> lines, List<String> old, int at) {
        for (int k = 0; k < old.size(); k++) {
            if (!lines.get(at + k).equals(old.get(k))) {
                return false;
            }
        }
        return true;
    }
}
