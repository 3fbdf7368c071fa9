package io.khp.ledger.core;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.khp.events.KhpEvent;
import io.khp.events.PatchBuilt;
import io.khp.state.HostState;

/**
 * Rebuilds the fleet's host states from the log (pure): builds first give the patch catalog, then
 * each host's events, in log order, go through {@link HostInbox} exactly as the live ledger does
 * (events still held at the end of the log are left out).
 */
public final class FleetReplay {

    private FleetReplay() {
    }

    /**
     * @param builds     PatchBuilt events (others are ignored)
     * @param hostEvents host events in the order the ledger processes them
     */
    public static Map<String, HostState> replay(List<KhpEvent> builds, List<KhpEvent> hostEvents) {
        Map<String, PatchFacts> patches = new HashMap<>();
        for (KhpEvent e : builds) {
            if (e.getPayload() instanceof PatchBuilt built && e.getPatchId() != null) {
                patches.put(e.getPatchId(), new PatchFacts(e.getPatchId(), built.getModuleName(), built.getAtomicReplace()));
            }
        }
        PatchCatalog catalog = PatchCatalog.of(patches);
        Map<String, HostState> hosts = new TreeMap<>();
        Map<String, List<HostInbox.Held>> held = new HashMap<>();
        for (KhpEvent e : hostEvents) {
            if (e.getHostId() == null) {
                continue;
            }
            HostInbox.Outcome outcome = HostInbox.receive(hosts.get(e.getHostId()), held.getOrDefault(e.getHostId(), List.of()),
                    e, catalog, 0L);
            held.put(e.getHostId(), outcome.held());
            if (outcome.state() != null) {
                hosts.put(e.getHostId(), outcome.state());
            }
        }
        return hosts;
    }
}
