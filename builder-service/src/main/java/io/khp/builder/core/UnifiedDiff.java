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

    /** One hunk: its header line and its lines, each starting with ' ', '-' or '+'. */
    public record Hunk(String header, int oldStart, int oldCount, int newStart, int newCount, List<String> lines) {

        public List<String> oldLines() {
            return lines.stream().filter(l -> !l.startsWith("+")).map(l -> l.substring(1)).toList();
        }

        public List<String> newLines() {
            return lines.stream().filter(l -> !l.startsWith("-")).map(l -> l.substring(1)).toList();
        }
    }

    /** The diff does not parse; the message says where. */
    public static final class MalformedDiffException extends Exception {
        public MalformedDiffException(String message) {
            super(message);
        }
    }

    private static final Pattern HUNK = Pattern.compile("^@@ -(\\d+)(?:,(\\d+))? \\+(\\d+)(?:,(\\d+))? @@.*$");

    public static UnifiedDiff parse(String text) throws MalformedDiffException {
        String[] lines = text.replace("\r\n", "\n").split("\n", -1);
        List<FilePatch> files = new ArrayList<>();
        int i = 0;
        while (i < lines.length) {
            if (!(lines[i].startsWith("--- ") && i + 1 < lines.length && lines[i + 1].startsWith("+++ "))) {
                i++;
                continue;
            }
            String oldPath = path(lines[i].substring(4), "a/");
            String newPath = path(lines[i + 1].substring(4), "b/");
            i += 2;
            List<Hunk> hunks = new ArrayList<>();
            while (i < lines.length && lines[i].startsWith("@@")) {
                Matcher m = HUNK.matcher(lines[i]);
                if (!m.matches()) {
                    throw new MalformedDiffException("line " + (i + 1) + ": malformed hunk header: " + lines[i]);
                }
                int oldStart = Integer.parseInt(m.group(1));
                int oldCount = m.group(2) == null ? 1 : Integer.parseInt(m.group(2));
                int newStart = Integer.parseInt(m.group(3));
                int newCount = m.group(4) == null ? 1 : Integer.parseInt(m.group(4));
                String header = lines[i];
                i++;
                List<String> body = new ArrayList<>();
                int seenOld = 0;
                int seenNew = 0;
                while (seenOld < oldCount || seenNew < newCount) {
                    if (i >= lines.length) {
                        throw new MalformedDiffException("hunk '" + header + "' of " + (newPath != null ? newPath : oldPath)
                                + " ends early: expected " + oldCount + " old and " + newCount + " new lines");
                    }
                    String l = lines[i];
                    if (l.startsWith("\\")) { // "\ No newline at end of file"
                        i++;
                        continue;
                    }
                    if (l.isEmpty()) {
                        l = " "; // some mailers strip the space of empty context lines
                    }
                    char c = l.charAt(0);
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
                }
                if (seenOld != oldCount || seenNew != newCount) {
                    throw new MalformedDiffException("hunk '" + header + "' has " + seenOld + " old and " + seenNew
                            + " new lines, its header says " + oldCount + " and " + newCount);
                }
                while (i < lines.length && lines[i].startsWith("\\")) {
                    i++;
                }
                hunks.add(new Hunk(header, oldStart, oldCount, newStart, newCount, List.copyOf(body)));
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
