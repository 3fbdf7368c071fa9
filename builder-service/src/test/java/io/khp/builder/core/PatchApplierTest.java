package io.khp.builder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/**
 * Hunk placement with GNU patch's semantics (fuzz factor 2). Each expectation below is what
 * GNU patch 2.7 does with the same source and patch.
 */
class PatchApplierTest {

    private static UnifiedDiff.FilePatch patch(String diff) throws Exception {
        return UnifiedDiff.parse(diff).files().get(0);
    }

    /** Lines "l1".."ln", each with its newline. */
    private static String numbered(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> "l" + i + "\n").collect(Collectors.joining());
    }

    private static String lines(String... lines) {
        return String.join("\n", lines) + "\n";
    }

    /** The hunk changing l10 to X with three lines of context, stated at line 7. */
    private static final String CHANGE_L10 = """
            --- a/x.c
            +++ b/x.c
            @@ -7,7 +7,7 @@
             l7
             l8
             l9
            -l10
            +X
             l11
             l12
             l13
            """;

    private static PatchApplier.Placement only(PatchApplier.Result r) {
        assertTrue(r.applied(), () -> "refused: " + r.refusal());
        assertEquals(1, r.placements().size());
        return r.placements().get(0);
    }

    @Test
    void appliesAtTheStatedLine() throws Exception {
        // given a source with the hunk's text at its stated line
        String source = numbered(20);
        // when
        PatchApplier.Result r = PatchApplier.apply(source, patch(CHANGE_L10));
        // expect
        assertEquals(new PatchApplier.Placement(1, 7, 0, 0), only(r));
        assertEquals(source.replace("l10\n", "X\n"), r.text());
    }

    @Test
    void findsTheTextBelowTheStatedLine() throws Exception {
        // given five more lines before the hunk's text than the patch's source had
        String source = lines("n1", "n2", "n3", "n4", "n5") + numbered(20);
        // when
        PatchApplier.Result r = PatchApplier.apply(source, patch(CHANGE_L10));
        // expect
        assertEquals(new PatchApplier.Placement(1, 12, 5, 0), only(r));
        assertEquals(source.replace("l10\n", "X\n"), r.text());
    }

    @Test
    void findsTheTextAboveTheStatedLine() throws Exception {
        // given three lines fewer before the hunk's text
        String source = numbered(20).replace("l2\nl3\nl4\n", "");
        // when
        PatchApplier.Result r = PatchApplier.apply(source, patch(CHANGE_L10));
        // expect
        assertEquals(new PatchApplier.Placement(1, 4, -3, 0), only(r));
        assertEquals(source.replace("l10\n", "X\n"), r.text());
    }

    @Test
    void atEqualDistanceTheTextBelowWins() throws Exception {
        // given the hunk's whole text twice, two lines above and two lines below its stated line 4
        String source = lines("p", "a", "b", "c", "q", "a", "b", "c", "z");
        UnifiedDiff.FilePatch p = patch("--- a/x.c\n+++ b/x.c\n@@ -4,3 +4,3 @@\n a\n-b\n+B\n c\n");
        // when
        PatchApplier.Result r = PatchApplier.apply(source, p);
        // expect
        assertEquals(new PatchApplier.Placement(1, 6, 2, 0), only(r));
        assertEquals(lines("p", "a", "b", "c", "q", "a", "B", "c", "z"), r.text());
    }

    @Test
    void laterHunksAreSearchedFromTheOffsetOfTheEarlierOnes() throws Exception {
        // given four extra lines at the top, and the second hunk's text both at its stated line (11)
        // and four lines below it (15)
        String source = lines("n1", "n2", "n3", "n4", "a", "b", "c", "d", "e", "f", "m", "x", "y", "z", "m", "x", "y", "z", "e");
        UnifiedDiff.FilePatch p = patch("""
                --- a/x.c
                +++ b/x.c
                @@ -1,3 +1,3 @@
                 a
                -b
                +B
                 c
                @@ -11,3 +11,3 @@
                 x
                -y
                +Y
                 z
                """);
        // when
        PatchApplier.Result r = PatchApplier.apply(source, p);
        // expect: the second hunk is looked for at 11 + 4 first
        assertTrue(r.applied(), () -> r.refusal().reason());
        assertEquals(List.of(new PatchApplier.Placement(1, 5, 4, 0), new PatchApplier.Placement(2, 16, 5, 0)), r.placements());
        assertEquals(lines("n1", "n2", "n3", "n4", "a", "B", "c", "d", "e", "f", "m", "x", "y", "z", "m", "x", "Y", "z", "e"),
                r.text());
    }

    @Test
    void fuzzOneIgnoresTheOuterContextLineAtEachEnd() throws Exception {
        // given the first and the last context line changed in the source, and 20 lines of offset
        String source = lines("n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9", "n10", "n11", "n12", "n13", "n14", "n15",
                "n16", "n17", "n18", "n19", "n20") + numbered(20).replace("l7\n", "L7 changed\n").replace("l13\n", "L13 changed\n");
        // when
        PatchApplier.Result r = PatchApplier.apply(source, patch(CHANGE_L10));
        // expect: applied with the source's own context lines kept
        assertEquals(new PatchApplier.Placement(1, 27, 20, 1), only(r));
        assertEquals(source.replace("l10\n", "X\n"), r.text());
        assertTrue(r.text().contains("L7 changed\n") && r.text().contains("L13 changed\n"));
    }

    @Test
    void fuzzTwoIgnoresTwoContextLinesAtOneEnd() throws Exception {
        // given the two outer leading context lines changed
        String source = numbered(20).replace("l7\n", "m7\n").replace("l8\n", "m8\n");
        // when
        PatchApplier.Result r = PatchApplier.apply(source, patch(CHANGE_L10));
        // expect
        assertEquals(new PatchApplier.Placement(1, 7, 0, 2), only(r));
        assertEquals(source.replace("l10\n", "X\n"), r.text());
    }

    @Test
    void aHunkThatNeedsFuzzThreeIsRefused() throws Exception {
        // given all three leading context lines changed
        String source = numbered(20).replace("l7\n", "m7\n").replace("l8\n", "m8\n").replace("l9\n", "m9\n");
        // when
        PatchApplier.Result r = PatchApplier.apply(source, patch(CHANGE_L10));
        // expect
        assertFalse(r.applied());
        assertEquals(1, r.refusal().hunk());
        assertNull(r.text());
        assertEquals("nearest text at line 7 (offset 0): only its context differs there, more than fuzz 2 ignores: "
                + "context line 1 'l7' differs from line 7 'm7'", r.refusal().reason());
    }

    @Test
    void aHunkWhoseRemovedLineDiffersIsRefusedThoughItsContextMatches() throws Exception {
        // given the removed line changed in the source, the context intact
        String source = numbered(20).replace("l10\n", "l10 changed\n");
        // when
        PatchApplier.Result r = PatchApplier.apply(source, patch(CHANGE_L10));
        // expect: never applied with fuzz over a removed line
        assertFalse(r.applied());
        assertEquals("nearest text at line 7 (offset 0): removed line 1 'l10' differs from line 10 'l10 changed'",
                r.refusal().reason());
    }

    @Test
    void theRefusalNamesTheHunkAndItsRemovedLineByRank() throws Exception {
        // given a two-hunk patch whose second hunk removes three lines, the third of which differs
        String source = numbered(30).replace("l22\n", "l22 changed\n");
        UnifiedDiff.FilePatch p = patch("""
                --- a/x.c
                +++ b/x.c
                @@ -2,3 +2,3 @@
                 l2
                -l3
                +X
                 l4
                @@ -17,7 +17,4 @@
                 l17
                 l18
                 l19
                -l20
                -l21
                -l22
                 l23
                """);
        // when
        PatchApplier.Result r = PatchApplier.apply(source, p);
        // expect
        assertFalse(r.applied());
        assertEquals(2, r.refusal().hunk());
        assertEquals("@@ -17,7 +17,4 @@", r.refusal().text().header());
        assertTrue(r.refusal().reason().endsWith("removed line 3 'l22' differs from line 22 'l22 changed'"), r.refusal().reason());
        assertEquals(List.of(new PatchApplier.Placement(1, 2, 0, 0)), r.placements());
    }

    @Test
    void aHunkAtTheStartOfTheFileStaysThere() throws Exception {
        // given a hunk at line 1 (no leading context) and a source with one more line at the top
        UnifiedDiff.FilePatch p = patch("--- a/x.c\n+++ b/x.c\n@@ -1,4 +1,4 @@\n-l1\n+X\n l2\n l3\n l4\n");
        // when
        PatchApplier.Result moved = PatchApplier.apply(lines("l0") + numbered(10), p);
        PatchApplier.Result fuzzed = PatchApplier.apply(numbered(10).replace("l4\n", "m4\n"), p);
        // expect: GNU patch refuses to move it (its short leading context means "start of file"),
        // but ignores its trailing context with fuzz
        assertFalse(moved.applied());
        assertEquals(new PatchApplier.Placement(1, 1, 0, 1), only(fuzzed));
        assertEquals(numbered(10).replace("l4\n", "m4\n").replace("l1\n", "X\n"), fuzzed.text());
    }

    @Test
    void aHunkAtTheEndOfTheFileStaysThere() throws Exception {
        // given a hunk whose last line is the file's last (no trailing context)
        UnifiedDiff.FilePatch p = patch("--- a/x.c\n+++ b/x.c\n@@ -7,4 +7,4 @@\n l7\n l8\n l9\n-l10\n+X\n");
        // when
        PatchApplier.Result atEnd = PatchApplier.apply(lines("n1", "n2") + numbered(10), p);
        PatchApplier.Result notAtEnd = PatchApplier.apply(numbered(11), p);
        // expect: moved down with the end of the file, but not applied away from it
        assertEquals(new PatchApplier.Placement(1, 9, 2, 0), only(atEnd));
        assertEquals(lines("n1", "n2") + numbered(9) + "X\n", atEnd.text());
        assertFalse(notAtEnd.applied());
        assertEquals("it matches at line 7 (offset 0), but a hunk with fewer context lines at one end must match"
                + " at that end of the file", notAtEnd.refusal().reason());
    }

    @Test
    void changesApplyInOrder() throws Exception {
        // given a second hunk stated above the first one
        UnifiedDiff.FilePatch p = patch("--- a/x.c\n+++ b/x.c\n@@ -10,3 +10,3 @@\n l10\n-l11\n+X\n l12\n"
                + "@@ -3,3 +3,3 @@\n l3\n-l4\n+Y\n l5\n");
        // when
        PatchApplier.Result r = PatchApplier.apply(numbered(20), p);
        // expect
        assertFalse(r.applied());
        assertEquals(2, r.refusal().hunk());
        assertEquals("it matches only at line 3, before the end of the previous hunk (line 11): hunks apply in order",
                r.refusal().reason());
    }

    @Test
    void leadingContextMayOverlapThePreviousHunk() throws Exception {
        // given a second hunk whose leading context includes a line the first hunk removes (GNU patch
        // compares context with the unpatched source)
        UnifiedDiff.FilePatch p = patch("--- a/x.c\n+++ b/x.c\n@@ -3,7 +3,7 @@\n l3\n l4\n l5\n-l6\n+X\n l7\n l8\n l9\n"
                + "@@ -5,7 +5,7 @@\n l5\n l6\n l7\n-l8\n+Y\n l9\n l10\n l11\n");
        // when
        PatchApplier.Result r = PatchApplier.apply(numbered(12), p);
        // expect
        assertTrue(r.applied(), () -> r.refusal().reason());
        assertEquals(numbered(12).replace("l6\n", "X\n").replace("l8\n", "Y\n"), r.text());
    }

    @Test
    void keepsAMissingFinalNewline() throws Exception {
        PatchApplier.Result r = PatchApplier.apply("a\nb", patch("--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+A\n"));
        assertEquals("A\nb", r.text());
    }

    @Test
    void noNewlineAtEndOfFileOnEitherSide() throws Exception {
        // given a source whose last line has no newline
        String source = "a\nb\nc";
        // when the patch replaces that line, keeping it unterminated / adding the newline / adding after it
        PatchApplier.Result kept = PatchApplier.apply(source, patch(
                "--- a/x.c\n+++ b/x.c\n@@ -2,2 +2,2 @@\n b\n-c\n\\ No newline at end of file\n+C\n\\ No newline at end of file\n"));
        PatchApplier.Result terminated = PatchApplier.apply(source, patch(
                "--- a/x.c\n+++ b/x.c\n@@ -2,2 +2,2 @@\n b\n-c\n\\ No newline at end of file\n+c\n"));
        PatchApplier.Result appended = PatchApplier.apply(source, patch(
                "--- a/x.c\n+++ b/x.c\n@@ -2,2 +2,3 @@\n b\n-c\n\\ No newline at end of file\n+c\n+d\n"));
        // expect
        assertEquals("a\nb\nC", kept.text());
        assertEquals("a\nb\nc\n", terminated.text());
        assertEquals("a\nb\nc\nd\n", appended.text());
    }

    @Test
    void theNewlineAtEndOfFileMustMatchTheHunksOldSide() throws Exception {
        // given a hunk that removes a terminated last line, and a source whose last line is not terminated
        UnifiedDiff.FilePatch p = patch("--- a/x.c\n+++ b/x.c\n@@ -2,2 +2,2 @@\n b\n-c\n+C\n");
        // when
        PatchApplier.Result r = PatchApplier.apply("a\nb\nc", p);
        // expect
        assertFalse(r.applied());
        assertTrue(r.refusal().reason().endsWith("removed line 1 'c' differs from line 3 'c' (newline at end of file differs)"),
                r.refusal().reason());
    }

    @Test
    void crlfPatchOnAnLfSourceHasItsCarriageReturnsStripped() throws Exception {
        // given a patch whose file header lines end in CRLF (a patch saved on Windows)
        UnifiedDiff.FilePatch p = patch("--- a/x.c\r\n+++ b/x.c\r\n@@ -1,3 +1,3 @@\r\n a\r\n-b\r\n+B\r\n c\r\n");
        // when
        PatchApplier.Result r = PatchApplier.apply("a\nb\nc\nd\n", p);
        // expect
        assertEquals("a\nB\nc\nd\n", r.text());
    }

    @Test
    void crlfHunkLinesUnderAnLfHeaderMatchACrlfSource() throws Exception {
        // given a CRLF source and a patch of it with CRLF hunk lines (the CR is part of the text)
        UnifiedDiff.FilePatch p = patch("--- a/x.c\n+++ b/x.c\n@@ -1,3 +1,3 @@\r\n a\r\n-b\r\n+B\r\n c\r\n");
        // when
        PatchApplier.Result onCrlf = PatchApplier.apply("a\r\nb\r\nc\r\nd\r\n", p);
        PatchApplier.Result onLf = PatchApplier.apply("a\nb\nc\nd\n", p);
        // expect
        assertEquals("a\r\nB\r\nc\r\nd\r\n", onCrlf.text());
        assertFalse(onLf.applied());
        assertTrue(onLf.refusal().reason().endsWith("(different line endings)"), onLf.refusal().reason());
    }

    @Test
    void anLfPatchDoesNotApplyToACrlfSource() throws Exception {
        PatchApplier.Result r = PatchApplier.apply("a\r\nb\r\nc\r\n", patch("--- a/x.c\n+++ b/x.c\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"));
        assertFalse(r.applied());
        assertEquals("nearest text at line 1 (offset 0): removed line 1 'b' differs from line 2 'b\\r' (different line endings)",
                r.refusal().reason());
    }

    @Test
    void pureInsertionAfterALine() throws Exception {
        PatchApplier.Result r = PatchApplier.apply("a\nb\n", patch("--- a/x.c\n+++ b/x.c\n@@ -1,0 +2 @@\n+new\n"));
        assertEquals(new PatchApplier.Placement(1, 2, 0, 0), only(r));
        assertEquals("a\nnew\nb\n", r.text());
    }

    @Test
    void zeroContextHunksAreNotFuzzed() throws Exception {
        // given a -U0 hunk whose removed line is elsewhere in the source
        UnifiedDiff.FilePatch p = patch("--- a/x.c\n+++ b/x.c\n@@ -3 +3 @@\n-l3\n+X\n");
        // when
        PatchApplier.Result r = PatchApplier.apply(lines("n1", "n2", "n3", "n4", "n5", "n6", "n7") + numbered(5), p);
        // expect
        assertEquals(new PatchApplier.Placement(1, 10, 7, 0), only(r));
    }

    @Test
    void anAlreadyAppliedHunkIsNamedSo() throws Exception {
        PatchApplier.Result r = PatchApplier.apply(numbered(20).replace("l10\n", "X\n"), patch(CHANGE_L10));
        assertFalse(r.applied());
        assertEquals("its new text is already at line 7 (and its old text is not): the patch looks already applied",
                r.refusal().reason());
    }

    @Test
    void aFileShorterThanTheHunkIsNamedSo() throws Exception {
        PatchApplier.Result r = PatchApplier.apply(numbered(3), patch(CHANGE_L10));
        assertEquals("the file has 3 lines, fewer than the hunk's 7 old lines", r.refusal().reason());
    }

    @Test
    void placementsDescribeThemselves() {
        assertEquals("hunk 2 at offset +12 with fuzz 2", new PatchApplier.Placement(2, 40, 12, 2).describe());
        assertEquals("hunk 1 at offset -3", new PatchApplier.Placement(1, 4, -3, 0).describe());
        assertEquals("hunk 3 with fuzz 1", new PatchApplier.Placement(3, 9, 0, 1).describe());
        assertEquals("hunk 1 at its line", new PatchApplier.Placement(1, 9, 0, 0).describe());
    }

    @Test
    void aHunkOfContextOnlyChangesNothing() throws Exception {
        PatchApplier.Result r = PatchApplier.apply(numbered(5), patch("--- a/x.c\n+++ b/x.c\n@@ -2,2 +2,2 @@\n l2\n l3\n"));
        assertEquals(new PatchApplier.Placement(1, 2, 0, 0), only(r));
        assertEquals(numbered(5), r.text());
    }
}
