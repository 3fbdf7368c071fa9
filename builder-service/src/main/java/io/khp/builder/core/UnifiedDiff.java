package io.khp.builder.core;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed unified diff (git or plain {@code diff -u} output): the files it touches and their
 * hunks. Paths are kernel-tree relative: the {@code a/} and {@code b/} prefixes are removed.
 */
public record UnifiedDiff(List<FilePatch> files) {

    /** One file of the diff. {@code oldPath} is null for a created file, {@code newPath} for a deleted one. */
    public record FilePatch(String oldPath, String newPath, List<Hunk> hunks) {

        /** The path the patch changes, as it is after the patch (or before, for a deletion). */
        public String path() {
            return newPath != null ? newPath : oldPath;
        }

        public boolean created() {
            return oldPath == null;
        }

        public boolean deleted() {
            return newPath == null;
        }
    }

    /**
     * One hunk: its header line and its lines, each starting with ' ', '-' or '+' and without
     * line terminator. {@code oldMissingNewline} / {@code newMissingNewline}: the last line of
     * that side ends the file without a newline ("\\ No newline at end of file" followed it).
     */
    public record Hunk(String header, int oldStart, int oldCount, int newStart, int newCount, List<String> lines,
            boolean oldMissingNewline, boolean newMissingNewline) {

        public Hunk(String header, int oldStart, int oldCount, int newStart, int newCount, List<String> lines) {
            this(header, oldStart, oldCount, newStart, newCount, lines, false, false);
        }

        public List<String> oldLines() {
            return lines.stream().filter(l -> !l.startsWith("+")).map(l -> l.substring(1)).toList();
        }

        public List<String> newLines() {
            return lines.stream().filter(l -> !l.startsWith("-")).map(l -> l.substring(1)).toList();
        }

        /** Context lines before the first removed or added line. */
        public int prefixContext() {
            int n = 0;
            while (n < lines.size() && lines.get(n).startsWith(" ")) {
                n++;
            }
            return n;
        }

        /** Context lines after the last removed or added line. */
        public int suffixContext() {
            int n = 0;
            while (n < lines.size() && lines.get(lines.size() - 1 - n).startsWith(" ")) {
                n++;
            }
            return n;
        }
    }

    /** The diff does not parse; the message says where. */
    public static final class MalformedDiffException extends Exception {
        public MalformedDiffException(String message) {
            super(message);
        }
    }

    private static final Pattern HUNK = Pattern.compile("^@@ -(\\d+)(?:,(\\d+))? \\+(\\d+)(?:,(\\d+))? @@(.*)$");

    /**
     * Parses the diff. Line endings are GNU patch's: a file whose {@code ---}/{@code +++} header
     * lines end in CRLF has a trailing CR stripped from every line of its hunks; otherwise a CR
     * belongs to the line's text and must match the source's.
     */
    public static UnifiedDiff parse(String text) throws MalformedDiffException {
        String[] lines = text.split("\n", -1);
        List<FilePatch> files = new ArrayList<>();
        int i = 0;
        while (i < lines.length) {
            if (!(lines[i].startsWith("--- ") && i + 1 < lines.length && lines[i + 1].startsWith("+++ "))) {
                i++;
                continue;
            }
            boolean stripCr = lines[i].endsWith("\r") || lines[i + 1].endsWith("\r");
            String oldPath = path(withoutCr(lines[i]).substring(4), "a/");
            String newPath = path(withoutCr(lines[i + 1]).substring(4), "b/");
            i += 2;
            List<Hunk> hunks = new ArrayList<>();
            while (i < lines.length && lines[i].startsWith("@@")) {
                String header = withoutCr(lines[i]);
                Matcher m = HUNK.matcher(header);
                if (!m.matches()) {
                    throw new MalformedDiffException("line " + (i + 1) + ": malformed hunk header: " + header);
                }
                int oldStart = number(m.group(1), i, header);
                int oldCount = m.group(2) == null ? 1 : number(m.group(2), i, header);
                int newStart = number(m.group(3), i, header);
                int newCount = m.group(4) == null ? 1 : number(m.group(4), i, header);
                i++;
                List<String> body = new ArrayList<>();
                int seenOld = 0;
                int seenNew = 0;
                int oldWithoutNewline = -1; // index in body of the line the marker follows, per side
                int newWithoutNewline = -1;
                while (seenOld < oldCount || seenNew < newCount) {
                    if (i >= lines.length) {
                        throw new MalformedDiffException("hunk '" + header + "' of " + (newPath != null ? newPath : oldPath)
                                + " ends early: expected " + oldCount + " old and " + newCount + " new lines");
                    }
                    String l = stripCr ? withoutCr(lines[i]) : lines[i];
                    if (l.isEmpty() || l.equals("\r")) {
                        l = " " + l; // some mailers strip the space of empty context lines
                    }
                    char c = l.charAt(0);
                    if (c == '\\') {
                        throw new MalformedDiffException("line " + (i + 1) + ": '" + withoutCr(l)
                                + "' in the middle of hunk '" + header + "': only the last line of a side can lack its newline");
                    }
                    if (c == ' ') {
                        seenOld++;
                        seenNew++;
                    } else if (c == '-') {
                        seenOld++;
                    } else if (c == '+') {
                        seenNew++;
                    } else {
                        throw new MalformedDiffException("line " + (i + 1) + ": unexpected line in hunk '" + header + "': " + l);
                    }
                    body.add(l);
                    i++;
                    if (i < lines.length && lines[i].startsWith("\\")) { // "\ No newline at end of file"
                        oldWithoutNewline = c != '+' ? body.size() - 1 : oldWithoutNewline;
                        newWithoutNewline = c != '-' ? body.size() - 1 : newWithoutNewline;
                        i++;
                    }
                }
                if (seenOld != oldCount || seenNew != newCount) {
                    throw new MalformedDiffException("hunk '" + header + "' has " + seenOld + " old and " + seenNew
                            + " new lines, its header says " + oldCount + " and " + newCount);
                }
                if (!lastOfSide(body, oldWithoutNewline, '+') || !lastOfSide(body, newWithoutNewline, '-')) {
                    throw new MalformedDiffException("hunk '" + header + "' of " + (newPath != null ? newPath : oldPath)
                            + ": '\\ No newline at end of file' follows a line that is not the last of its side");
                }
                hunks.add(new Hunk(header, oldStart, oldCount, newStart, newCount, List.copyOf(body),
                        oldWithoutNewline >= 0, newWithoutNewline >= 0));
            }
            if (oldPath == null && newPath == null) {
                throw new MalformedDiffException("a file header names /dev/null on both sides");
            }
            files.add(new FilePatch(oldPath, newPath, List.copyOf(hunks)));
        }
        if (files.isEmpty()) {
            throw new MalformedDiffException("no file header ('--- a/…' / '+++ b/…') found: not a unified diff");
        }
        return new UnifiedDiff(List.copyOf(files));
    }

    private static String withoutCr(String line) {
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    private static int number(String digits, int line, String header) throws MalformedDiffException {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw new MalformedDiffException("line " + (line + 1) + ": line number out of range in hunk header: " + header);
        }
    }

    /** Whether no line of the marked line's side follows it (lines of {@code otherSide} may). */
    private static boolean lastOfSide(List<String> body, int marked, char otherSide) {
        for (int k = marked + 1; marked >= 0 && k < body.size(); k++) {
            if (body.get(k).charAt(0) != otherSide) {
                return false;
            }
        }
        return true;
    }

    private static String path(String field, String prefix) throws MalformedDiffException {
        String p = field;
        int tab = p.indexOf('\t');
        if (tab >= 0) {
            p = p.substring(0, tab);
        }
        p = p.strip();
        if (p.equals("/dev/null")) {
            return null;
        }
        if (p.startsWith(prefix)) {
            p = p.substring(prefix.length());
        } else if (p.matches("^[^/]+/.*") && looksPrefixed(p)) {
            p = p.substring(p.indexOf('/') + 1);
        }
        if (p.isEmpty() || p.startsWith("/") || p.contains("..")) {
            throw new MalformedDiffException("unsafe or empty path in diff header: " + field);
        }
        return p;
    }

    /** Plain diffs name trees like linux-6.1.orig/fs/x.c: drop a first component that is not a kernel directory. */
    private static boolean looksPrefixed(String p) {
        String first = p.substring(0, p.indexOf('/'));
        return !KERNEL_TOP_DIRS.contains(first);
    }

    private static final List<String> KERNEL_TOP_DIRS = List.of("arch", "block", "certs", "crypto", "drivers", "fs",
            "include", "init", "io_uring", "ipc", "kernel", "lib", "mm", "net", "rust", "samples", "scripts", "security",
            "sound", "tools", "usr", "virt");
}
