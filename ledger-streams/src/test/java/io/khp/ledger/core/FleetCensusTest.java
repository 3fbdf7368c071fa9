package io.khp.ledger.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.khp.ledger.core.FleetCensus.Kernel;
import io.khp.ledger.core.FleetCensus.PatchCount;
import io.khp.state.HostKernel;
import io.khp.state.HostPatch;
import io.khp.state.HostState;
import io.khp.state.PatchStatus;

class FleetCensusTest {

    private static final Kernel AMD64 = new Kernel("6.1.0-9-amd64", "amd64");
    private static final Kernel CLOUD = new Kernel("6.1.0-9-cloud-amd64", "cloud-amd64");

    private static HostState host(String id, Kernel kernel, boolean drift, Map<String, PatchStatus> patches) {
        return HostState.newBuilder().setHostId(id)
                .setKernel(kernel == null ? null : HostKernel.newBuilder().setRelease(kernel.release()).setFlavour(kernel.flavour()).build())
                .setDrift(drift)
                .setPatches(patches.entrySet().stream()
                        .map(p -> HostPatch.newBuilder().setPatchId(p.getKey()).setState(p.getValue()).build()).toList())
                .build();
    }

    @Test
    void aHostCountsOnceUnderItsLatestStateAndKernel() {
        FleetCensus census = new FleetCensus();
        census.put("a", host("a", AMD64, false, Map.of("p1", PatchStatus.REQUESTED)));
        census.put("b", host("b", AMD64, false, Map.of("p1", PatchStatus.REQUESTED)));
        census.put("c", host("c", CLOUD, false, Map.of("p1", PatchStatus.REQUESTED)));
        census.put("a", host("a", AMD64, false, Map.of("p1", PatchStatus.APPLIED)));
        census.put("c", host("c", CLOUD, true, Map.of("p1", PatchStatus.REJECTED)));

        assertEquals(Map.of(AMD64, 2L, CLOUD, 1L), census.hostsByKernel());
        assertEquals(1, census.driftedHosts());
        Map<PatchCount, Long> patches = census.hostPatchesByState();
        assertEquals(1L, patches.get(new PatchCount("p1", "APPLIED", AMD64)));
        assertEquals(1L, patches.get(new PatchCount("p1", "REQUESTED", AMD64)));
        assertEquals(1L, patches.get(new PatchCount("p1", "REJECTED", CLOUD)));
        assertEquals(0L, patches.get(new PatchCount("p1", "REQUESTED", CLOUD)), "a state left keeps its series at 0");
    }

    @Test
    void aRebootedHostMovesKernelAndADeletedOneLeaves() {
        FleetCensus census = new FleetCensus();
        census.put("a", host("a", null, false, Map.of()));
        assertEquals(Map.of(new Kernel(FleetCensus.UNKNOWN_KERNEL, FleetCensus.UNKNOWN_KERNEL), 1L), census.hostsByKernel());
        census.put("a", host("a", AMD64, false, Map.of("p1", PatchStatus.APPLIED, "p2", PatchStatus.APPLIED)));
        census.put("a", host("a", CLOUD, false, Map.of("p1", PatchStatus.LOST, "p2", PatchStatus.LOST)));
        assertEquals(1L, census.hostsByKernel().get(CLOUD));
        assertEquals(0L, census.hostsByKernel().get(AMD64));
        assertEquals(1L, census.hostPatchesByState().get(new PatchCount("p2", "LOST", CLOUD)));
        census.put("a", null);
        assertEquals(0L, census.hostsByKernel().get(CLOUD));
        assertEquals(List.of(0L), census.hostPatchesByState().values().stream().distinct().toList());
    }
}
