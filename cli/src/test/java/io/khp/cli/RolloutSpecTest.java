package io.khp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.khp.events.HostSelector;
import io.khp.events.WaveUnit;

class RolloutSpecTest {

    @Test
    void everySelectorForm() {
        HostSelector s = RolloutSpec.selector(List.of("kernel=6.1.0-56-amd64", "flavour=amd64", "build=abc",
                "label=rack=r1", "hosts=vm-1, vm-2"));
        assertEquals("6.1.0-56-amd64", s.getKernelRelease());
        assertEquals("amd64", s.getFlavour());
        assertEquals("abc", s.getBuildIdentity());
        assertEquals(Map.of("rack", "r1"), s.getLabels());
        assertEquals(List.of("vm-1", "vm-2"), s.getHosts());
        assertEquals(false, s.getAll());
        assertTrue(RolloutSpec.selector(List.of("all")).getAll());
    }

    @Test
    void badSelectorsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RolloutSpec.selector(List.of("colour=red")))
                .getMessage().contains("colour"));
        assertThrows(IllegalArgumentException.class, () -> RolloutSpec.selector(List.of("label=rack")));
        assertThrows(IllegalArgumentException.class, () -> RolloutSpec.selector(List.of("hosts=a,,b")));
        assertThrows(IllegalArgumentException.class, () -> RolloutSpec.selector(List.of("kernel=")));
        assertThrows(IllegalArgumentException.class, () -> RolloutSpec.selector(List.of()));
    }

    @Test
    void wavesOfCountsAndPercentages() {
        var waves = RolloutSpec.waves("1, 50%,100%");
        assertEquals(3, waves.size());
        assertEquals(WaveUnit.HOSTS, waves.get(0).getUnit());
        assertEquals(1, waves.get(0).getValue());
        assertEquals(WaveUnit.PERCENT, waves.get(1).getUnit());
        assertEquals(50, waves.get(1).getValue());
        assertEquals(100, waves.get(2).getValue());
    }

    @Test
    void badWavesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> RolloutSpec.waves("0"));
        assertThrows(IllegalArgumentException.class, () -> RolloutSpec.waves("120%"));
        assertThrows(IllegalArgumentException.class, () -> RolloutSpec.waves("half"));
        assertThrows(IllegalArgumentException.class, () -> RolloutSpec.waves("1,,2"));
    }

    @Test
    void kernelTargets() {
        assertEquals(new KernelTarget("6.1.0-56-cloud-amd64", "cloud-amd64"), KernelTarget.parse("6.1.0-56-cloud-amd64"));
        assertThrows(IllegalArgumentException.class, () -> KernelTarget.parse("6.1"));
        assertThrows(IllegalArgumentException.class, () -> KernelTarget.parse(null));
    }

    @Test
    void patchIdsAreStableForTheSameRequestWhateverTheKernels() {
        assertEquals(BuildCommand.patchId("fix", "diff", false), BuildCommand.patchId("fix", "diff", false));
        assertTrue(!BuildCommand.patchId("fix", "diff", false).equals(BuildCommand.patchId("fix", "diff", true)));
        assertTrue(!BuildCommand.patchId("fix", "diff", false).equals(BuildCommand.patchId("fix", "diff2", false)));
        assertTrue(BuildCommand.patchId("fix", "diff", false).startsWith("fix-"));
    }

    @Test
    void timeoutsTakeAUnitOrAnIsoDurationAndMustBePositive() {
        assertEquals(java.time.Duration.ofSeconds(90), RolloutSpec.timeout("--host-timeout", "90s"));
        assertEquals(java.time.Duration.ofMinutes(10), RolloutSpec.timeout("--host-timeout", "10m"));
        assertEquals(java.time.Duration.ofHours(1), RolloutSpec.timeout("--wave-timeout", "1h"));
        assertEquals(java.time.Duration.ofMillis(500), RolloutSpec.timeout("--host-timeout", "500ms"));
        assertEquals(java.time.Duration.ofMinutes(30), RolloutSpec.timeout("--wave-timeout", "PT30M"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RolloutSpec.timeout("--host-timeout", "0s"))
                .getMessage().contains("must be positive"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RolloutSpec.timeout("--wave-timeout", "soon"))
                .getMessage().contains("--wave-timeout 'soon'"));
    }
}
