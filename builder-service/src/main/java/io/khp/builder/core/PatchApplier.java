package io.khp.builder.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Applies the hunks of one file patch to the file's text with GNU patch's semantics (default
 * fuzz factor 2), so that a patch written against another version of the source applies here
 * exactly when {@code patch -p1} (and so kpatch-build) would apply it:
 * <ul>
 * <li>each hunk is searched at its stated line moved by the offset the previous hunks were found
 * at, then at increasing distances, below before above;</li>
 * <li>fuzz 0, then 1, then 2 (never more than the hunk's context): fuzz N ignores up to N
 * context lines at each end. A hunk with fewer leading than trailing context lines ignores that
 * many fewer at its start; while that is negative, a hunk stated at line 1 must match at the
 * start of the file and a hunk with short trailing context at the end of the file;</li>
 * <li>removed lines are never ignored, and a hunk's changes never start inside the part of the
 * file the previous hunk consumed (hunks apply in order; leading context may overlap it);</li>
 * <li>lines compare with their terminator: CRs and a missing newline at the end of the file
 * must match.</li>
 * </ul>
 * The source is handled as lines of characters; its bytes are not interpreted.
 */
public final class PatchApplier {

    /** GNU patch's default fuzz factor. */
    public static final int MAX_FUZZ = 2;

    /**
     * Where hunk {@code hunk} (1-based) applied: its old text starts at {@code line} of the source
     * before patching, {@code offset} lines from where its header said, ignoring {@code fuzz}
     * context lines.
     */
    public record Placement(int hunk, int line, int offset, int fuzz) {

        public boolean exact() {
            return offset == 0 && fuzz == 0;
        }

        /** E.g. {@code hunk 2 at offset +12 with fuzz 2}. */
        public String describe() {
            StringBuilder s = new StringBuilder("hunk " + hunk);
            if (offset != 0) {
                s.append(" at offset ").append(offset > 0 ? "+" : "").append(offset);
            }
            if (fuzz != 0) {
                s.append(" with fuzz ").append(fuzz);
            }
            if (exact()) {
                s.append(" at its line");
            }
            return s.toString();
        }
    }

    /** A hunk that does not apply: which one (1-based) and why. */
    public record Refusal(int hunk, UnifiedDiff.Hunk text, String reason) {
    }

    /** The new text and where each hunk applied, or the first hunk that did not apply. */
    public record Result(String text, List<Placement> placements, Refusal refusal) {
        public boolean applied() {
            return refusal == null;
        }
    }

    private PatchApplier() {
    }

    public static Result apply(String original, UnifiedDiff.FilePatch patch) {
        List<String> source = terminatedLines(original);
        List<Placement> placements = new ArrayList<>();
        List<Located> located = new ArrayList<>();
        int cumulativeOffset = 0;
        int frozen = 0; // last source line (1-based) consumed by the previous hunks' changes
        for (int k = 0; k < patch.hunks().size(); k++) {
            UnifiedDiff.Hunk hunk = patch.hunks().get(k);
            Shape shape = Shape.of(hunk);
            int guess = shape.stated + cumulativeOffset;
            Match match = null;
            if (shape.pattern.isEmpty()) {
                if (guess >= frozen + 1) {
                    match = new Match(guess, 0); // past the end of the file it appends, as GNU patch does
                }
            } else {
                int maxFuzz = Math.min(MAX_FUZZ, Math.max(shape.prefix, shape.suffix));
                for (int fuzz = 0; fuzz <= maxFuzz && match == null; fuzz++) {
                    match = locate(source, shape, hunk.oldStart(), guess, frozen, fuzz);
                }
            }
            if (match == null) {
                return new Result(null, List.copyOf(placements), new Refusal(k + 1, hunk,
                        Diagnosis.of(source, hunk, shape, guess, frozen)));
            }
            cumulativeOffset = match.where - shape.stated;
            frozen = match.where - 1 + shape.pattern.size() - shape.suffix;
            located.add(new Located(hunk, shape, match.where));
            placements.add(new Placement(k + 1, match.where, match.where - shape.stated, match.fuzz));
        }
        return new Result(render(source, located), List.copyOf(placements), null);
    }

    /** The old side of a hunk as the applier sees it. */
    record Shape(List<String> pattern, List<String> replacement, int prefix, int suffix, int stated) {

        static Shape of(UnifiedDiff.Hunk hunk) {
            List<String> pattern = terminated(hunk.oldLines(), hunk.oldMissingNewline());
            int prefix = Math.min(hunk.prefixContext(), pattern.size());
            int suffix = Math.min(hunk.suffixContext(), pattern.size());
            // "-N,0" means after line N: the text goes before line N + 1
            int stated = pattern.isEmpty() ? hunk.oldStart() + 1 : hunk.oldStart();
            return new Shape(pattern, terminated(hunk.newLines(), hunk.newMissingNewline()), prefix, suffix, stated);
        }
    }

    private record Match(int where, int fuzz) {
    }

    private record Located(UnifiedDiff.Hunk hunk, Shape shape, int where) {
    }

    private static Match locate(List<String> source, Shape shape, int oldStart, int guess, int frozen, int fuzz) {
        int m = shape.pattern.size();
        int n = source.size();
        int context = Math.max(shape.prefix, shape.suffix);
        int prefixFuzz = fuzz + shape.prefix - context;
        int suffixFuzz = fuzz + shape.suffix - context;
        int maxWhere = n - (m - Math.max(suffixFuzz, 0)) + 1;
        int minWhere = Math.max(1, frozen + 1 - (shape.prefix - prefixFuzz));
        if (prefixFuzz < 0 && oldStart <= 1) {
            // shorter leading than trailing context at line 1: the hunk is the start of the file
            if (suffixFuzz < 0 && m != n) {
                return null; // ... and short trailing context too: it is the whole file
            }
            boolean fits = frozen <= shape.prefix && 1 <= maxWhere;
            return fits && matches(source, shape.pattern, 1, 0, Math.max(suffixFuzz, 0)) ? new Match(1, fuzz) : null;
        }
        prefixFuzz = Math.max(prefixFuzz, 0);
        if (suffixFuzz < 0) {
            // shorter trailing than leading context: the hunk is the end of the file
            int where = n - m + 1;
            return where >= minWhere && matches(source, shape.pattern, where, prefixFuzz, 0) ? new Match(where, fuzz) : null;
        }
        for (int d = 0; guess + d <= maxWhere || guess - d >= minWhere; d++) {
            int below = guess + d;
            if (below >= minWhere && below <= maxWhere && matches(source, shape.pattern, below, prefixFuzz, suffixFuzz)) {
                return new Match(below, fuzz);
            }
            int above = guess - d;
            if (d > 0 && above >= minWhere && above <= maxWhere && matches(source, shape.pattern, above, prefixFuzz, suffixFuzz)) {
                return new Match(above, fuzz);
            }
        }
        return null;
    }

    /** Why a hunk does not apply, in terms of the hunk's own lines and the source's line numbers. */
    static final class Diagnosis {

        private Diagnosis() {
        }

        static String of(List<String> source, UnifiedDiff.Hunk hunk, Shape shape, int guess, int frozen) {
            int n = source.size();
            int m = shape.pattern.size();
            if (m == 0) {
                return "it inserts at line " + guess + ", before the end of the previous hunk (line " + frozen
                        + "): hunks apply in order";
            }
            if (m > n) {
                return "the file has " + n + " lines, fewer than the hunk's " + m + " old lines";
            }
            int already = alreadyApplied(source, shape);
            if (already > 0) {
                return "its new text is already at line " + already + " (and its old text is not): the patch looks already applied";
            }
            int best = 1;
            int bestScore = -1;
            for (int where = 1; where <= n - m + 1; where++) {
                int score = 0;
                for (int k = 0; k < m; k++) {
                    score += source.get(where - 1 + k).equals(shape.pattern.get(k)) ? 1 : 0;
                }
                if (score > bestScore || score == bestScore && Math.abs(where - guess) < Math.abs(best - guess)) {
                    best = where;
                    bestScore = score;
                }
            }
            String at = "nearest text at line " + best + " (offset " + signed(best - shape.stated) + ")";
            List<String> kinds = hunk.lines().stream().filter(l -> !l.startsWith("+")).map(l -> l.substring(0, 1)).toList();
            int firstDiffering = -1;
            int differingChanges = 0;
            for (int k = 0; k < m; k++) {
                if (!source.get(best - 1 + k).equals(shape.pattern.get(k))) {
                    firstDiffering = firstDiffering < 0 ? k : firstDiffering;
                    differingChanges += kinds.get(k).equals("-") ? 1 : 0;
                }
            }
            boolean ordered = best + shape.prefix >= frozen + 1;
            String order = ordered ? "" : "; besides, that is before the end of the previous hunk (line " + frozen
                    + "): hunks apply in order";
            if (firstDiffering < 0) {
                return ordered ? "it matches at line " + best + " (offset " + signed(best - shape.stated)
                        + "), but a hunk with fewer context lines at one end must match at that end of the file"
                        : "it matches only at line " + best + ", before the end of the previous hunk (line " + frozen
                                + "): hunks apply in order";
            }
            int k = firstDiffering;
            for (int j = 0; j < m; j++) {
                if (kinds.get(j).equals("-") && !source.get(best - 1 + j).equals(shape.pattern.get(j))) {
                    k = j; // a removed line that differs says most
                    break;
                }
            }
            String line = describe(kinds, k) + " " + quote(shape.pattern.get(k)) + " differs from line " + (best + k) + " "
                    + quote(source.get(best - 1 + k)) + lineEndings(source.get(best - 1 + k), shape.pattern.get(k));
            return at + ": " + (differingChanges == 0 ? "only its context differs there, more than fuzz " + MAX_FUZZ
                    + " ignores: " : "") + line + order;
        }

        private static int alreadyApplied(List<String> source, Shape shape) {
            if (shape.replacement.equals(shape.pattern) || shape.replacement.isEmpty()) {
                return 0;
            }
            for (int where = 1; where + shape.replacement.size() - 1 <= source.size(); where++) {
                if (matches(source, shape.replacement, where, 0, 0) && !matches(source, shape.pattern, where, 0, 0)) {
                    return where;
                }
            }
            return 0;
        }

        /** E.g. "removed line 3" or "context line 1": the line's rank among the hunk's lines of its kind. */
        private static String describe(List<String> kinds, int k) {
            int rank = 0;
            for (int j = 0; j <= k; j++) {
                rank += kinds.get(j).equals(kinds.get(k)) ? 1 : 0;
            }
            return (kinds.get(k).equals("-") ? "removed line " : "context line ") + rank;
        }

        private static String lineEndings(String found, String expected) {
            String a = found.replaceAll("\r?\n$", "");
            String b = expected.replaceAll("\r?\n$", "");
            if (a.equals(b) && !found.equals(expected)) {
                return found.endsWith("\n") != expected.endsWith("\n") ? " (newline at end of file differs)" : " (different line endings)";
            }
            return "";
        }

        private static String quote(String line) {
            String text = line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
            text = text.replace("\r", "\\r").replace("\t", "    ").strip();
            return "'" + (text.length() > 80 ? text.substring(0, 77) + "..." : text) + "'";
        }

        private static String signed(int offset) {
            return offset > 0 ? "+" + offset : Integer.toString(offset);
        }
    }

    /** Whether the pattern, without its first {@code skipStart} and last {@code skipEnd} lines, is at line {@code where}. */
    static boolean matches(List<String> source, List<String> pattern, int where, int skipStart, int skipEnd) {
        for (int k = skipStart; k < pattern.size() - skipEnd; k++) {
            int at = where - 1 + k;
            if (at < 0 || at >= source.size() || !source.get(at).equals(pattern.get(k))) {
                return false;
            }
        }
        return true;
    }

    /** Source lines are copied outside the hunks' changes, so fuzzed context keeps the source's text. */
    private static String render(List<String> source, List<Located> located) {
        List<String> out = new ArrayList<>();
        int cursor = 0;
        for (Located l : located) {
            int changeStart = Math.min(l.where - 1 + l.shape.prefix, source.size());
            int changeEnd = Math.min(Math.max(changeStart, l.where - 1 + l.shape.pattern.size() - l.shape.suffix), source.size());
            out.addAll(source.subList(cursor, changeStart));
            List<String> replacement = l.shape.replacement;
            // a hunk of context only counts all its lines as leading and as trailing context
            out.addAll(replacement.subList(l.shape.prefix, Math.max(l.shape.prefix, replacement.size() - l.shape.suffix)));
            cursor = changeEnd;
        }
        out.addAll(source.subList(cursor, source.size()));
        StringBuilder text = new StringBuilder();
        for (int k = 0; k < out.size(); k++) {
            String line = out.get(k);
            text.append(line);
            if (k + 1 < out.size() && !line.endsWith("\n")) {
                text.append('\n'); // a line marked as the last one that did not end up last
            }
        }
        return text.toString();
    }

    /** The text's lines, each with its "\n" (the last one without when the text does not end in a newline). */
    static List<String> terminatedLines(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl + 1;
            lines.add(text.substring(start, end));
            start = end;
        }
        return lines;
    }

    private static List<String> terminated(List<String> lines, boolean lastWithoutNewline) {
        List<String> out = new ArrayList<>(lines.size());
        for (int k = 0; k < lines.size(); k++) {
            out.add(lastWithoutNewline && k == lines.size() - 1 ? lines.get(k) : lines.get(k) + "\n");
        }
        return out;
    }
}
