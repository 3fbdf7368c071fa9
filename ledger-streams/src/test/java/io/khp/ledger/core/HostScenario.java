package io.khp.ledger.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.khp.events.KhpEvent;
import io.khp.state.HostPatch;
import io.khp.state.HostPatchChange;
import io.khp.state.HostState;
import io.khp.state.PatchStatus;
import io.khp.state.Rejection;

/** Given events / when an event / expect state: folds events through {@link HostLedger} for one host. */
final class HostScenario {

    private final Map<String, PatchFacts> patches = new HashMap<>();
    private HostState state;
    private final List<HostPatchChange> changes = new ArrayList<>();
    private final List<Rejection> rejections = new ArrayList<>();
    private HostStep last;

    private final PatchCatalog catalog = PatchCatalog.of(patches);

    static HostScenario given(KhpEvent... events) {
        return new HostScenario().and(events);
    }

    static HostScenario given(List<KhpEvent> events) {
        return given(events.toArray(KhpEvent[]::new));
    }

    HostScenario withPatch(String patchId, String module, boolean atomicReplace) {
        patches.put(patchId, new PatchFacts(patchId, module, atomicReplace));
        return this;
    }

    HostScenario and(KhpEvent... events) {
        for (KhpEvent e : events) {
            apply(e);
        }
        return this;
    }

    HostScenario and(List<KhpEvent> events) {
        return and(events.toArray(KhpEvent[]::new));
    }

    /** Clears what earlier events produced, then applies the event. */
    HostScenario when(KhpEvent event) {
        changes.clear();
        rejections.clear();
        apply(event);
        return this;
    }

    private void apply(KhpEvent e) {
        HostState before = state == null ? null : HostState.newBuilder(state).build();
        last = HostLedger.evolve(state, e, catalog, 42L);
        // the ledger keeps decoded states and folds into copies: the state folded from never changes
        assertEquals(before, state, "evolve changed the state it was given");
        state = last.state();
        changes.addAll(last.changes());
        if (last.rejection() != null) {
            rejections.add(last.rejection());
        }
    }

    HostScenario expectPatch(String patchId, PatchStatus status) {
        HostPatch p = patch(patchId);
        assertNotNull(p, "host has no entry for " + patchId);
        assertEquals(status, p.getState(), "state of " + patchId);
        return this;
    }

    HostScenario expectRejected(String reasonPart) {
        assertEquals(1, rejections.size(), "one rejection expected, got " + rejections);
        assertTrue(rejections.get(0).getReason().contains(reasonPart), rejections.get(0).getReason());
        return this;
    }

    HostScenario expectNoRejection() {
        assertEquals(List.of(), rejections);
        return this;
    }

    HostScenario expectChange(String patchId, PatchStatus from, PatchStatus to) {
        assertTrue(changes.stream().anyMatch(c -> c.getPatchId().equals(patchId) && c.getPrevious() == from && c.getCurrent() == to),
                "expected change " + patchId + " " + from + "->" + to + " in " + changes);
        return this;
    }

    HostScenario expectNoChange() {
        assertEquals(List.of(), changes);
        return this;
    }

    HostScenario expectDuplicate() {
        assertTrue(last.duplicate(), "the last event should be a duplicate");
        return this;
    }

    HostScenario expectUnknownHost() {
        assertNull(state, "the host should stay unknown");
        return this;
    }

    HostPatch patch(String patchId) {
        return state == null ? null : HostLedger.find(state, patchId);
    }

    HostState state() {
        return state;
    }

    List<HostPatchChange> changes() {
        return changes;
    }
}
