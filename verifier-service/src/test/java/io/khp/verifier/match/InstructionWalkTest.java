package io.khp.verifier.match;

import static io.khp.events.RelocationType.R_X86_64_PC32;
import static io.khp.events.RelocationType.R_X86_64_PLT32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.khp.events.FunctionVerdict;
import io.khp.events.PreRunVerified;
import io.khp.events.Verdict;
import io.khp.events.WildcardKind;

/**
 * The instruction walk on code built by hand the way gcc and gas lay it out: 'pre' with near
 * (rel32) jumps to another section, the run code with the short (rel8) forms the distro build got,
 * and everything after them shifted.
 */
class InstructionWalkTest {

    static final long BASE = 0xffffffff81234560L;
    static final long HELPER = BASE + 0x40; // a static function of the same file, placed just after
    static final long COUNTER = 0xffffffff82a00010L;
    static final long THUNK = 0xffffffff81e03c80L;

    final RunPreMatcher matcher = new RunPreMatcher();

    /**
     * <pre>
     * 0x00 test %rdi,%rdi          48 85 ff
     * 0x03 je   +0x11 (to 0x1a)    0f 84 11 00 00 00
     * 0x09 jmp  helper             e9 PC32(helper-4)
     * 0x0e incl counter(%rip)      ff 05 PC32(counter-4)
     * 0x14 jne  0x09 (back)        75 f3
     * 0x16 xor  %eax,%eax          31 c0
     * 0x18 jmp  0x1a               eb 00
     * 0x1a jmp  __x86_return_thunk [RETURN_THUNK] e9 PLT32
     * 0x1f int3; nop               cc 90   (trailing padding)
     * </pre>
     */
    static CodeImage pre() {
        return new CodeImage()
                .bytes(0x48, 0x85, 0xff)
                .bytes(0x0f, 0x84, 0x11, 0x00, 0x00, 0x00)
                .bytes(0xe9).localField(R_X86_64_PC32, "helper", -4)
                .bytes(0xff, 0x05).field(R_X86_64_PC32, "counter", -4)
                .bytes(0x75, 0xf3)
                .bytes(0x31, 0xc0)
                .bytes(0xeb, 0x00)
                .wildcard(WildcardKind.RETURN_THUNK, 5).bytes(0xe9).field(R_X86_64_PLT32, "__x86_return_thunk", -4)
                .bytes(0xcc, 0x90);
    }

    /** The same function as vmlinux has it: je rel8, jmp rel8 to helper, everything after 3 + 4 bytes earlier. */
    static byte[] run() {
        byte[] run = {
            0x48, (byte) 0x85, (byte) 0xff,
            0x74, 0x0e,                                   // je 0x13 (the 'pre' 0x1a)
            (byte) 0xeb, 0,                               // jmp helper: rel8 filled below
            (byte) 0xff, 0x05, 0, 0, 0, 0,                // incl counter(%rip) at 0x07
            0x75, (byte) 0xf6,                            // jne 0x05 (the 'pre' 0x09)
            0x31, (byte) 0xc0,
            (byte) 0xeb, 0x00,
            (byte) 0xc3, (byte) 0xcc, (byte) 0xcc, (byte) 0xcc, (byte) 0xcc, // ret; int3 (the return thunk site)
            (byte) 0xcc, (byte) 0xcc, (byte) 0xcc, (byte) 0xcc, (byte) 0xcc, (byte) 0xcc, (byte) 0xcc, (byte) 0xcc, (byte) 0xcc}; // padding, next function
        run[6] = (byte) (HELPER - (BASE + 7));
        CodeImage.write(run, 9, 4, COUNTER - 4 - (BASE + 9));
        return run;
    }

    static Map<String, long[]> kallsyms() {
        Map<String, long[]> m = new HashMap<>();
        m.put("helper", new long[] {HELPER});
        m.put("counter", new long[] {COUNTER});
        m.put("__x86_return_thunk", new long[] {THUNK});
        return m;
    }

    PreRunVerified match(CodeImage c, byte[] run) throws Exception {
        return matcher.match(List.of(c.manifest("f")), new HostCapture(List.of(CapturedCode.at("vmlinux", "f", BASE, run)), kallsyms(), null));
    }

    FunctionVerdict mismatch(byte[] run) throws Exception {
        PreRunVerified v = match(pre(), run);
        assertEquals(Verdict.MISMATCH, v.getVerdict(), v.getReason());
        return v.getFunctions().get(0);
    }

    @Test
    void shortFormsReachingTheSameTargetsMatchAndTheShiftedRelocationsResolve() throws Exception {
        PreRunVerified v = match(pre(), run());
        assertEquals(Verdict.MATCH, v.getVerdict(), v.getReason());
        Map<String, Long> resolved = new HashMap<>();
        v.getResolvedSymbols().forEach(s -> resolved.put(s.getSymbol(), s.getAddress()));
        assertEquals(Map.of("helper", HELPER, "counter", COUNTER), resolved);
    }

    @Test
    void theSameLayoutMatchesToo() throws Exception {
        CodeImage c = pre();
        Map<String, Long> symbols = Map.of("helper", HELPER, "counter", COUNTER, "__x86_return_thunk", THUNK);
        assertEquals(Verdict.MATCH, match(c, c.link(BASE, symbols)).getVerdict());
    }

    @Test
    void aShortJumpToAnotherAddressIsAMismatch() throws Exception {
        byte[] run = run();
        run[6]++;
        FunctionVerdict f = mismatch(run);
        assertEquals(0xa, f.getFirstDifferenceOffset());
        assertTrue(f.getDetail().contains("(run +0x6)") && f.getDetail().contains("not at helper"), f.getDetail());
    }

    @Test
    void aForwardBranchToAnotherInstructionIsAMismatch() throws Exception {
        byte[] run = run();
        run[4] = 0x0a; // je to the xor (run 0xf) instead of the return site (run 0x13)
        FunctionVerdict f = mismatch(run);
        assertEquals(0x3, f.getFirstDifferenceOffset());
        assertTrue(f.getDetail().contains("it reaches run +0xf, but 'pre' +0x1a is run +0x13"), f.getDetail());
    }

    @Test
    void aBackwardBranchToAnotherInstructionIsAMismatch() throws Exception {
        byte[] run = run();
        run[14] = (byte) 0xf3; // the 'pre' bytes of jne: with the code shifted they reach another instruction
        FunctionVerdict f = mismatch(run);
        assertEquals(0x14, f.getFirstDifferenceOffset());
        assertTrue(f.getDetail().contains("branch at +0x14 (run +0xd) (75 f3) has another target"), f.getDetail());
    }

    @Test
    void anotherConditionIsAMismatch() throws Exception {
        byte[] run = run();
        run[3] = 0x75;
        FunctionVerdict f = mismatch(run);
        assertEquals(0x3, f.getFirstDifferenceOffset());
        assertTrue(f.getDetail().contains("not the same branch"), f.getDetail());
    }

    @Test
    void aCallWhereThePreHasAJumpIsAMismatch() throws Exception {
        byte[] run = run();
        byte[] longer = new byte[run.length + 3];
        System.arraycopy(run, 0, longer, 0, 5);
        longer[5] = (byte) 0xe8;
        CodeImage.write(longer, 6, 4, HELPER - (BASE + 10));
        System.arraycopy(run, 7, longer, 10, run.length - 7);
        longer[4] = 0x10;
        assertTrue(mismatch(longer).getDetail().startsWith("instruction at +0x9 (run +0x5) differs (not the same branch)"));
    }

    @Test
    void aChangedByteAfterTheShiftIsAMismatchAtItsPreAndRunOffsets() throws Exception {
        byte[] run = run();
        run[16] = (byte) 0xc9; // xor %eax,%eax -> xor %ecx,%ecx
        FunctionVerdict f = mismatch(run);
        assertEquals(0x16, f.getFirstDifferenceOffset());
        assertEquals("instruction at +0x16 (run +0xf) differs: expected 31 c0, found 31 c9", f.getDetail());
        assertEquals(0x31, RunPreMatcherTest.bytes(f.getFound())[0] & 0xff);
    }

    @Test
    void aWrongShapeAtAShiftedWildcardIsAMismatch() throws Exception {
        byte[] run = run();
        run[19] = (byte) 0x90;
        FunctionVerdict f = mismatch(run);
        assertEquals(0x1a, f.getFirstDifferenceOffset());
        assertTrue(f.getDetail().contains("(run +0x13)"), f.getDetail());
    }

    @Test
    void trailingPaddingMayDiffer() throws Exception {
        byte[] run = run();
        run[24] = (byte) 0x90;
        run[25] = (byte) 0x0f; // whatever follows the function's last instruction
        assertEquals(Verdict.MATCH, match(pre(), run).getVerdict());
    }

    @Test
    void aBranchIntoTrailingPaddingIsAMismatch() throws Exception {
        CodeImage c = new CodeImage().bytes(0x74, 0x01).bytes(0xc3).bytes(0xcc);
        PreRunVerified v = match(c, new byte[] {0x74, 0x01, (byte) 0xc3, (byte) 0xcc});
        assertEquals(Verdict.MISMATCH, v.getVerdict(), v.getReason());
        assertTrue(v.getReason().contains("is not an instruction the run code has"), v.getReason());
    }

    @Test
    void identicalBytesOfAnIntraFunctionBranchStillNeedTheSameTarget() throws Exception {
        // pre: jmp +5 over a jmp rel32 to helper; the run has the same 'eb 05' but the jump it skips is now 2 bytes
        CodeImage c = new CodeImage().bytes(0xeb, 0x05).bytes(0xe9).localField(R_X86_64_PC32, "helper", -4).bytes(0x31, 0xc0).bytes(0xc3);
        byte[] run = {(byte) 0xeb, 0x05, (byte) 0xeb, 0, 0x31, (byte) 0xc0, (byte) 0xc3, (byte) 0xcc, (byte) 0xcc, (byte) 0xcc};
        run[3] = (byte) (HELPER - (BASE + 4));
        PreRunVerified v = match(c, run);
        assertEquals(Verdict.MISMATCH, v.getVerdict(), v.getReason());
        run[1] = 0x02;
        assertEquals(Verdict.MATCH, match(c, run).getVerdict());
    }

    @Test
    void undecodablePreCodeIsUnsupported() throws Exception {
        CodeImage c = new CodeImage().bytes(0x48, 0x85, 0xff).bytes(0x06).bytes(0xc3);
        PreRunVerified v = match(c, new byte[] {0x48, (byte) 0x85, (byte) 0xff, 0x06, (byte) 0xc3});
        assertEquals(Verdict.UNSUPPORTED, v.getVerdict(), v.getReason());
        assertEquals("vmlinux:f: cannot decode the 'pre' code at +0x3: no x86-64 instruction starts with 06 c3", v.getReason());
    }

    @Test
    void undecodableRunBytesWhereAPreBranchIsAreAMismatch() throws Exception {
        byte[] run = run();
        run[5] = 0x06;
        FunctionVerdict f = mismatch(run);
        assertEquals(0x9, f.getFirstDifferenceOffset());
        assertTrue(f.getDetail().contains("the run bytes are no x86-64 instruction"), f.getDetail());
    }

    @Test
    void overlappingSitesAreOneUnitAndEachKeepsItsShape() throws Exception {
        // an alternative whose original code is a locked increment: the lock prefix is a site of its own
        CodeImage c = new CodeImage().bytes(0x48, 0x85, 0xff)
                .wildcard(WildcardKind.SMP_LOCK, 1).wildcard(WildcardKind.ALTERNATIVE, 5).bytes(0xf0, 0xff, 0x07, 0x90, 0x90)
                .bytes(0xc3);
        byte[] run = {0x48, (byte) 0x85, (byte) 0xff, 0x3e, (byte) 0xff, 0x07, (byte) 0x90, (byte) 0x90, (byte) 0xc3};
        assertEquals(Verdict.MATCH, match(c, run).getVerdict(), match(c, run).getReason());
        run[3] = (byte) 0x90;
        PreRunVerified v = match(c, run);
        assertEquals(Verdict.MISMATCH, v.getVerdict(), v.getReason());
        assertTrue(v.getReason().contains("lock site holds 90"), v.getReason());
        assertEquals(InstructionWalk.lockStep(c.manifest("f"), run, BASE), InstructionWalk.walk(c.manifest("f"), run, BASE));
    }
}
