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
    void callbacksGoToTheirObjectEvenWithoutFunctions() {
        List<LivepatchGlue.Callback> callbacks = List.of(
                new LivepatchGlue.Callback("vmlinux", "post_patch", "khp_callback_vmlinux_post_patch"),
                new LivepatchGlue.Callback("nvram", "pre_patch", "khp_callback_nvram_pre_patch"));
        String c = LivepatchGlue.generate("khp_cb", null, false, FUNCS.subList(1, 2), callbacks, List.of("p")).glueC();
        assertTrue(c.contains("extern void khp_callback_vmlinux_post_patch(struct klp_object *obj);"), c);
        assertTrue(c.contains("extern int khp_callback_nvram_pre_patch(struct klp_object *obj);"), c);
        String vmlinux = c.substring(c.indexOf(".name = NULL"), c.indexOf(".name = \"nvram\""));
        assertTrue(vmlinux.contains(".callbacks = {\n\t\t\t.post_patch = khp_callback_vmlinux_post_patch,\n\t\t},"), c);
        String nvram = c.substring(c.indexOf(".name = \"nvram\""));
        // an object with a callback and no function still gets its klp_object
        assertTrue(nvram.contains(".funcs = khp_funcs_1,") && nvram.contains(".pre_patch = khp_callback_nvram_pre_patch,"), c);
        assertTrue(c.contains("static struct klp_func khp_funcs_1[] = {\n\t{ }\n};"), c);
        assertThrows(IllegalArgumentException.class, () -> LivepatchGlue.generate("khp_cb", null, false, FUNCS,
                List.of(new LivepatchGlue.Callback("vmlinux", "on_load", "x")), List.of()));
    }

    @Test
    void twoCallbacksOfOneKindForOneObjectConflict() throws Exception {
        ObjectDiffReport a = report("vmlinux", new ObjectDiffReport.Callback("pre_patch", "a_cb", "khp_callback_vmlinux_pre_patch"));
        ObjectDiffReport b = report("vmlinux", new ObjectDiffReport.Callback("pre_patch", "b_cb", "khp_callback_vmlinux_pre_patch"));
        ObjectDiffReport m = report("nvram", new ObjectDiffReport.Callback("pre_patch", "m_cb", "khp_callback_nvram_pre_patch"));
        assertEquals(2, LivepatchGlue.callbacks(List.of(a, m)).size());
        LivepatchGlue.CallbackConflictException e = assertThrows(LivepatchGlue.CallbackConflictException.class,
                () -> LivepatchGlue.callbacks(List.of(a, m, b)));
        assertTrue(e.getMessage().contains("a_cb and b_cb"), e.getMessage());
    }

    private static ObjectDiffReport report(String object, ObjectDiffReport.Callback callback) {
        return new ObjectDiffReport(object, List.of(), List.of(), List.of(), List.of(), List.of(), 0, 0, List.of(callback));
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
