package io.khp.verifier.match;

import static io.khp.events.RelocationType.R_X86_64_32S;
import static io.khp.events.RelocationType.R_X86_64_64;
import static io.khp.events.RelocationType.R_X86_64_PC32;
import static io.khp.events.RelocationType.R_X86_64_PLT32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.khp.events.FunctionVerdict;
import io.khp.events.PreRunVerified;
import io.khp.events.ResolvedSymbol;
import io.khp.events.Verdict;
import io.khp.events.WildcardKind;

/**
 * The matcher on x86-64 code shaped like gcc-12 output for the Debian kernel: a function with an
 * fentry call, rip-relative loads, calls, a locked increment, absolute addresses, a retpoline, a
 * jump label, an alternative and a return thunk.
 */
class RunPreMatcherTest {

    static final long BASE = 0xffffffff9a3c1d50L;
    static final Map<String, Long> KERNEL = Map.of(
            "__fentry__", 0xffffffff9a0a3c40L,
            "saved_command_line", 0xffffffff9b8a3e48L,
            "seq_puts", 0xffffffff9a3a7e10L,
            "proc_counter", 0xffffffff9b8b0010L,
            "proc_table", 0xffffffff9b2c5a80L,
            "proc_ops_table", 0xffffffff9b2c6000L,
            "__x86_indirect_thunk_rax", 0xffffffff9ae03000L,
            "__x86_return_thunk", 0xffffffff9ae03c80L);

    final RunPreMatcher matcher = new RunPreMatcher();

    /** Offsets of the interesting sites of {@link #realistic()}. */
    int fentry, lockPrefix, retpoline, jumpLabel, alternative, returnThunk, seqPutsField, counterField;

    CodeImage realistic() {
        CodeImage c = new CodeImage();
        fentry = c.offset();
        c.wildcard(WildcardKind.FENTRY, 5).bytes(0xe8).field(R_X86_64_PLT32, "__fentry__", -4); // call __fentry__
        c.bytes(0x55);                                                                        // push %rbp
        c.bytes(0x48, 0x8b, 0x35).field(R_X86_64_PC32, "saved_command_line", -4);             // mov saved_command_line(%rip),%rsi
        c.bytes(0x48, 0x89, 0xe5);                                                            // mov %rsp,%rbp
        c.bytes(0xe8);                                                                        // call seq_puts
        seqPutsField = c.offset();
        c.field(R_X86_64_PLT32, "seq_puts", -4);
        lockPrefix = c.offset();
        c.wildcard(WildcardKind.SMP_LOCK, 1).bytes(0xf0).bytes(0xff, 0x05);                   // lock incl proc_counter(%rip)
        counterField = c.offset();
        c.field(R_X86_64_PC32, "proc_counter", -4);
        c.bytes(0x48, 0xc7, 0xc7).field(R_X86_64_32S, "proc_table", 0x40);                    // mov $proc_table+0x40,%rdi
        c.bytes(0x48, 0xb8).field(R_X86_64_64, "proc_ops_table", 0);                          // movabs $proc_ops_table,%rax
        retpoline = c.offset();
        c.wildcard(WildcardKind.RETPOLINE, 5).bytes(0xe8).field(R_X86_64_PLT32, "__x86_indirect_thunk_rax", -4);
        jumpLabel = c.offset();
        c.wildcard(WildcardKind.JUMP_LABEL, 5).bytes(0x0f, 0x1f, 0x44, 0x00, 0x00);           // static_branch nop
        alternative = c.offset();
        c.wildcard(WildcardKind.ALTERNATIVE, 5).bytes(0xb9, 0x27, 0x00, 0x00, 0x00);          // mov $PGDIR_SHIFT(39),%ecx
        c.bytes(0x31, 0xc0);                                                                  // xor %eax,%eax
        c.bytes(0x5d);                                                                        // pop %rbp
        returnThunk = c.offset();
        c.wildcard(WildcardKind.RETURN_THUNK, 5).bytes(0xe9).field(R_X86_64_PLT32, "__x86_return_thunk", -4);
        c.bytes(0xcc);
        return c;
    }

    /** The same code after boot on a single-CPU qemu guest: the rewrites KERNEL.md measured. */
    byte[] booted(CodeImage c) {
        byte[] run = c.link(BASE, KERNEL);
        CodeImage.put(run, fentry, 0x0f, 0x1f, 0x44, 0x00, 0x00);      // ftrace: fentry call -> nop5
        CodeImage.put(run, lockPrefix, 0x3e);                         // UP: lock -> ds
        CodeImage.put(run, retpoline, 0xff, 0xd0, 0x0f, 0x1f, 0x00);  // retpoline -> call *%rax; nop3
        CodeImage.put(run, jumpLabel, 0xe9, 0x10, 0x00, 0x00, 0x00);  // static key enabled -> jmp
        CodeImage.put(run, alternative, 0xb9, 0x30, 0x00, 0x00, 0x00); // 5-level paging: PGDIR_SHIFT 48
        CodeImage.put(run, returnThunk, 0xc3, 0xcc, 0xcc, 0xcc, 0xcc); // no rethunk: ret; int3 padding
        return run;
    }

    static HostCapture capture(byte[] run, Map<String, long[]> symbols) {
        return new HostCapture(List.of(CapturedCode.at("vmlinux", "demo_show", BASE, run)), symbols, null);
    }

    static Map<String, long[]> kallsyms() {
        Map<String, long[]> m = new HashMap<>();
        KERNEL.forEach((k, v) -> m.put(k, new long[] {v}));
        return m;
    }

    static byte[] bytes(ByteBuffer b) {
        return FunctionManifest.bytes(b);
    }

    @Test
    void bootedCodeMatchesAndResolvesEveryCheckedSymbol() throws Exception {
        CodeImage c = realistic();
        PreRunVerified v = matcher.match(List.of(c.manifest("demo_show")), capture(booted(c), kallsyms()));
        assertEquals(Verdict.MATCH, v.getVerdict(), v.getReason());
        assertEquals(Verdict.MATCH, v.getFunctions().get(0).getVerdict());
        assertEquals(BASE, v.getFunctions().get(0).getAddress());
        Map<String, Long> resolved = new HashMap<>();
        for (ResolvedSymbol s : v.getResolvedSymbols()) {
            resolved.put(s.getSymbol(), s.getAddress());
            assertEquals(0, s.getSympos());
        }
        // relocations inside wildcards (fentry, retpoline, return thunk) are not resolved: the kernel rewrote them
        assertEquals(Map.of("saved_command_line", KERNEL.get("saved_command_line"), "seq_puts", KERNEL.get("seq_puts"),
                "proc_counter", KERNEL.get("proc_counter"), "proc_table", KERNEL.get("proc_table"),
                "proc_ops_table", KERNEL.get("proc_ops_table")), resolved);
    }

    @Test
    void codeAsLinkedBeforeAnyRewriteAlsoMatches() throws Exception {
        CodeImage c = realistic();
        PreRunVerified v = matcher.match(List.of(c.manifest("demo_show")), capture(c.link(BASE, KERNEL), kallsyms()));
        assertEquals(Verdict.MATCH, v.getVerdict(), v.getReason());
    }

    @Test
    void aChangedInstructionIsAMismatchAtItsOffset() throws Exception {
        CodeImage c = realistic();
        byte[] run = booted(c);
        int at = c.pre().length - 9; // the xor %eax,%eax: make it xor %ecx,%ecx
        assertEquals((byte) 0x31, run[at]);
        run[at + 1] = (byte) 0xc9;
        PreRunVerified v = matcher.match(List.of(c.manifest("demo_show")), capture(run, kallsyms()));
        assertEquals(Verdict.MISMATCH, v.getVerdict());
        FunctionVerdict f = v.getFunctions().get(0);
        assertEquals(at, f.getFirstDifferenceOffset());
        assertEquals(0xc0, bytes(f.getExpected())[1] & 0xff);
        assertEquals(0xc9, bytes(f.getFound())[1] & 0xff);
        assertTrue(f.getDetail().startsWith("instruction at +0x" + Integer.toHexString(at) + " differs: expected 31 c0, found 31 c9"),
                f.getDetail());
        assertTrue(v.getReason().startsWith("vmlinux:demo_show: "), v.getReason());
    }

    @Test
    void theEarliestProblemIsReported() throws Exception {
        CodeImage c = realistic();
        byte[] run = booted(c);
        run[c.pre().length - 1] = (byte) 0x90;                       // late byte difference
        CodeImage.write(run, counterField, 4, 0x1234);               // earlier relocation problem
        FunctionVerdict f = matcher.match(List.of(c.manifest("demo_show")), capture(run, kallsyms())).getFunctions().get(0);
        assertEquals(counterField, f.getFirstDifferenceOffset());
    }

    @Test
    void aRelocationPointingAtAnotherSymbolIsAMismatchNamingIt() throws Exception {
        CodeImage c = realistic();
        Map<String, Long> wrong = new HashMap<>(KERNEL);
        wrong.put("seq_puts", KERNEL.get("saved_command_line")); // the call now goes to another symbol
        byte[] run = c.link(BASE, wrong);
        PreRunVerified v = matcher.match(List.of(c.manifest("demo_show")), capture(run, kallsyms()));
        assertEquals(Verdict.MISMATCH, v.getVerdict());
        FunctionVerdict f = v.getFunctions().get(0);
        assertEquals(seqPutsField, f.getFirstDifferenceOffset());
        assertTrue(f.getDetail().contains("R_X86_64_PLT32 field at +0x" + Integer.toHexString(seqPutsField) + " (seq_puts-4)"), f.getDetail());
        assertTrue(f.getDetail().contains("= saved_command_line"), f.getDetail());
        assertTrue(f.getDetail().contains("not at seq_puts (kallsyms: 0x" + Long.toHexString(KERNEL.get("seq_puts"))), f.getDetail());
    }

    @Test
    void aSymbolThatKallsymsDoesNotListIsAMismatch() throws Exception {
        CodeImage c = realistic();
        Map<String, long[]> symbols = kallsyms();
        symbols.remove("proc_counter");
        FunctionVerdict f = matcher.match(List.of(c.manifest("demo_show")), capture(booted(c), symbols)).getFunctions().get(0);
        assertEquals(Verdict.MISMATCH, f.getVerdict());
        assertEquals(counterField, f.getFirstDifferenceOffset());
        assertTrue(f.getDetail().endsWith("kallsyms has no proc_counter"), f.getDetail());
    }

    @Test
    void aRelocationAddendIsHonoured() throws Exception {
        // the 32S field holds proc_table+0x40; an addend of 0 in the manifest would make it point elsewhere
        CodeImage c = realistic();
        byte[] run = booted(c);
        List<Relocation> changed = c.relocations().stream()
                .map(r -> r.symbol().equals("proc_table") ? new Relocation(r.offset(), r.type(), r.symbol(), 0, false) : r)
                .toList();
        FunctionManifest m = new FunctionManifest("vmlinux", "demo_show", 0, null, c.pre(), changed, c.wildcards());
        assertEquals(Verdict.MISMATCH, matcher.match(List.of(m), capture(run, kallsyms())).getVerdict());
    }

    @Test
    void aFieldPointingIntoASectionIsSkippedNotChecked() throws Exception {
        // mov $.LC0,%rsi: a string literal of .rodata.str1.1, which kallsyms cannot name
        CodeImage c = new CodeImage()
                .wildcard(WildcardKind.FENTRY, 5).bytes(0xe8).field(R_X86_64_PLT32, "__fentry__", -4)
                .bytes(0x48, 0xc7, 0xc6).localField(R_X86_64_32S, ".rodata.str1.1", 0x2a)
                .bytes(0xe8).field(R_X86_64_PLT32, "seq_puts", -4)
                .bytes(0x31, 0xc0, 0xc3);
        Map<String, Long> linked = new HashMap<>(KERNEL);
        linked.put(".rodata.str1.1", 0xffffffff9b2f0000L);
        FunctionManifest m = c.manifest("demo_show");
        assertEquals(1, m.sectionRelocations());
        assertEquals(c.pre().length - 5 - 4 - 4, m.comparedBytes());
        PreRunVerified v = matcher.match(List.of(m), capture(c.link(BASE, linked), kallsyms()));
        assertEquals(Verdict.MATCH, v.getVerdict(), v.getReason());
        assertEquals(List.of("seq_puts"), v.getResolvedSymbols().stream().map(ResolvedSymbol::getSymbol).toList());
    }

    // ------------------------------------------------------------ sympos and consistency

    /** Two functions of one file both referencing a static with three same-name candidates. */
    CodeImage usesLocal(String symbol) {
        CodeImage c = new CodeImage();
        c.wildcard(WildcardKind.FENTRY, 5).bytes(0xe8).field(R_X86_64_PLT32, "__fentry__", -4);
        c.bytes(0x48, 0x8b, 0x05).localField(R_X86_64_PC32, symbol, -4);   // mov cache(%rip),%rax
        c.bytes(0x48, 0x8b, 0x15).localField(R_X86_64_PC32, symbol, 4);    // mov cache+8(%rip),%rdx
        c.wildcard(WildcardKind.RETURN_THUNK, 5).bytes(0xe9).field(R_X86_64_PLT32, "__x86_return_thunk", -4);
        return c;
    }

    static final long[] CACHE = {0xffffffff9b800100L, 0xffffffff9b800200L, 0xffffffff9b800300L};

    @Test
    void aDuplicateLocalNameGetsTheSymposOfTheCandidateItResolvesTo() throws Exception {
        CodeImage c = usesLocal("cache");
        Map<String, Long> linked = new HashMap<>(KERNEL);
        linked.put("cache", CACHE[1]);
        Map<String, long[]> symbols = kallsyms();
        symbols.put("cache", CACHE);
        PreRunVerified v = matcher.match(List.of(c.manifest("vmlinux", "demo_show", "fs/proc/demo.c")),
                capture(c.link(BASE, linked), symbols));
        assertEquals(Verdict.MATCH, v.getVerdict(), v.getReason());
        ResolvedSymbol cache = v.getResolvedSymbols().stream().filter(s -> s.getSymbol().equals("cache")).findFirst().orElseThrow();
        assertEquals(2, cache.getSympos());
        assertEquals(CACHE[1], cache.getAddress());
    }

    @Test
    void twoSitesOfOneSymbolDisagreeingInOneFunctionIsAMismatch() throws Exception {
        CodeImage c = usesLocal("cache");
        Map<String, Long> linked = new HashMap<>(KERNEL);
        linked.put("cache", CACHE[0]);
        byte[] run = c.link(BASE, linked);
        int second = c.relocations().get(2).offset();
        // the second load now reads candidate 3: each site alone is a kallsyms address of 'cache'
        CodeImage.write(run, second, 4, RelocationArithmetic.fieldValue(R_X86_64_PC32, CACHE[2], BASE, second, 4));
        Map<String, long[]> symbols = kallsyms();
        symbols.put("cache", CACHE);
        FunctionVerdict f = matcher.match(List.of(c.manifest("vmlinux", "demo_show", "fs/proc/demo.c")),
                capture(run, symbols)).getFunctions().get(0);
        assertEquals(Verdict.MISMATCH, f.getVerdict());
        assertEquals(second, f.getFirstDifferenceOffset());
        assertTrue(f.getDetail().contains("(sympos 3) but demo_show+0x8 resolves it to 0x" + Long.toHexString(CACHE[0]) + " (sympos 1)"),
                f.getDetail());
    }

    @Test
    void twoFunctionsOfOneFileDisagreeingOnAStaticIsAMismatch() throws Exception {
        CodeImage a = usesLocal("cache");
        CodeImage b = usesLocal("cache");
        long baseB = BASE + 0x400;
        Map<String, Long> first = new HashMap<>(KERNEL);
        first.put("cache", CACHE[0]);
        Map<String, Long> other = new HashMap<>(KERNEL);
        other.put("cache", CACHE[1]);
        Map<String, long[]> symbols = kallsyms();
        symbols.put("cache", CACHE);
        HostCapture capture = new HostCapture(List.of(
                CapturedCode.at("vmlinux", "demo_show", BASE, a.link(BASE, first)),
                CapturedCode.at("vmlinux", "demo_open", baseB, b.link(baseB, other))), symbols, null);
        PreRunVerified v = matcher.match(List.of(a.manifest("vmlinux", "demo_show", "fs/proc/demo.c"),
                b.manifest("vmlinux", "demo_open", "fs/proc/demo.c")), capture);
        assertEquals(Verdict.MISMATCH, v.getVerdict());
        assertEquals(Verdict.MATCH, v.getFunctions().get(0).getVerdict());
        assertEquals(Verdict.MISMATCH, v.getFunctions().get(1).getVerdict());
        assertTrue(v.getReason().startsWith("vmlinux:demo_open: "), v.getReason());
        assertTrue(v.getReason().contains("but demo_show+0x8 resolves it"), v.getReason());

        // statics of one name in two different files are two symbols: both resolve, with their own sympos
        PreRunVerified separate = matcher.match(List.of(a.manifest("vmlinux", "demo_show", "fs/proc/demo.c"),
                b.manifest("vmlinux", "demo_open", "fs/proc/other.c")), capture);
        assertEquals(Verdict.MATCH, separate.getVerdict(), separate.getReason());
        assertEquals(List.of(1, 2), separate.getResolvedSymbols().stream().filter(s -> s.getSymbol().equals("cache"))
                .map(ResolvedSymbol::getSympos).toList());
    }

    @Test
    void aGlobalSymbolMustResolveToOneAddressAcrossFunctions() throws Exception {
        // 'seq_puts' appears twice in kallsyms (a global and a same-name static elsewhere): two functions
        // resolving it to different candidates disagree
        CodeImage a = realistic();
        CodeImage b = realistic();
        long baseB = BASE + 0x800;
        long otherSeqPuts = 0xffffffff9a500000L;
        Map<String, Long> other = new HashMap<>(KERNEL);
        other.put("seq_puts", otherSeqPuts);
        Map<String, long[]> symbols = kallsyms();
        symbols.put("seq_puts", new long[] {KERNEL.get("seq_puts"), otherSeqPuts});
        HostCapture capture = new HostCapture(List.of(
                CapturedCode.at("vmlinux", "demo_show", BASE, a.link(BASE, KERNEL)),
                CapturedCode.at("vmlinux", "demo_open", baseB, b.link(baseB, other))), symbols, null);
        PreRunVerified v = matcher.match(List.of(a.manifest("demo_show"), b.manifest("demo_open")), capture);
        assertEquals(Verdict.MISMATCH, v.getVerdict());
        assertEquals(seqPutsField, v.getFunctions().get(1).getFirstDifferenceOffset());
    }

    // ------------------------------------------------------------ unsupported

    @Test
    void aFunctionTheKernelDoesNotHaveIsUnsupported() throws Exception {
        CodeImage c = realistic();
        HostCapture capture = new HostCapture(List.of(CapturedCode.missing("vmlinux", "demo_show")), kallsyms(), null);
        PreRunVerified v = matcher.match(List.of(c.manifest("demo_show")), capture);
        assertEquals(Verdict.UNSUPPORTED, v.getVerdict());
        assertEquals("vmlinux:demo_show: function not found in the running kernel", v.getReason());
        assertNull(v.getFunctions().get(0).getAddress());
    }

    @Test
    void aFunctionTheHostDidNotCaptureIsUnsupported() throws Exception {
        CodeImage c = realistic();
        HostCapture capture = new HostCapture(List.of(CapturedCode.at("vmlinux", "other", BASE, booted(c))), kallsyms(), null);
        assertEquals(Verdict.UNSUPPORTED, matcher.match(List.of(c.manifest("demo_show")), capture).getVerdict());
    }

    @Test
    void fewerBytesThanTheManifestIsUnsupported() throws Exception {
        CodeImage c = realistic();
        byte[] run = booted(c);
        byte[] shorter = java.util.Arrays.copyOf(run, run.length - 1);
        PreRunVerified v = matcher.match(List.of(c.manifest("demo_show")), capture(shorter, kallsyms()));
        assertEquals(Verdict.UNSUPPORTED, v.getVerdict());
        assertTrue(v.getReason().contains("captured " + shorter.length + " bytes, the manifest has " + run.length), v.getReason());
    }

    @Test
    void moreBytesThanTheManifestAreIgnored() throws Exception {
        CodeImage c = realistic();
        byte[] run = java.util.Arrays.copyOf(booted(c), c.pre().length + 32);
        assertEquals(Verdict.MATCH, matcher.match(List.of(c.manifest("demo_show")), capture(run, kallsyms())).getVerdict());
    }

    @Test
    void aCaptureRefusedByLockdownIsUnsupported() throws Exception {
        CodeImage c = realistic();
        PreRunVerified v = matcher.match(List.of(c.manifest("demo_show")),
                HostCapture.refused("EPERM: /proc/kcore: lockdown=confidentiality"));
        assertEquals(Verdict.UNSUPPORTED, v.getVerdict());
        assertTrue(v.getReason().contains("lockdown=confidentiality"));
    }

    @Test
    void aMismatchOutweighsAnUnsupportedFunction() throws Exception {
        CodeImage a = realistic();
        CodeImage b = realistic();
        byte[] run = booted(a);
        run[5] = 0x53; // push %rbx instead of push %rbp
        HostCapture capture = new HostCapture(List.of(CapturedCode.missing("vmlinux", "demo_open"),
                CapturedCode.at("vmlinux", "demo_show", BASE, run)), kallsyms(), null);
        PreRunVerified v = matcher.match(List.of(b.manifest("demo_open"), a.manifest("demo_show")), capture);
        assertEquals(Verdict.MISMATCH, v.getVerdict());
        assertEquals(Verdict.UNSUPPORTED, v.getFunctions().get(0).getVerdict());
        assertEquals(5, v.getFunctions().get(1).getFirstDifferenceOffset());
    }

    @Test
    void theCapturedSymposSelectsAmongSameNameFunctions() throws Exception {
        CodeImage c = realistic();
        byte[] good = booted(c);
        byte[] other = booted(c);
        other[5] = 0x53;
        FunctionManifest second = new FunctionManifest("vmlinux", "demo_show", 2, null, c.pre(), c.relocations(), c.wildcards());
        HostCapture capture = new HostCapture(List.of(
                new CapturedCode("vmlinux", "demo_show", 1, true, BASE, other),
                new CapturedCode("vmlinux", "demo_show", 2, true, BASE, good)), kallsyms(), null);
        assertEquals(Verdict.MATCH, matcher.match(List.of(second), capture).getVerdict());
    }

    // ------------------------------------------------------------ manifest validation

    @Test
    void manifestsWithSitesOutsideTheBytesOrOverlappingFieldsAreRefused() {
        byte[] pre = {(byte) 0xe8, 0, 0, 0, 0, (byte) 0xc3};
        assertThrows(InvalidManifestException.class, () -> new FunctionManifest("vmlinux", "f", 0, null, pre,
                List.of(new Relocation(3, R_X86_64_PC32, "x", -4, false)), List.of()));
        assertThrows(InvalidManifestException.class, () -> new FunctionManifest("vmlinux", "f", 0, null, pre,
                List.of(new Relocation(1, R_X86_64_PC32, "x", -4, false), new Relocation(2, R_X86_64_PC32, "y", -4, false)), List.of()));
        assertThrows(InvalidManifestException.class, () -> new FunctionManifest("vmlinux", "f", 0, null, pre,
                List.of(new Relocation(1, io.khp.events.RelocationType.UNKNOWN, "x", -4, false)), List.of()));
        assertThrows(InvalidManifestException.class, () -> new FunctionManifest("vmlinux", "f", 0, null, pre,
                List.of(), List.of(new Wildcard(4, 5, WildcardKind.FENTRY))));
        assertThrows(InvalidManifestException.class, () -> new FunctionManifest("vmlinux", "f", 0, null, new byte[0],
                List.of(), List.of()));
        InvalidManifestException e = assertThrows(InvalidManifestException.class, () -> new FunctionManifest("vmlinux", "f", 0, null, pre,
                List.of(new Relocation(-1, R_X86_64_PC32, "x", -4, false)), List.of()));
        assertNotNull(e.getMessage());
    }

    @Test
    void relocationsInsideWildcardsAreNotChecked() throws Exception {
        CodeImage c = realistic();
        FunctionManifest m = c.manifest("demo_show");
        assertTrue(m.relocations().stream().noneMatch(r -> r.symbol().equals("__fentry__")
                || r.symbol().equals("__x86_return_thunk") || r.symbol().equals("__x86_indirect_thunk_rax")));
        assertEquals(5, m.relocations().size());
        // bytes compared = everything but 5 relocation fields (4+4+4+4+8) and 6 wildcards (5+1+5+5+5+5)
        assertEquals(c.pre().length - 24 - 26, m.comparedBytes());
    }
}
