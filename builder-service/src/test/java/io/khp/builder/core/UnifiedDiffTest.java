package io.khp.builder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class UnifiedDiffTest {

    static final String TWO_FILES = """
            diff --git a/fs/proc/cmdline.c b/fs/proc/cmdline.c
            index 1234..5678 100644
            --- a/fs/proc/cmdline.c
            +++ b/fs/proc/cmdline.c
            @@ -7,7 +7,7 @@
             static int cmdline_proc_show(struct seq_file *m, void *v)
             {
             \tseq_puts(m, saved_command_line);
            -\tseq_putc(m, '\\n');
            +\tseq_puts(m, " khp\\n");
             \treturn 0;
             }
            \s
            --- a/fs/proc/version.c
            +++ b/fs/proc/version.c
            @@ -1,2 +1,3 @@
             a
            +b
             c
            @@ -10 +11 @@ static int x(void)
            -old
            +new
            """;

    @Test
    void parsesFilesAndHunks() throws Exception {
        UnifiedDiff d = UnifiedDiff.parse(TWO_FILES);
        assertEquals(2, d.files().size());
        UnifiedDiff.FilePatch f = d.files().get(0);
        assertEquals("fs/proc/cmdline.c", f.oldPath());
        assertEquals("fs/proc/cmdline.c", f.path());
        assertEquals(1, f.hunks().size());
        UnifiedDiff.Hunk h = f.hunks().get(0);
        assertEquals(7, h.oldStart());
        assertEquals(7, h.oldCount());
        assertEquals(7, h.oldLines().size());
        assertEquals("\tseq_putc(m, '\\n');", h.oldLines().get(3));
        assertEquals("\tseq_puts(m, \" khp\\n\");", h.newLines().get(3));
        UnifiedDiff.FilePatch g = d.files().get(1);
        assertEquals(2, g.hunks().size());
        assertEquals(1, g.hunks().get(1).oldCount());
        assertEquals(11, g.hunks().get(1).newStart());
    }

    @Test
    void createdAndDeletedFilesAndPlainDiffPrefixes() throws Exception {
        UnifiedDiff d = UnifiedDiff.parse("""
                --- /dev/null
                +++ b/kernel/new.c
                @@ -0,0 +1 @@
                +int x;
                --- linux-6.1.orig/fs/old.c\t2024-01-01
                +++ linux-6.1/fs/old.c\t2024-01-02
                @@ -1 +0,0 @@
                -int y;
                """);
        assertTrue(d.files().get(0).created());
        assertNull(d.files().get(0).oldPath());
        assertEquals("kernel/new.c", d.files().get(0).path());
        assertEquals("fs/old.c", d.files().get(1).path());
    }

    @Test
    void refusesWhatIsNotADiff() {
        assertThrows(UnifiedDiff.MalformedDiffException.class, () -> UnifiedDiff.parse("hello\nworld\n"));
        assertThrows(UnifiedDiff.MalformedDiffException.class, () -> UnifiedDiff.parse("--- a/x.c\n+++ b/x.c\n@@ -1,3 +1,3 @@\n a\n-b\n"));
        assertThrows(UnifiedDiff.MalformedDiffException.class, () -> UnifiedDiff.parse("--- a/x.c\n+++ b/x.c\n@@ bogus @@\n"));
        assertThrows(UnifiedDiff.MalformedDiffException.class, () -> UnifiedDiff.parse("--- a/../etc/passwd\n+++ b/../etc/passwd\n@@ -1 +1 @@\n-a\n+b\n"));
        assertThrows(UnifiedDiff.MalformedDiffException.class, () -> UnifiedDiff.parse("--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n*b\n"));
    }

    @Test
    void noNewlineMarkersAreSkipped() throws Exception {
        UnifiedDiff d = UnifiedDiff.parse("--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n");
        assertEquals(List.of("-a", "+b"), d.files().get(0).hunks().get(0).lines());
    }

    @Test
    void kpatchStyleHeadersAndHunkHeaderText() throws Exception {
        UnifiedDiff d = UnifiedDiff.parse("""
                Some description of the change.

                diff -Nupr src.orig/fs/proc/array.c src/fs/proc/array.c
                --- src.orig/fs/proc/array.c\t2023-01-11 10:00:00.000000000 +0000
                +++ src/fs/proc/array.c\t2023-01-11 10:00:01.000000000 +0000
                @@ -337,2 +337,4 @@ static inline void task_seccomp(struct seq_file *m, struct task_struct *p)
                 \tseq_put_decimal_ull(m, "NoNewPrivs:\\t", task_no_new_privs(p));
                +\tseq_puts(m, "kpatch\\n");
                +
                 #ifdef CONFIG_SECCOMP
                """);
        UnifiedDiff.FilePatch f = d.files().get(0);
        assertEquals("fs/proc/array.c", f.oldPath());
        assertEquals("fs/proc/array.c", f.newPath());
        UnifiedDiff.Hunk h = f.hunks().get(0);
        assertEquals("@@ -337,2 +337,4 @@ static inline void task_seccomp(struct seq_file *m, struct task_struct *p)", h.header());
        assertEquals(337, h.oldStart());
        assertEquals(1, h.prefixContext());
        assertEquals(1, h.suffixContext());
    }

    @Test
    void noNewlineMarkersMarkTheirSide() throws Exception {
        UnifiedDiff.Hunk removed = UnifiedDiff.parse("--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n")
                .files().get(0).hunks().get(0);
        UnifiedDiff.Hunk context = UnifiedDiff.parse("--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n-a\n+A\n b\n\\ No newline at end of file\n")
                .files().get(0).hunks().get(0);
        assertTrue(removed.oldMissingNewline());
        assertEquals(false, removed.newMissingNewline());
        assertTrue(context.oldMissingNewline());
        assertTrue(context.newMissingNewline());
    }

    @Test
    void aNoNewlineMarkerBeforeMoreLinesOfItsSideIsRefused() {
        assertThrows(UnifiedDiff.MalformedDiffException.class, () -> UnifiedDiff.parse(
                "--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n-a\n\\ No newline at end of file\n-b\n+A\n+B\n"));
    }

    @Test
    void carriageReturnsAreStrippedOnlyUnderACrlfFileHeader() throws Exception {
        UnifiedDiff crlf = UnifiedDiff.parse("--- a/x.c\r\n+++ b/x.c\r\n@@ -1 +1 @@ f()\r\n-a\r\n+b\r\n");
        UnifiedDiff lf = UnifiedDiff.parse("--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\r\n-a\r\n+b\r\n");
        assertEquals("x.c", crlf.files().get(0).path());
        assertEquals("@@ -1 +1 @@ f()", crlf.files().get(0).hunks().get(0).header());
        assertEquals(List.of("-a", "+b"), crlf.files().get(0).hunks().get(0).lines());
        assertEquals(List.of("-a\r", "+b\r"), lf.files().get(0).hunks().get(0).lines());
    }
}
