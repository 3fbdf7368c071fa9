package io.khp.ledger.core;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.khp.events.KhpEvent;
import io.khp.events.PatchBuilt;
import io.khp.state.HostState;

/**
 * Rebuilds the fleet's host states from the log (pure): builds first give the patch catalog, then
 * each host's events, in log order, go through {@link HostLedger} exactly as the live ledger does.
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
        PatchCatalog catalog = new PatchCatalog() {
            @Override
            public Optional<PatchFacts> facts(String patchId) {
                return Optional.ofNullable(patches.get(patchId));
            }

            @Override
            public Optional<String> patchOfModule(String moduleName) {
                return patches.values().stream().filter(p -> p.moduleName().equals(moduleName)).map(PatchFacts::patchId).findFirst();
            }
        };
        Map<String, HostState> hosts = new TreeMap<>();
        for (KhpEvent e : hostEvents) {
            if (e.getHostId() == null) {
                continue;
            }
            HostStep step = HostLedger.evolve(hosts.get(e.getHostId()), e, catalog, 0L);
            if (step.state() != null) {
                hosts.put(e.getHostId(), step.state());
            }
        }
        return hosts;
    }
}
