package io.khp.builder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PatchApplierTest {

    private static UnifiedDiff.FilePatch patch(String diff) throws Exception {
        return UnifiedDiff.parse(diff).files().get(0);
    }

    @Test
    void appliesAtTheStatedLine() throws Exception {
        PatchApplier.Result r = PatchApplier.apply("a\nb\nc\nd\n", patch("--- a/x.c\n+++ b/x.c\n@@ -2,2 +2,2 @@\n b\n-c\n+C\n"));
        assertTrue(r.applied());
        assertEquals("a\nb\nC\nd\n", r.text());
    }

    @Test
    void findsShiftedHunksAndKeepsLaterOffsets() throws Exception {
        String original = "x\ny\na\nb\nc\nd\ne\nf\n";
        PatchApplier.Result r = PatchApplier.apply(original, patch("""
                --- a/x.c
                +++ b/x.c
                @@ -1,2 +1,3 @@
                 a
                +a2
                 b
                @@ -5,1 +6,1 @@
                -e
                +E
                """));
        assertTrue(r.applied());
        assertEquals("x\ny\na\na2\nb\nc\nd\nE\nf\n", r.text());
    }

    @Test
    void reportsTheHunkThatDoesNotApply() throws Exception {
        UnifiedDiff.FilePatch p = patch("--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+A\n@@ -3 +3 @@ int f(void)\n-zzz\n+Z\n");
        PatchApplier.Result r = PatchApplier.apply("a\nb\nc\n", p);
        assertFalse(r.applied());
        assertEquals("@@ -3 +3 @@ int f(void)", r.failedHunk().header());
    }

    @Test
    void keepsAMissingFinalNewline() throws Exception {
        PatchApplier.Result r = PatchApplier.apply("a\nb", patch("--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+A\n"));
        assertEquals("A\nb", r.text());
    }

    @Test
    void pureInsertionAfterALine() throws Exception {
        PatchApplier.Result r = PatchApplier.apply("a\nb\n", patch("--- a/x.c\n+++ b/x.c\n@@ -1,0 +2 @@\n+new\n"));
        assertTrue(r.applied());
        assertEquals("a\nnew\nb\n", r.text());
    }
}
