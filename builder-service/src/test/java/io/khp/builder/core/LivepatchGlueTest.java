package io.khp.builder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class LivepatchGlueTest {

    private static final List<LivepatchGlue.Function> FUNCS = List.of(
            new LivepatchGlue.Function("ext4", "ext4_foo", 0, "khp_new_ext4_foo"),
            new LivepatchGlue.Function("vmlinux", "cmdline_proc_show", 0, "khp_new_cmdline_proc_show"),
            new LivepatchGlue.Function("vmlinux", "dup", 2, "khp_new_dup"));

    @Test
    void oneObjectPerTargetVmlinuxFirstWithSymposAndReplace() {
        LivepatchGlue.Sources s = LivepatchGlue.generate("khp_fix", "fix \"quotes\"", true, FUNCS, List.of("khp_part0", "khp_part1"));
        String c = s.glueC();
        assertTrue(c.contains("extern void khp_new_ext4_foo(void);"));
        int vmlinux = c.indexOf(".name = NULL");
        int ext4 = c.indexOf(".name = \"ext4\"");
        assertTrue(vmlinux > 0 && ext4 > vmlinux, c);
        assertTrue(c.contains(".old_name = \"dup\",\n\t\t.new_func = khp_new_dup,\n\t\t.old_sympos = 2,"), c);
        assertTrue(c.contains(".replace = true"));
        assertTrue(c.contains("MODULE_INFO(livepatch, \"Y\");"));
        assertTrue(c.contains("MODULE_DESCRIPTION(\"fix \\\"quotes\\\"\");"), c);
        assertEquals("obj-m := khp_fix.o\nkhp_fix-y := khp_glue.o khp_part0.o khp_part1.o\n", s.kbuild());
        // the funcs array of vmlinux holds both vmlinux functions
        String vmlinuxFuncs = c.substring(c.indexOf("khp_funcs_0[]"), c.indexOf("khp_funcs_1[]"));
        assertTrue(vmlinuxFuncs.contains("cmdline_proc_show") && vmlinuxFuncs.contains("\"dup\"") && !vmlinuxFuncs.contains("ext4_foo"));
    }

    @Test
    void withoutReplaceAndRefusingBadNames() {
        String c = LivepatchGlue.generate("khp_a", null, false, FUNCS.subList(1, 2), List.of("p")).glueC();
        assertTrue(c.contains(".replace = false"));
        assertTrue(!c.contains("MODULE_DESCRIPTION"));
        assertThrows(IllegalArgumentException.class, () -> LivepatchGlue.generate("Bad-Name", null, false, FUNCS, List.of()));
        assertThrows(IllegalArgumentException.class, () -> LivepatchGlue.generate("khp_a", null, false,
                List.of(new LivepatchGlue.Function("vmlinux", "f", 0, "x; evil()")), List.of()));
        assertThrows(IllegalArgumentException.class, () -> LivepatchGlue.generate("khp_a", null, false, List.of(), List.of()));
    }

    @Test
    void cStringEscapesEverythingUnusual() {
        assertEquals("\"a\\\\b\\012\\303\\251\\077\"", LivepatchGlue.cString("a\\b\né?"));
    }

    @Test
    void moduleNames() {
        assertEquals("khp_cve_2024_1234_fix_proc", ModuleNames.forPatch("CVE-2024-1234: fix /proc!"));
        assertEquals("khp_patch", ModuleNames.forPatch("***"));
        String longName = ModuleNames.forPatch("x".repeat(100));
        assertEquals(55, longName.length());
        assertTrue(ModuleNames.isValid(longName));
        assertTrue(!ModuleNames.isValid("khp-a"));
    }
}
