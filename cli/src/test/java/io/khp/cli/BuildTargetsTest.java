package io.khp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.khp.events.KernelIdentity;

class BuildTargetsTest {

    private static JsonNode host(String release, String flavour, String buildId) throws Exception {
        return Json.MAPPER.readTree(Json.object("hostId", "h", "kernel",
                buildId == null ? java.util.Map.of("release", release, "flavour", flavour)
                        : java.util.Map.of("release", release, "flavour", flavour, "buildIdentity", buildId)));
    }

    @Test
    void theNameIsTheFileNameWithoutItsSuffixMadeValid() {
        assertEquals("meminfo-khp-line", BuildTargets.nameOf(Path.of("examples/meminfo-khp-line.patch")));
        assertEquals("fix_1", BuildTargets.nameOf(Path.of("/tmp/fix_1.DIFF")));
        assertEquals("CVE-2026-1234-net-fix", BuildTargets.nameOf(Path.of("CVE-2026.1234 (net fix).patch")));
        assertEquals("notes-txt", BuildTargets.nameOf(Path.of("notes.txt")));
        assertEquals(48, BuildTargets.nameOf(Path.of("a".repeat(60) + ".patch")).length());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BuildTargets.nameOf(Path.of("..patch")));
        assertTrue(e.getMessage().contains("--name"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BuildTargets.nameOf(Path.of("üï.patch")));
    }

    @Test
    void theFleetsDistinctKernelsWithTheirBuildIds() throws Exception {
        List<KernelIdentity> kernels = BuildTargets.fleetKernels(List.of(
                host("6.1.0-9-cloud-amd64", "cloud-amd64", "c1"),
                host("6.1.0-9-amd64", "amd64", "a1"),
                host("6.1.0-9-amd64", "amd64", "a1"),
                host("6.1.0-9-amd64", "amd64", "a2"),
                host("6.1.0-10-amd64", "amd64", null),
                Json.MAPPER.readTree("{\"hostId\":\"new\",\"kernel\":null}")));
        assertEquals(List.of("6.1.0-10-amd64/amd64/null", "6.1.0-9-amd64/amd64/a1", "6.1.0-9-amd64/amd64/a2",
                "6.1.0-9-cloud-amd64/cloud-amd64/c1"),
                kernels.stream().map(k -> k.getRelease() + "/" + k.getFlavour() + "/" + k.getBuildIdentity()).toList());
    }

    @Test
    void namedKernelsThenTheFleetThenTheConfiguredDefault() throws Exception {
        List<JsonNode> fleet = List.of(host("6.1.0-9-amd64", "amd64", "a1"), host("6.1.0-9-cloud-amd64", "cloud-amd64", "c1"));
        List<KernelIdentity> named = BuildTargets.choose(List.of("6.1.0-9-rt-amd64", "6.1.0-9-rt-amd64"), () -> {
            throw new AssertionError("the fleet is not asked when kernels are named");
        }, Optional.empty());
        assertEquals(1, named.size());
        assertEquals("rt-amd64", named.get(0).getFlavour());

        assertEquals(List.of("6.1.0-9-amd64", "6.1.0-9-cloud-amd64"),
                BuildTargets.choose(List.of(), () -> fleet, Optional.of("6.1.0-1-amd64")).stream().map(KernelIdentity::getRelease).toList());
        assertEquals(List.of("6.1.0-1-amd64"),
                BuildTargets.choose(List.of(), List::of, Optional.of("6.1.0-1-amd64")).stream().map(KernelIdentity::getRelease).toList());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> BuildTargets.choose(List.of(), List::of, Optional.empty()));
        assertTrue(none.getMessage().contains("knows no host"), none.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BuildTargets.choose(List.of("linux"), List::of, Optional.empty()));
    }
}
