package io.khp.ledger.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.khp.events.HostSelector;
import io.khp.ledger.TestEvents;
import io.khp.state.HostState;

class HostSelectorMatcherTest {

    private final TestEvents e = new TestEvents();

    private HostState host(String id, String release, String flavour, Map<String, String> labels) {
        return HostLedger.evolve(null, e.reported(id, "b", TestEvents.kernel(release, flavour), labels), PatchCatalog.EMPTY, 0).state();
    }

    @Test
    void eachCriterionMustHold() {
        HostState a = host("a", "6.1.0-9-amd64", "amd64", Map.of("rack", "r1", "env", "prod"));
        HostState b = host("b", "6.1.0-9-cloud-amd64", "cloud-amd64", Map.of("rack", "r2"));
        assertTrue(HostSelectorMatcher.matches(HostSelector.newBuilder().setAll(true).build(), b));
        assertFalse(HostSelectorMatcher.matches(HostSelector.newBuilder().build(), a), "an empty selector targets nothing");
        HostSelector release = HostSelector.newBuilder().setKernelRelease("6.1.0-9-amd64").build();
        assertTrue(HostSelectorMatcher.matches(release, a));
        assertFalse(HostSelectorMatcher.matches(release, b));
        HostSelector flavour = HostSelector.newBuilder().setFlavour("cloud-amd64").build();
        assertFalse(HostSelectorMatcher.matches(flavour, a));
        assertTrue(HostSelectorMatcher.matches(flavour, b));
        HostSelector buildId = HostSelector.newBuilder().setBuildIdentity("bid-6.1.0-9-amd64").build();
        assertTrue(HostSelectorMatcher.matches(buildId, a));
        assertFalse(HostSelectorMatcher.matches(buildId, b));
        HostSelector labels = HostSelector.newBuilder().setLabels(Map.of("rack", "r1", "env", "prod")).build();
        assertTrue(HostSelectorMatcher.matches(labels, a));
        assertFalse(HostSelectorMatcher.matches(HostSelector.newBuilder().setLabels(Map.of("rack", "r1", "env", "dev")).build(), a));
        HostSelector both = HostSelector.newBuilder().setFlavour("amd64").setHosts(List.of("b")).build();
        assertFalse(HostSelectorMatcher.matches(both, a), "explicit hosts restrict the other criteria");
        assertTrue(HostSelectorMatcher.matches(TestEvents.explicitHosts("a", "c"), a));
        assertFalse(HostSelectorMatcher.matches(TestEvents.explicitHosts("c"), a));
        assertEquals("flavour=amd64 hosts=b", HostSelectorMatcher.describe(both));
    }
}
