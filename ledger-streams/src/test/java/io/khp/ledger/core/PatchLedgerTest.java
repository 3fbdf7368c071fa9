package io.khp.ledger.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.khp.events.ApplyRequested;
import io.khp.events.BuildStage;
import io.khp.events.PatchBuilt;
import io.khp.ledger.TestEvents;
import io.khp.state.BuildStatus;
import io.khp.state.HostPatchChange;
import io.khp.state.PatchState;
import io.khp.state.PatchStatus;

class PatchLedgerTest {

    private final TestEvents e = new TestEvents();

    @Test
    void buildEventsMoveTheBuildStatus() {
        PatchState p = PatchLedger.build(null, e.buildRequested("p1"));
        assertEquals(BuildStatus.REQUESTED, p.getBuildStatus());
        p = PatchLedger.build(p, e.buildProgress("p1", BuildStage.COMPILE));
        assertEquals(BuildStatus.BUILDING, p.getBuildStatus());
        assertEquals("COMPILE", p.getBuildStage());
        p = PatchLedger.build(p, e.patchBuilt("p1", true));
        assertEquals(BuildStatus.BUILT, p.getBuildStatus());
        assertEquals("khp_p1", p.getManifest().getModuleName());
        assertTrue(p.getManifest().getAtomicReplace());
        assertEquals(List.of("vmlinux:meminfo_proc_show", "vmlinux:show_val_kb"), p.getManifest().getFunctions());
        PatchState failed = PatchLedger.build(PatchLedger.build(null, e.buildRequested("p2")), e.buildFailed("p2"));
        assertEquals(BuildStatus.FAILED, failed.getBuildStatus());
        assertTrue(failed.getBuildFailure().startsWith("DATA_CHANGED"));
        assertTrue(PatchLedger.seen(p, p.getRecentEventIds().get(0)));
        assertFalse(PatchLedger.seen(p, "other"));
    }

    @Test
    void theApplyCommandCarriesArtifactAndCaptures() {
        PatchBuilt built = (PatchBuilt) e.patchBuilt("p1", false).getPayload();
        ApplyRequested command = PatchLedger.applyCommand(built);
        assertEquals("khp_p1", command.getModuleName());
        assertEquals(built.getArtifact(), command.getArtifact());
        assertEquals(2, command.getCaptures().size());
        var first = command.getCaptures().get(0);
        assertEquals("meminfo_proc_show", first.getSymbol());
        assertEquals(64, first.getLength());
        assertEquals(0, first.getSympos());
        assertEquals(List.of("seq_printf", "si_meminfo"), first.getReferencedSymbols());
        assertEquals(17, command.getCaptures().get(1).getLength());
        assertEquals(2, command.getCaptures().get(1).getSympos());
    }

    @Test
    void hostChangesMoveTheHostCounts() {
        PatchState p = PatchLedger.empty("p1");
        p = PatchLedger.hostChanged(p, change("h1", PatchStatus.UNKNOWN, PatchStatus.REQUESTED));
        p = PatchLedger.hostChanged(p, change("h2", PatchStatus.UNKNOWN, PatchStatus.REQUESTED));
        p = PatchLedger.hostChanged(p, change("h1", PatchStatus.REQUESTED, PatchStatus.CAPTURED));
        assertEquals(Map.of("REQUESTED", 1, "CAPTURED", 1), p.getHostCounts());
        p = PatchLedger.hostChanged(p, change("h1", PatchStatus.DRIFT, PatchStatus.UNKNOWN));
        assertEquals(Map.of("REQUESTED", 1, "CAPTURED", 1), p.getHostCounts());
    }

    private static HostPatchChange change(String host, PatchStatus from, PatchStatus to) {
        return HostPatchChange.newBuilder().setHostId(host).setPatchId("p1").setPrevious(from).setCurrent(to).setAt(1).setEventId("x").build();
    }
}
