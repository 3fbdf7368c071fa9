package io.khp.verifier.match;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** Each relocation type, in an instruction that carries it in kernel code, decoded from run bytes. */
class RelocationTypesTest {

    static final long BASE = 0xffffffffc0a1b000L;        // a module address
    static final long TARGET = 0xffffffff9b8a3e48L;      // a vmlinux data symbol
    static final long ELSEWHERE = 0xffffffff9b8a3f00L;   // another symbol nearby
    static final long PERCPU = 0x000000000001fbc0L;      // a per-cpu symbol: kallsyms shows its offset

    static Stream<Arguments> types() {
        return Stream.of(
                // type, opcode bytes before the field, bytes after it, addend, target, what it is
                Arguments.of(RelocationType.R_X86_64_PC32, new int[] {0x48, 0x8b, 0x05}, new int[] {}, -4L, TARGET,
                        "mov sym(%rip),%rax"),
                Arguments.of(RelocationType.R_X86_64_PC32, new int[] {0xc7, 0x05}, new int[] {0x01, 0, 0, 0}, -8L, TARGET,
                        "movl $1,sym(%rip): the immediate follows the field"),
                Arguments.of(RelocationType.R_X86_64_PLT32, new int[] {0xe8}, new int[] {}, -4L, TARGET, "call sym"),
                Arguments.of(RelocationType.R_X86_64_32S, new int[] {0x48, 0xc7, 0xc7}, new int[] {}, 0x40L, TARGET,
                        "mov $sym+0x40,%rdi"),
                Arguments.of(RelocationType.R_X86_64_32S, new int[] {0x65, 0x48, 0x8b, 0x04, 0x25}, new int[] {}, 0L, PERCPU,
                        "mov %gs:sym,%rax"),
                Arguments.of(RelocationType.R_X86_64_32, new int[] {0xbf}, new int[] {}, 0L, PERCPU, "mov $sym,%edi"),
                Arguments.of(RelocationType.R_X86_64_64, new int[] {0x48, 0xb8}, new int[] {}, 0L, TARGET, "movabs $sym,%rax"),
                Arguments.of(RelocationType.R_X86_64_PC64, new int[] {0x48, 0xb8}, new int[] {}, 0L, TARGET,
                        "movabs $sym - .,%rax"),
                Arguments.of(RelocationType.R_X86_64_GOTPCREL, new int[] {0x48, 0x8d, 0x05}, new int[] {}, -4L, TARGET,
                        "lea sym(%rip),%rax (GOT load relaxed by the linker)"),
                Arguments.of(RelocationType.R_X86_64_GOTPCRELX, new int[] {0x48, 0x8d, 0x05}, new int[] {}, -4L, TARGET,
                        "lea sym(%rip),%rax (GOT load relaxed by the linker)"),
                Arguments.of(RelocationType.R_X86_64_REX_GOTPCRELX, new int[] {0x48, 0x8d, 0x05}, new int[] {}, -4L, TARGET,
                        "lea sym(%rip),%rax (GOT load relaxed by the linker)"));
    }

    static CodeImage code(RelocationType type, int[] before, int[] after, long addend) {
        return new CodeImage()
                .bytes(0x55)
                .bytes(before).field(type, "sym", addend).bytes(after)
                .bytes(0x5d, 0xc3);
    }

    static PreRunVerified match(CodeImage c, byte[] run, long symAddress) throws Exception {
        HostCapture capture = new HostCapture(List.of(CapturedCode.at("vmlinux", "f", BASE, run)),
                Map.of("sym", new long[] {symAddress}, "other", new long[] {ELSEWHERE}), null);
        return new RunPreMatcher().match(List.of(c.manifest("f")), capture);
    }

    @ParameterizedTest(name = "{0}: {5}")
    @MethodSource("types")
    void theFieldResolvesToTheSymbol(RelocationType type, int[] before, int[] after, long addend, long target, String what)
            throws Exception {
        CodeImage c = code(type, before, after, addend);
        byte[] run = c.link(BASE, Map.of("sym", target));
        PreRunVerified v = match(c, run, target);
        assertEquals(Verdict.MATCH, v.getVerdict(), v.getReason());
        assertEquals(target, v.getResolvedSymbols().get(0).getAddress());
        // the arithmetic, stated independently for the two families
        int offset = c.relocations().get(0).offset();
        long field = RelocationArithmetic.width(type) == 8 ? RelocationArithmetic.readLong(run, offset)
                : type == RelocationType.R_X86_64_32 ? RelocationArithmetic.readInt(run, offset) & 0xffff_ffffL
                : RelocationArithmetic.readInt(run, offset);
        boolean pcRelative = type != RelocationType.R_X86_64_32 && type != RelocationType.R_X86_64_32S
                && type != RelocationType.R_X86_64_64;
        assertEquals(target, pcRelative ? BASE + offset + field - addend : field - addend);
    }

    @ParameterizedTest(name = "{0}: {5}")
    @MethodSource("types")
    void aFieldEncodingAnotherAddressIsAMismatch(RelocationType type, int[] before, int[] after, long addend, long target,
            String what) throws Exception {
        CodeImage c = code(type, before, after, addend);
        long wrong = target == PERCPU ? PERCPU + 8 : ELSEWHERE;
        byte[] run = c.link(BASE, Map.of("sym", wrong));
        PreRunVerified v = match(c, run, target);
        assertEquals(Verdict.MISMATCH, v.getVerdict());
        FunctionVerdict f = v.getFunctions().get(0);
        assertEquals(c.relocations().get(0).offset(), f.getFirstDifferenceOffset());
        assertTrue(f.getDetail().contains("points at 0x" + Long.toHexString(wrong)), f.getDetail());
        if (wrong == ELSEWHERE) {
            assertTrue(f.getDetail().contains("= other"), f.getDetail());
        }
    }
}
