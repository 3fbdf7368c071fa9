package io.khp.verifier.match;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.khp.verifier.match.Instruction.Branch;

/**
 * The length decoder on real kernel code: objects of the prepared Debian tree compiled as 'pre'
 * objects are (fixtures/kernel-objects), with binutils' objdump as the oracle of where each
 * instruction starts. Every instruction of every executable section must decode to objdump's
 * length, and each function's walk must end exactly at its section's end.
 */
class InstructionDecoderTest {

    static final Path OBJECTS = Path.of("target/kernel-objects");
    static final String[] NAMES = {"kernel/sys.o", "kernel/pid.o", "fs/seq_file.o", "mm/madvise.o", "net/core/dev.o",
        "kernel/sched/core.o", "arch/x86/kernel/process_64.o", "arch/x86/mm/tlb.o", "arch/x86/kernel/fpu/core.o",
        "lib/raid6/avx2.o", "lib/raid6/avx512.o", "arch/x86/lib/insn.o"};

    private static final Pattern SECTION = Pattern.compile("^Disassembly of section (\\S+):");
    private static final Pattern LINE = Pattern.compile("^\\s*([0-9a-f]+):\\t((?:[0-9a-f]{2} )*[0-9a-f]{2})\\s*(?:\\t(.*))?$");

    record Section(String name, byte[] code, List<Integer> starts, List<String> text) {
    }

    @BeforeAll
    static void compile() throws Exception {
        List<String> command = new ArrayList<>(List.of("../verifier-service/fixtures/kernel-objects", OBJECTS.toString()));
        command.addAll(List.of(NAMES));
        Process p = new ProcessBuilder(command).inheritIO().start();
        assertEquals(0, p.waitFor(), "fixtures/kernel-objects failed");
    }

    static List<Section> disassemble(Path object) throws Exception {
        Process p = new ProcessBuilder("objdump", "-d", "-w", "-z", object.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        List<Section> sections = new ArrayList<>();
        String name = null;
        ByteArrayOutputStream code = null;
        List<Integer> starts = null;
        List<String> text = null;
        for (String line : out.split("\n")) {
            Matcher s = SECTION.matcher(line);
            if (s.find()) {
                if (name != null) {
                    sections.add(new Section(name, code.toByteArray(), starts, text));
                }
                name = s.group(1);
                code = new ByteArrayOutputStream();
                starts = new ArrayList<>();
                text = new ArrayList<>();
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (name == null || !m.matches()) {
                continue;
            }
            assertEquals(code.size(), Integer.parseInt(m.group(1), 16), "objdump skipped bytes in " + name);
            if (m.group(3) != null) {
                starts.add(code.size());
                text.add(m.group(3));
            }
            for (String b : m.group(2).split(" ")) {
                code.write(Integer.parseInt(b, 16));
            }
        }
        if (name != null) {
            sections.add(new Section(name, code.toByteArray(), starts, text));
        }
        return sections;
    }

    @Test
    void everyInstructionOfRealKernelObjectsHasObjdumpsLength() throws Exception {
        int instructions = 0;
        int vex = 0;
        int evex = 0;
        int branches = 0;
        List<String> wrong = new ArrayList<>();
        for (String name : NAMES) {
            for (Section s : disassemble(OBJECTS.resolve(name))) {
                for (int i = 0; i < s.starts().size(); i++) {
                    int at = s.starts().get(i);
                    int end = i + 1 < s.starts().size() ? s.starts().get(i + 1) : s.code().length;
                    Instruction insn = InstructionDecoder.decode(s.code(), at, s.code().length);
                    instructions++;
                    if (insn == null || insn.length() != end - at) {
                        if (wrong.size() < 20) {
                            wrong.add(name + " " + s.name() + "+0x" + Integer.toHexString(at) + " " + s.text().get(i) + ": "
                                    + WildcardShapes.hex(s.code(), at, end - at) + " decoded as "
                                    + (insn == null ? "nothing" : insn.length() + " bytes"));
                        }
                        continue;
                    }
                    String mnemonic = s.text().get(i).trim();
                    vex += mnemonic.startsWith("v") && ((s.code()[at] & 0xff) == 0xc4 || (s.code()[at] & 0xff) == 0xc5) ? 1 : 0;
                    evex += (s.code()[at] & 0xff) == 0x62 ? 1 : 0;
                    if (insn.isBranch()) {
                        branches++;
                        assertTrue(mnemonic.startsWith("j") || mnemonic.startsWith("call") || mnemonic.startsWith("loop"),
                                name + " " + s.name() + "+0x" + Integer.toHexString(at) + ": " + mnemonic + " is no branch");
                        assertEquals(Long.parseLong(mnemonic.replaceAll("^\\S+\\s+([0-9a-f]+).*$", "$1"), 16),
                                at + insn.length() + insn.displacement(), mnemonic);
                    }
                }
            }
        }
        System.out.printf("decoded %d instructions of %d objects (%d branches, %d VEX, %d EVEX)%n",
                instructions, NAMES.length, branches, vex, evex);
        assertEquals(List.of(), wrong);
        assertTrue(instructions > 50_000, "only " + instructions + " instructions");
        assertTrue(vex > 100 && evex > 100, "the objects have vector code: " + vex + " VEX, " + evex + " EVEX");
    }

    @Test
    void everyFunctionSectionWalksToItsEnd() throws Exception {
        int functions = 0;
        for (String name : NAMES) {
            for (Section s : disassemble(OBJECTS.resolve(name))) {
                if (!s.name().startsWith(".text") || s.code().length == 0) {
                    continue;
                }
                PreInstructions units = PreInstructions.decode(s.code(), List.of());
                assertEquals(-1, units.undecodableAt, name + " " + s.name() + ": " + units.undecodableReason);
                assertEquals(s.starts().subList(0, units.count), asList(units.start, units.count), name + " " + s.name());
                functions++;
            }
        }
        assertTrue(functions > 1000, functions + " function sections");
    }

    private static List<Integer> asList(int[] a, int n) {
        List<Integer> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            l.add(a[i]);
        }
        return l;
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "0f",                   // escape without opcode
        "48",                   // REX alone
        "e8 00 00 00",          // call with a short displacement
        "0f 85 00 00",          // jcc rel32 cut
        "48 8b 05 00 00 00",    // rip-relative load cut in its displacement
        "c4 e2 7d",             // VEX without opcode
        "62 f1 7c 48",          // EVEX without opcode
        "06",                   // push %es: invalid in 64-bit mode
        "d4 0a",                // aam: invalid in 64-bit mode
        "0f 0b 0f 04",          // 0f 04: no such opcode (after a valid ud2 at 0: decoded from +2)
        "66 66 66 66 66 66 66 66 66 66 66 66 66 66 90"})    // 15 bytes of prefixes and a nop... is exactly the limit
    void undecodableOrTruncatedBytesAreNoInstruction(String hex) {
        byte[] b = bytes(hex);
        int from = hex.startsWith("0f 0b") ? 2 : 0;
        Instruction insn = InstructionDecoder.decode(b, from, b.length);
        if (hex.endsWith("90")) {
            assertNotNull(insn);
            assertEquals(15, insn.length());
            byte[] longer = bytes("66 " + hex);
            assertNull(InstructionDecoder.decode(longer, 0, longer.length), "16 bytes are no instruction");
            return;
        }
        assertNull(insn, hex);
    }

    @Test
    void branchesAreClassifiedWithTheirConditionAndDisplacement() {
        assertBranch("eb 10", Branch.JMP, 0, 2, 0x10);
        assertBranch("e9 f0 ff ff ff", Branch.JMP, 0, 5, -0x10);
        assertBranch("74 fe", Branch.JCC, 4, 2, -2);
        assertBranch("0f 84 00 01 00 00", Branch.JCC, 4, 6, 0x100);
        assertBranch("0f 8f 7f 00 00 00", Branch.JCC, 0xf, 6, 0x7f);
        assertBranch("e8 00 00 00 80", Branch.CALL, 0, 5, Integer.MIN_VALUE);
        assertBranch("e3 05", Branch.JRCXZ, 0, 2, 5);
        assertBranch("e2 fb", Branch.LOOP, 0, 2, -5);
        // a prefixed branch is compared as bytes, not as a branch
        Instruction hinted = InstructionDecoder.decode(bytes("3e 74 02"), 0, 3);
        assertEquals(3, hinted.length());
        assertEquals(Branch.NONE, hinted.branch());
        assertTrue(InstructionDecoder.decode(bytes("74 02"), 0, 2).sameBranchAs(InstructionDecoder.decode(bytes("0f 84 00 00 00 00"), 0, 6)));
        assertTrue(!InstructionDecoder.decode(bytes("74 02"), 0, 2).sameBranchAs(InstructionDecoder.decode(bytes("0f 85 00 00 00 00"), 0, 6)));
        assertTrue(!InstructionDecoder.decode(bytes("eb 02"), 0, 2).sameBranchAs(InstructionDecoder.decode(bytes("e8 00 00 00 00"), 0, 5)));
    }

    private static void assertBranch(String hex, Branch branch, int condition, int length, long displacement) {
        byte[] b = bytes(hex);
        Instruction insn = InstructionDecoder.decode(b, 0, b.length);
        assertEquals(new Instruction(length, branch, condition, displacement), insn, hex);
    }

    static byte[] bytes(String hex) {
        String[] parts = hex.trim().split("\\s+");
        byte[] b = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            b[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return b;
    }
}
