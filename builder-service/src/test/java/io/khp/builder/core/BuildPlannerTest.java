package io.khp.builder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.khp.events.BuildStage;

class BuildPlannerTest {

    private static String file(String path) {
        return "--- a/" + path + "\n+++ b/" + path + "\n@@ -1 +1 @@\n-a\n+b\n";
    }

    private static BuildRefusal refusal(String diff) {
        return assertThrows(BuildRefusal.RefusedException.class, () -> BuildPlanner.plan(UnifiedDiff.parse(diff))).refusal();
    }

    @Test
    void plansOneObjectPerCFileAndIgnoresDocumentation() throws Exception {
        List<BuildPlanner.CompileUnit> units = BuildPlanner.plan(UnifiedDiff.parse(
                file("fs/proc/cmdline.c") + file("Documentation/x.rst") + file("drivers/net/dummy.c")));
        assertEquals(List.of("fs/proc/cmdline.o", "drivers/net/dummy.o"), units.stream().map(BuildPlanner.CompileUnit::objectPath).toList());
    }

    @Test
    void refusesHeadersAssemblyBuildFilesAndNoC() {
        BuildRefusal h = refusal(file("fs/proc/cmdline.c") + file("include/linux/fs.h"));
        assertEquals(ReasonCodes.HEADER_CHANGED, h.reasonCode());
        assertEquals("include/linux/fs.h", h.file());
        assertEquals("@@ -1 +1 @@", h.hunk());
        assertEquals(BuildStage.APPLY_PATCH, h.stage());
        assertEquals(ReasonCodes.ASSEMBLY_CHANGED, refusal(file("arch/x86/entry/entry_64.S")).reasonCode());
        assertEquals(ReasonCodes.BUILD_SYSTEM_CHANGED, refusal(file("fs/proc/Makefile")).reasonCode());
        assertEquals(ReasonCodes.BUILD_SYSTEM_CHANGED, refusal(file("fs/Kconfig")).reasonCode());
        assertEquals(ReasonCodes.NO_C_FILE, refusal(file("Documentation/x.rst")).reasonCode());
    }

    @Test
    void refusesCreatedDeletedRenamedAndTwiceTouchedFiles() {
        assertEquals(ReasonCodes.FILE_CREATED_OR_DELETED, refusal("--- /dev/null\n+++ b/fs/new.c\n@@ -0,0 +1 @@\n+x\n").reasonCode());
        assertEquals(ReasonCodes.FILE_CREATED_OR_DELETED, refusal("--- a/fs/old.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n").reasonCode());
        assertEquals(ReasonCodes.FILE_CREATED_OR_DELETED, refusal("--- a/fs/a.c\n+++ b/fs/b.c\n@@ -1 +1 @@\n-x\n+y\n").reasonCode());
        assertEquals(ReasonCodes.MALFORMED_DIFF, refusal(file("fs/a.c") + file("fs/a.c")).reasonCode());
    }

    @Test
    void refusalBecomesABuildFailedEvent() {
        BuildRefusal r = refusal(file("include/linux/fs.h"));
        var event = r.toEvent();
        assertEquals("HEADER_CHANGED", event.getReasonCode());
        assertEquals("include/linux/fs.h", event.getFile());
        assertEquals(r.reason(), event.getReason());
    }
}
