package io.khp.verifier.match;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.khp.events.FunctionVerdict;
import io.khp.events.PatchedFunction;
import io.khp.events.PreRunVerified;
import io.khp.events.ResolvedSymbol;
import io.khp.events.RunObjectCaptured;
import io.khp.events.Verdict;
import io.khp.events.WildcardKind;
import io.khp.verifier.fixtures.FixtureFiles;

/**
 * The matcher on real data (src/test/resources/fixtures, written by fixtures/capture-fixtures):
 * klpdiff reports of real patches compiled against the Debian kernel tree, and the functions as
 * qemu guests of the default (amd64) and the drifted (cloud-amd64) flavour run them.
 */
class RealKernelFixturesTest {

    static final Path FIXTURES = Path.of("src/test/resources/fixtures");
    final RunPreMatcher matcher = new RunPreMatcher();

    static Stream<String> patches() throws Exception {
        try (Stream<Path> dirs = Files.list(FIXTURES)) {
            List<String> names = dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
            assertTrue(names.size() >= 3, "fixtures missing in " + FIXTURES.toAbsolutePath() + ": run verifier-service/fixtures/capture-fixtures");
            return names.stream();
        }
    }

    static List<FunctionManifest> manifest(String patch) throws Exception {
        List<FunctionManifest> functions = new ArrayList<>();
        for (PatchedFunction f : FixtureFiles.manifest(FIXTURES.resolve(patch).resolve("report.json"))) {
            functions.add(FunctionManifest.from(f));
        }
        return functions;
    }

    static RunObjectCaptured capture(String patch, String flavour) throws Exception {
        return FixtureFiles.capture(FIXTURES.resolve(patch).resolve("capture-" + flavour + ".json"));
    }

    @ParameterizedTest
    @MethodSource("patches")
    void theDefaultFlavourMatchesAndResolvesWhatKallsymsSays(String patch) throws Exception {
        PreRunVerified v = matcher.match(manifest(patch), HostCapture.from(capture(patch, "amd64")));
        assertEquals(Verdict.MATCH, v.getVerdict(), v.getReason());
        Map<String, List<Long>> kallsyms = FixtureFiles.kallsyms(FIXTURES.resolve(patch).resolve("kallsyms-amd64.txt"));
        for (FunctionVerdict f : v.getFunctions()) {
            assertEquals(List.of(f.getAddress()), kallsyms.get(f.getSymbol()), f.getSymbol());
        }
        // mce_is_correctable only calls through fentry and the return thunk: nothing outside wildcards to resolve
        assertEquals(manifest(patch).stream().allMatch(f -> f.relocations().isEmpty()), v.getResolvedSymbols().isEmpty());
        for (ResolvedSymbol s : v.getResolvedSymbols()) {
            List<Long> lines = kallsyms.get(s.getSymbol());
            assertTrue(lines != null && lines.contains(s.getAddress()), s.getSymbol() + " resolved to an address kallsyms does not list");
            int expectedSympos = lines.size() > 1 ? lines.indexOf(s.getAddress()) + 1 : 0;
            assertEquals(expectedSympos, s.getSympos(), s.getSymbol());
        }
    }

    @Test
    void aDuplicateLocalNameResolvesToOneOfManyCandidatesWithItsSympos() throws Exception {
        PreRunVerified v = matcher.match(manifest("seqfile-bufsize"), HostCapture.from(capture("seqfile-bufsize", "amd64")));
        ResolvedSymbol func = v.getResolvedSymbols().stream().filter(s -> s.getSymbol().equals("__func__.2")).findFirst().orElseThrow();
        Map<String, List<Long>> kallsyms = FixtureFiles.kallsyms(FIXTURES.resolve("seqfile-bufsize/kallsyms-amd64.txt"));
        assertTrue(kallsyms.get("__func__.2").size() > 10, "many statics share this name");
        assertTrue(func.getSympos() >= 1);
        assertEquals(kallsyms.get("__func__.2").get(func.getSympos() - 1), func.getAddress());
    }

    @Test
    void theRealCapturesExerciseTheWildcardKindsAndTheRewritesAreReal() throws Exception {
        Set<WildcardKind> seen = EnumSet.noneOf(WildcardKind.class);
        Set<WildcardKind> rewritten = EnumSet.noneOf(WildcardKind.class);
        for (String patch : patches().toList()) {
            HostCapture capture = HostCapture.from(capture(patch, "amd64"));
            for (FunctionManifest f : manifest(patch)) {
                byte[] run = capture.codeOf(f).bytes();
                for (Wildcard w : f.wildcards()) {
                    seen.add(w.kind());
                    for (int i = w.offset(); i < w.end(); i++) {
                        if (run[i] != f.preByte(i) && !insideRelocationField(f, i, patch)) {
                            rewritten.add(w.kind());
                        }
                    }
                }
            }
        }
        System.out.println("wildcard kinds rewritten on the amd64 guest: " + rewritten);
        assertEquals(EnumSet.of(WildcardKind.FENTRY, WildcardKind.RETURN_THUNK, WildcardKind.RETPOLINE,
                WildcardKind.JUMP_LABEL, WildcardKind.ALTERNATIVE, WildcardKind.SMP_LOCK), seen);
        // on the one-CPU guest: fentry calls became nops, return thunks rets, lock prefixes ds
        assertTrue(rewritten.containsAll(EnumSet.of(WildcardKind.FENTRY, WildcardKind.RETURN_THUNK, WildcardKind.SMP_LOCK)),
                rewritten.toString());
    }

    /** True when byte {@code i} lies in a relocation field of the object (dropped from the manifest because it is in a wildcard). */
    private static boolean insideRelocationField(FunctionManifest f, int i, String patch) throws Exception {
        for (PatchedFunction p : FixtureFiles.manifest(FIXTURES.resolve(patch).resolve("report.json"))) {
            if (p.getSymbol().equals(f.symbol())) {
                return p.getRelocations().stream().anyMatch(r -> i >= r.getOffset() && i < r.getOffset() + RelocationArithmetic.width(r.getType()));
            }
        }
        return false;
    }

    @ParameterizedTest
    @MethodSource("patches")
    void withoutWildcardsTheDefaultFlavourDoesNotMatch(String patch) throws Exception {
        List<FunctionManifest> bare = new ArrayList<>();
        for (FunctionManifest f : manifest(patch)) {
            byte[] pre = new byte[f.length()];
            for (int i = 0; i < pre.length; i++) {
                pre[i] = f.preByte(i);
            }
            List<Relocation> relocations = new ArrayList<>();
            for (PatchedFunction p : FixtureFiles.manifest(FIXTURES.resolve(patch).resolve("report.json"))) {
                if (p.getSymbol().equals(f.symbol())) {
                    p.getRelocations().forEach(r -> relocations.add(new Relocation(r.getOffset(), r.getType(), r.getSymbol(),
                            r.getAddend(), r.getLocal())));
                }
            }
            bare.add(new FunctionManifest(f.objectName(), f.symbol(), f.sympos(), f.sourceFile(), pre, relocations, List.of()));
        }
        PreRunVerified v = matcher.match(bare, HostCapture.from(capture(patch, "amd64")));
        assertEquals(Verdict.MISMATCH, v.getVerdict(), v.getReason());
    }

    /** do_madvise has an #ifdef CONFIG_MEMORY_FAILURE block: cloud-amd64 does not set it, so its code differs. */
    @Test
    void theCloudFlavourIsAMismatchWhereItsCodeDiffers() throws Exception {
        List<FunctionManifest> manifest = manifest("madvise-len");
        RunObjectCaptured cloud = capture("madvise-len", "cloud-amd64");
        PreRunVerified v = matcher.match(manifest, HostCapture.from(cloud));
        assertEquals(Verdict.MISMATCH, v.getVerdict(), v.getReason());
        FunctionVerdict f = v.getFunctions().get(0);
        int at = f.getFirstDifferenceOffset();
        assertTrue(v.getReason().startsWith("vmlinux:do_madvise: instruction at +0x" + Integer.toHexString(at)), v.getReason());
        // up to that instruction the code is the same, so it is at the same run offset and differs there
        byte[] run = HostCapture.from(cloud).codeOf(manifest.get(0)).bytes();
        byte[] expected = FunctionManifest.bytes(f.getExpected());
        byte[] found = FunctionManifest.bytes(f.getFound());
        assertEquals(manifest.get(0).preByte(at), expected[0]);
        assertEquals(run[at], found[0]);
        Instruction pre = InstructionDecoder.decode(expected, 0, expected.length);
        assertTrue(!java.util.Arrays.equals(expected, 0, pre.length(), found, 0, pre.length()));
    }

    /** mce_is_correctable is machine-check code: cloud-amd64 has no CONFIG_X86_MCE, its kernel has no such function. */
    @Test
    void theCloudFlavourIsUnsupportedWhereAFunctionIsAbsent() throws Exception {
        PreRunVerified v = matcher.match(manifest("mce-correctable"), HostCapture.from(capture("mce-correctable", "cloud-amd64")));
        assertEquals(Verdict.UNSUPPORTED, v.getVerdict(), v.getReason());
        assertEquals("vmlinux:mce_is_correctable: function not found in the running kernel", v.getReason());
        PreRunVerified onDefault = matcher.match(manifest("mce-correctable"), HostCapture.from(capture("mce-correctable", "amd64")));
        assertEquals(Verdict.MATCH, onDefault.getVerdict(), onDefault.getReason());
    }

    /**
     * The other fixtures' functions do not depend on what the flavours configure differently: their
     * cloud-amd64 bytes equal the amd64 bytes outside relocation fields and wildcards (checked here
     * independently of the matcher), so MATCH is the right verdict.
     */
    @ParameterizedTest
    @MethodSource("patches")
    void theCloudFlavourMatchesExactlyWhereItsCodeIsTheSame(String patch) throws Exception {
        List<FunctionManifest> manifest = manifest(patch);
        HostCapture amd64 = HostCapture.from(capture(patch, "amd64"));
        HostCapture cloud = HostCapture.from(capture(patch, "cloud-amd64"));
        if (manifest.stream().anyMatch(f -> !cloud.codeOf(f).found())) {
            return; // theCloudFlavourIsUnsupportedWhereAFunctionIsAbsent
        }
        boolean same = true;
        for (FunctionManifest f : manifest) {
            byte[] a = amd64.codeOf(f).bytes();
            byte[] c = cloud.codeOf(f).bytes();
            for (int i = 0; i < f.length(); i++) {
                if (a[i] != c[i] && !masked(f, i, patch)) {
                    same = false;
                }
            }
        }
        PreRunVerified v = matcher.match(manifest, cloud);
        System.out.println(patch + " on cloud-amd64: " + v.getVerdict() + ": " + v.getReason());
        assertEquals(same ? Verdict.MATCH : Verdict.MISMATCH, v.getVerdict(), v.getReason());
    }

    private static boolean masked(FunctionManifest f, int i, String patch) throws Exception {
        return f.wildcards().stream().anyMatch(w -> i >= w.offset() && i < w.end()) || insideRelocationField(f, i, patch);
    }

    /** The shortcut for code identical outside fields gives what the unit-by-unit walk gives. */
    @ParameterizedTest
    @MethodSource("patches")
    void theIdentityShortcutAgreesWithTheWalk(String patch) throws Exception {
        for (String flavour : List.of("amd64", "cloud-amd64")) {
            HostCapture capture = HostCapture.from(capture(patch, flavour));
            for (FunctionManifest f : manifest(patch)) {
                CapturedCode code = capture.codeOf(f);
                if (!code.found()) {
                    continue;
                }
                assertEquals(InstructionWalk.lockStep(f, code.bytes(), code.address()),
                        InstructionWalk.walk(f, code.bytes(), code.address()), patch + " " + flavour + " " + f);
            }
        }
    }
}
