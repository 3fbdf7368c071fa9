package io.khp.builder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.khp.events.PatchedFunction;
import io.khp.events.RelocationType;
import io.khp.events.WildcardKind;

class ManifestTest {

    static final String REPORT = """
            {"object": "vmlinux",
             "changed": [{"symbol": "cmdline_proc_show", "newSymbol": "khp_new_cmdline_proc_show", "sympos": 0,
                          "section": ".text.cmdline_proc_show", "sourceFile": "fs/proc/cmdline.c",
                          "preBytes": "6AAAAABVSA==",
                          "relocations": [{"offset": 1, "type": "R_X86_64_PLT32", "symbol": "__fentry__", "addend": -4, "local": false},
                                          {"offset": 9, "type": "R_X86_64_WEIRD", "symbol": "x", "addend": 0, "local": true}],
                          "wildcards": [{"offset": 0, "length": 5, "kind": "FENTRY"}, {"offset": 7, "length": 1, "kind": "NEWKIND"}],
                          "futureField": 1}],
             "new": [{"symbol": "helper", "newSymbol": "khp_new_helper"}],
             "removed": [], "staticLocals": [{"pre": "count.0", "post": "count.1"}],
             "unsupported": [], "klpRelocations": 2, "exportedRelocations": 1}
            """;

    @Test
    void reportBecomesPatchedFunctions() throws Exception {
        ObjectDiffReport r = ObjectDiffReport.parse(REPORT.getBytes(StandardCharsets.UTF_8));
        List<PatchedFunction> fs = Manifest.functions(List.of(r));
        assertEquals(1, fs.size());
        PatchedFunction f = fs.get(0);
        assertEquals("vmlinux", f.getObjectName());
        assertEquals("cmdline_proc_show", f.getSymbol());
        assertEquals("fs/proc/cmdline.c", f.getSourceFile());
        byte[] pre = new byte[f.getPreBytes().remaining()];
        f.getPreBytes().duplicate().get(pre);
        assertEquals(7, pre.length);
        assertEquals((byte) 0xe8, pre[0]);
        assertEquals(RelocationType.R_X86_64_PLT32, f.getRelocations().get(0).getType());
        assertEquals(-4, f.getRelocations().get(0).getAddend());
        assertEquals(RelocationType.UNKNOWN, f.getRelocations().get(1).getType());
        assertTrue(f.getRelocations().get(1).getLocal());
        assertEquals(WildcardKind.FENTRY, f.getWildcards().get(0).getKind());
        assertEquals(WildcardKind.UNKNOWN, f.getWildcards().get(1).getKind());
        assertEquals(List.of("helper"), Manifest.newFunctions(List.of(r)));
        assertEquals("count.0", r.staticLocals().get(0).pre());
        assertEquals(List.of(new LivepatchGlue.Function("vmlinux", "cmdline_proc_show", 0, "khp_new_cmdline_proc_show")),
                LivepatchGlue.functions(List.of(r)));
    }

    @Test
    void refusalReport() throws Exception {
        ObjectDiffReport r = ObjectDiffReport.parse("""
                {"object":"vmlinux","changed":[],"new":[],"unsupported":[{"reason":"DATA_CHANGED","message":"initial value of x changed","symbol":"x","section":".data.x"}]}
                """.getBytes(StandardCharsets.UTF_8));
        assertEquals("DATA_CHANGED", r.unsupported().get(0).reason());
        assertEquals(".data.x", r.unsupported().get(0).section());
        assertTrue(r.removed().isEmpty());
    }
}
