package io.khp.ledger.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.khp.events.ApplyRequested;
import io.khp.events.KhpEvent;
import io.khp.ledger.TestEvents;
import io.khp.state.HostKernel;
import io.khp.state.HostPatch;
import io.khp.state.HostState;
import io.khp.state.PatchStatus;

class CanonicalNamesTest {

    @Test
    void equalNamesGiveTheFirstInstanceSeen() {
        CanonicalNames names = new CanonicalNames(10);
        String first = new String("patch-1");
        String again = new String("patch-1");
        assertNotSame(first, again);
        assertSame(first, names.of(first));
        assertSame(first, names.of(again));
        assertNull(names.of(null));
    }

    @Test
    void beyondTheLimitNewNamesAreKeptAsTheyAre() {
        CanonicalNames names = new CanonicalNames(2);
        String a = names.of(new String("a"));
        names.of(new String("b"));
        String c = new String("c");
        String otherC = new String("c");
        assertSame(c, names.of(c));
        assertSame(otherC, names.of(otherC));
        assertSame(a, names.of(new String("a")));
        assertEquals("c", names.of("c"));
    }

    @Test
    void entriesOfAPatchRequestedOnTwoHostsShareItsNames() {
        TestEvents events = new TestEvents();
        HostPatch[] entries = new HostPatch[2];
        for (int i = 0; i < 2; i++) {
            // each event with its own copy of the ids, as decoded from its own record
            KhpEvent request = events.applyRequested("h" + i, new String("shared-patch"));
            ApplyRequested payload = (ApplyRequested) request.getPayload();
            payload.setModuleName(new String(payload.getModuleName()));
            Transition moved = HostPatchTransitions.apply(null, request, null);
            entries[i] = ((Transition.Moved) moved).next();
        }
        assertEquals("shared-patch", entries[0].getPatchId());
        assertSame(entries[0].getPatchId(), entries[1].getPatchId());
        assertSame(entries[0].getModuleName(), entries[1].getModuleName());
    }

    @Test
    void hostsReportingTheSameKernelShareItsIdentity() {
        TestEvents events = new TestEvents();
        HostState[] hosts = new HostState[2];
        for (int i = 0; i < 2; i++) {
            // each report with its own copy of the kernel's strings, as decoded from its own record
            KhpEvent report = events.reported("h" + i, "boot-" + i,
                    TestEvents.kernel(new String("6.1.0-shared-amd64"), new String("amd64")), Map.of());
            hosts[i] = HostLedger.evolve(null, report, PatchCatalog.EMPTY, 0).state();
        }
        HostKernel a = hosts[0].getKernel();
        HostKernel b = hosts[1].getKernel();
        assertEquals("6.1.0-shared-amd64", a.getRelease());
        assertSame(a.getRelease(), b.getRelease());
        assertSame(a.getFlavour(), b.getFlavour());
        assertSame(a.getBuildIdentity(), b.getBuildIdentity());
        assertSame(a.getVersion(), b.getVersion());
        assertSame(hosts[0].getAgentVersion(), hosts[1].getAgentVersion());
    }

    @Test
    void hostsShowingTheSameUnrequestedModuleShareItsName() {
        TestEvents events = new TestEvents();
        HostState[] hosts = new HostState[2];
        for (int i = 0; i < 2; i++) {
            KhpEvent report = events.reported("h" + i, "boot-" + i, new String("khp_stray"));
            hosts[i] = HostLedger.evolve(null, report, PatchCatalog.EMPTY, 0).state();
        }
        HostPatch drift0 = hosts[0].getPatches().get(0);
        HostPatch drift1 = hosts[1].getPatches().get(0);
        assertEquals(PatchStatus.DRIFT, drift0.getState());
        assertEquals("khp_stray", drift0.getModuleName());
        assertSame(drift0.getModuleName(), drift1.getModuleName());
        assertSame(hosts[0].getObserved().get(0).getName(), hosts[1].getObserved().get(0).getName());
    }
}
