package io.khp.verifier.match;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.khp.events.FunctionVerdict;
import io.khp.events.PreRunVerified;
import io.khp.events.RelocationType;
import io.khp.events.Verdict;
import io.khp.events.WildcardKind;

/**
 * Each kind of runtime-rewritten site: the instruction gcc/objtool leave in the object, the forms the
 * running kernel has there (accepted), forms no rewrite produces (refused where the kind has a fixed
 * shape), and the same rewrite without the wildcard in the manifest (a mismatch at the site).
 */
class WildcardKindsTest {

    static final long BASE = 0xffffffff9a3c1d50L;
    static final Map<String, Long> SYMBOLS = Map.of(
            "__fentry__", 0xffffffff9a0a3c40L,
            "__x86_return_thunk", 0xffffffff9ae03c80L,
            "__x86_indirect_thunk_rax", 0xffffffff9ae03000L,
            "__SCT__tp_func_sched_switch", 0xffffffff9a0052a8L,
            "sched_counter", 0xffffffff9b8b0010L,
            "pv_ops", 0xffffffff9b613a00L);

    /** A site as the object holds it: bytes, and the relocation in it if any. */
    record Site(WildcardKind kind, int[] pre, RelocationType type, String symbol, int relocationAt) {
    }

    static final Site FENTRY = new Site(WildcardKind.FENTRY, new int[] {0xe8, 0, 0, 0, 0}, RelocationType.R_X86_64_PLT32, "__fentry__", 1);
    static final Site RETURN = new Site(WildcardKind.RETURN_THUNK, new int[] {0xe9, 0, 0, 0, 0}, RelocationType.R_X86_64_PLT32, "__x86_return_thunk", 1);
    static final Site RETURN_JCC = new Site(WildcardKind.RETURN_THUNK, new int[] {0x0f, 0x85, 0, 0, 0, 0}, RelocationType.R_X86_64_PLT32, "__x86_return_thunk", 2);
    /** klpdiff reports PARAVIRT sites, which the contract's enum does not name: they arrive as UNKNOWN. */
    static final Site PARAVIRT = new Site(WildcardKind.UNKNOWN, new int[] {0xff, 0x14, 0x25, 0, 0, 0, 0}, RelocationType.R_X86_64_32S, "pv_ops", 3);
    static final Site LOCK = new Site(WildcardKind.SMP_LOCK, new int[] {0xf0}, null, null, 0);
    static final Site RETPOLINE = new Site(WildcardKind.RETPOLINE, new int[] {0xe8, 0, 0, 0, 0}, RelocationType.R_X86_64_PLT32, "__x86_indirect_thunk_rax", 1);
    static final Site JUMP5 = new Site(WildcardKind.JUMP_LABEL, new int[] {0x0f, 0x1f, 0x44, 0x00, 0x00}, null, null, 0);
    static final Site JUMP2 = new Site(WildcardKind.JUMP_LABEL, new int[] {0x66, 0x90}, null, null, 0);
    static final Site ALT_IMM = new Site(WildcardKind.ALTERNATIVE, new int[] {0xb9, 0x27, 0x00, 0x00, 0x00}, null, null, 0);
    static final Site ALT_SMAP = new Site(WildcardKind.ALTERNATIVE, new int[] {0x0f, 0x1f, 0x00}, null, null, 0);
    static final Site STATIC_CALL = new Site(WildcardKind.STATIC_CALL, new int[] {0xe8, 0, 0, 0, 0}, RelocationType.R_X86_64_PLT32, "__SCT__tp_func_sched_switch", 1);

    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of("fentry nop", FENTRY, new int[] {0x0f, 0x1f, 0x44, 0x00, 0x00}),
                Arguments.of("fentry call to an ftrace trampoline", FENTRY, new int[] {0xe8, 0x2b, 0x1c, 0xc8, 0x25}),
                Arguments.of("return thunk -> ret; int3 padding", RETURN, new int[] {0xc3, 0xcc, 0xcc, 0xcc, 0xcc}),
                Arguments.of("return thunk kept", RETURN, new int[] {0xe9, 0x2b, 0x1f, 0xa4, 0x00}),
                Arguments.of("jcc to the return thunk kept", RETURN_JCC, new int[] {0x0f, 0x85, 0x2b, 0x1f, 0xa4, 0x00}),
                Arguments.of("jcc to the return thunk -> j!cc +1; ret", RETURN_JCC, new int[] {0x74, 0x01, 0xc3, 0xcc, 0xcc, 0xcc}),
                Arguments.of("paravirt call *pv_ops -> cli; nop5", PARAVIRT, new int[] {0xfa, 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x90}),
                Arguments.of("lock prefix on SMP", LOCK, new int[] {0xf0}),
                Arguments.of("lock prefix -> ds on one CPU", LOCK, new int[] {0x3e}),
                Arguments.of("retpoline -> call *%rax; nop3", RETPOLINE, new int[] {0xff, 0xd0, 0x0f, 0x1f, 0x00}),
                Arguments.of("retpoline -> lfence; call *%rax", RETPOLINE, new int[] {0x0f, 0xae, 0xe8, 0xff, 0xd0}),
                Arguments.of("jump label enabled: jmp rel32", JUMP5, new int[] {0xe9, 0x35, 0x01, 0x00, 0x00}),
                Arguments.of("jump label disabled: nop5", JUMP5, new int[] {0x0f, 0x1f, 0x44, 0x00, 0x00}),
                Arguments.of("short jump label enabled: jmp rel8", JUMP2, new int[] {0xeb, 0x1e}),
                Arguments.of("alternative: 5-level paging immediate", ALT_IMM, new int[] {0xb9, 0x30, 0x00, 0x00, 0x00}),
                Arguments.of("alternative: nop3 -> clac (SMAP)", ALT_SMAP, new int[] {0x0f, 0x01, 0xca}),
                Arguments.of("static call -> direct call", STATIC_CALL, new int[] {0xe8, 0x7b, 0x4f, 0xd2, 0xff}),
                Arguments.of("static call -> nop5", STATIC_CALL, new int[] {0x0f, 0x1f, 0x44, 0x00, 0x00}));
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("fentry site holding int3s", FENTRY, new int[] {0xcc, 0xcc, 0xcc, 0xcc, 0xcc}),
                Arguments.of("fentry site holding a jmp", FENTRY, new int[] {0xe9, 0, 0, 0, 0}),
                Arguments.of("return site: ret padded with nops", RETURN, new int[] {0xc3, 0x90, 0x90, 0x90, 0x90}),
                Arguments.of("return site: ud2", RETURN, new int[] {0x0f, 0x0b, 0xcc, 0xcc, 0xcc}),
                Arguments.of("jcc return site holding nops", RETURN_JCC, new int[] {0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00}),
                Arguments.of("lock site holding a nop", LOCK, new int[] {0x90}),
                Arguments.of("jump label holding a call", JUMP5, new int[] {0xe8, 0x35, 0x01, 0x00, 0x00}),
                Arguments.of("short jump label holding two nops", JUMP2, new int[] {0x90, 0x90}));
    }

    /** push %rbp; SITE; mov %rsp,%rbp; incl sched_counter(%rip); pop %rbp; ret */
    static CodeImage around(Site s) {
        CodeImage c = new CodeImage().bytes(0x55).wildcard(s.kind(), s.pre().length);
        if (s.type() == null) {
            c.bytes(s.pre());
        } else {
            for (int i = 0; i < s.relocationAt(); i++) {
                c.bytes(s.pre()[i]);
            }
            c.field(s.type(), s.symbol(), -4);
        }
        return c.bytes(0x48, 0x89, 0xe5).bytes(0xff, 0x05).field(RelocationType.R_X86_64_PC32, "sched_counter", -4)
                .bytes(0x5d, 0xc3);
    }

    static PreRunVerified match(FunctionManifest m, byte[] run) {
        Map<String, long[]> symbols = new HashMap<>();
        SYMBOLS.forEach((k, v) -> symbols.put(k, new long[] {v}));
        return new RunPreMatcher().match(List.of(m),
                new HostCapture(List.of(CapturedCode.at("vmlinux", "f", BASE, run)), symbols, null));
    }

    static byte[] rewritten(CodeImage c, int[] run) {
        byte[] code = c.link(BASE, SYMBOLS);
        CodeImage.put(code, 1, run);
        return code;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void theKernelsRewriteIsAccepted(String name, Site site, int[] run) throws Exception {
        CodeImage c = around(site);
        PreRunVerified v = match(c.manifest("f"), rewritten(c, run));
        assertEquals(Verdict.MATCH, v.getVerdict(), v.getReason());
        // the relocation after the site is still checked
        assertTrue(v.getResolvedSymbols().stream().anyMatch(s -> s.getSymbol().equals("sched_counter")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void withoutTheWildcardARewrittenSiteIsAMismatch(String name, Site site, int[] run) throws Exception {
        CodeImage c = around(site);
        byte[] code = rewritten(c, run);
        byte[] asLinked = c.link(BASE, SYMBOLS);
        boolean rewrites = !java.util.Arrays.equals(code, asLinked);
        PreRunVerified v = match(c.manifestWithout("f", site.kind()), code);
        if (rewrites) {
            assertEquals(Verdict.MISMATCH, v.getVerdict(), name);
            int first = v.getFunctions().get(0).getFirstDifferenceOffset();
            assertTrue(first >= 1 && first < 1 + site.pre().length, "difference at +" + first);
        } else {
            assertEquals(Verdict.MATCH, v.getVerdict(), v.getReason());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void aShapeNoRewriteProducesIsAMismatchAtTheSite(String name, Site site, int[] run) throws Exception {
        CodeImage c = around(site);
        PreRunVerified v = match(c.manifest("f"), rewritten(c, run));
        assertEquals(Verdict.MISMATCH, v.getVerdict());
        FunctionVerdict f = v.getFunctions().get(0);
        assertEquals(1, f.getFirstDifferenceOffset());
        assertTrue(f.getDetail().contains("site holds " + WildcardShapes.hex(rewritten(c, run), 1, site.pre().length)), f.getDetail());
    }
}
