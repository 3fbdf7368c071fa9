package io.khp.verifier.match;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.khp.events.FunctionVerdict;
import io.khp.events.PreRunVerified;
import io.khp.events.ResolvedSymbol;
import io.khp.events.Verdict;
import io.khp.verifier.fixtures.FixtureFiles;

/**
 * The real case of jumps the distro build relaxed: in the Debian kernel, put_pid is
 * {@code test; je +2; jmp put_pid.part.0 (eb a4); ret} while its -ffunction-sections 'pre' object
 * has {@code je +5; jmp rel32} with a PC32 relocation to put_pid.part.0 (another section there,
 * the same section in vmlinux). Fixture put-pid-errptr (fixtures/patches/put-pid-errptr.patch),
 * captured from the amd64 guest by fixtures/capture-fixtures.
 */
class RelaxedJumpsTest {

    static final String PATCH = "put-pid-errptr";
    final RunPreMatcher matcher = new RunPreMatcher();

    static FunctionManifest putPid() throws Exception {
        return RealKernelFixturesTest.manifest(PATCH).stream().filter(f -> f.symbol().equals("put_pid")).findFirst().orElseThrow();
    }

    static HostCapture amd64() throws Exception {
        return HostCapture.from(RealKernelFixturesTest.capture(PATCH, "amd64"));
    }

    /** The capture with put_pid's bytes replaced by {@code run}. */
    static HostCapture with(HostCapture capture, FunctionManifest f, byte[] run) {
        List<CapturedCode> functions = new ArrayList<>();
        for (CapturedCode c : capture.functions()) {
            functions.add(c.symbol().equals(f.symbol())
                    ? new CapturedCode(c.objectName(), c.symbol(), c.sympos(), true, c.address(), run) : c);
        }
        return new HostCapture(functions, capture.candidates(), null);
    }

    @Test
    void theRunningKernelHasTheShortFormsWhereThePreObjectHasTheNearOnes() throws Exception {
        FunctionManifest f = putPid();
        byte[] run = amd64().codeOf(f).bytes();
        // pre: 74 05 (je +5) e9 <PC32 put_pid.part.0-4>; run: 74 02 (je +2) eb a4
        assertEquals(0x74, f.preByte(0x8) & 0xff);
        assertEquals(0x05, f.preByte(0x9) & 0xff);
        assertEquals(0xe9, f.preByte(0xa) & 0xff);
        Relocation jump = f.relocations().stream().filter(r -> r.offset() == 0xb).findFirst().orElseThrow();
        assertEquals("put_pid.part.0", jump.symbol());
        assertEquals(0x74, run[0x8] & 0xff);
        assertEquals(0x02, run[0x9] & 0xff);
        assertEquals(0xeb, run[0xa] & 0xff);
        // so byte for byte (the rule before instructions were compared) the function differs at +0x9
        assertTrue(f.role(0x9) == 0 && f.preByte(0x9) != run[0x9]);
    }

    @Test
    void theWholePatchMatchesAndTheShortJumpResolvesToKallsymsAddress() throws Exception {
        PreRunVerified v = matcher.match(RealKernelFixturesTest.manifest(PATCH), amd64());
        assertEquals(Verdict.MATCH, v.getVerdict(), v.getReason());
        Map<String, List<Long>> kallsyms = FixtureFiles.kallsyms(RealKernelFixturesTest.FIXTURES.resolve(PATCH).resolve("kallsyms-amd64.txt"));
        ResolvedSymbol part = v.getResolvedSymbols().stream().filter(s -> s.getSymbol().equals("put_pid.part.0")).findFirst().orElseThrow();
        assertEquals(kallsyms.get("put_pid.part.0"), List.of(part.getAddress()));
        // and the short jump's own target is that address
        CapturedCode putPid = amd64().codeOf(putPid());
        assertEquals(part.getAddress(), putPid.address() + 0xc + putPid.bytes()[0xb]);
    }

    @Test
    void theCloudFlavourMatchesToo() throws Exception {
        PreRunVerified v = matcher.match(RealKernelFixturesTest.manifest(PATCH), HostCapture.from(RealKernelFixturesTest.capture(PATCH, "cloud-amd64")));
        assertEquals(Verdict.MATCH, v.getVerdict(), v.getReason());
    }

    private FunctionVerdict mutated(int offset, int value) throws Exception {
        FunctionManifest f = putPid();
        HostCapture capture = amd64();
        byte[] run = capture.codeOf(f).bytes().clone();
        run[offset] = (byte) value;
        PreRunVerified v = matcher.match(RealKernelFixturesTest.manifest(PATCH), with(capture, f, run));
        assertEquals(Verdict.MISMATCH, v.getVerdict(), v.getReason());
        FunctionVerdict fv = v.getFunctions().stream().filter(x -> x.getSymbol().equals("put_pid")).findFirst().orElseThrow();
        assertEquals(Verdict.MISMATCH, fv.getVerdict());
        return fv;
    }

    @Test
    void aShortJumpToAnotherTargetIsAMismatch() throws Exception {
        FunctionVerdict f = mutated(0xb, 0xa5); // eb a4 -> eb a5: put_pid.part.0 + 1
        assertEquals(0xb, f.getFirstDifferenceOffset(), f.getDetail()); // reported at the relocation field
        assertTrue(f.getDetail().contains("R_X86_64_PC32 field at +0xb (put_pid.part.0-4)"), f.getDetail());
        assertTrue(f.getDetail().contains("not at put_pid.part.0"), f.getDetail());
    }

    @Test
    void aShortJumpWithAnotherConditionIsAMismatch() throws Exception {
        FunctionVerdict f = mutated(0x8, 0x75); // je -> jne
        assertEquals(0x8, f.getFirstDifferenceOffset());
        assertTrue(f.getDetail().startsWith("instruction at +0x8 differs (not the same branch): expected 74 05, found 75 02"), f.getDetail());
    }

    @Test
    void aShortConditionalJumpToAnotherInstructionIsAMismatch() throws Exception {
        FunctionVerdict f = mutated(0x9, 0x03); // je +2 -> je +3: into the ret's padding, not the 'pre' target
        assertEquals(0x8, f.getFirstDifferenceOffset());
        assertTrue(f.getDetail().contains("branch at +0x8 (74 05) has another target"), f.getDetail());
    }

    @Test
    void aChangedByteAfterTheShortenedJumpIsAMismatchAtBothOffsets() throws Exception {
        FunctionVerdict f = mutated(0xc, 0x90); // the ret (return thunk site at 'pre' +0xf) becomes a nop
        assertEquals(0xf, f.getFirstDifferenceOffset());
        assertTrue(f.getDetail().contains("return site holds 90 cc cc cc cc") && f.getDetail().contains("(run +0xc)"), f.getDetail());
        assertEquals(0x90, RunPreMatcherTest.bytes(f.getFound())[0] & 0xff);
        assertEquals(0xe9, RunPreMatcherTest.bytes(f.getExpected())[0] & 0xff);
    }

    @Test
    void aNearJumpInTheRunToAnotherSymbolIsAMismatch() throws Exception {
        FunctionManifest f = putPid();
        HostCapture capture = amd64();
        byte[] short_ = capture.codeOf(f).bytes();
        long self = capture.codeOf(f).address();
        // jmp rel32 to put_pid itself instead of put_pid.part.0, then the ret: longer, same shape
        byte[] run = new byte[short_.length + 3];
        System.arraycopy(short_, 0, run, 0, 0xa);
        run[0xa] = (byte) 0xe9;
        CodeImage.write(run, 0xb, 4, self - (self + 0xf));
        System.arraycopy(short_, 0xc, run, 0xf, short_.length - 0xc);
        run[0x9] = 0x05;
        PreRunVerified v = matcher.match(List.of(f), with(capture, f, run));
        assertEquals(Verdict.MISMATCH, v.getVerdict(), v.getReason());
        assertTrue(v.getReason().contains("points at 0x" + Long.toHexString(self) + ", not at put_pid.part.0"), v.getReason());
    }
}
