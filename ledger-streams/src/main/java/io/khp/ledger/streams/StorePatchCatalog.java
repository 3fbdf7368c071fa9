package io.khp.ledger.streams;

import java.util.Optional;

import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import io.khp.ledger.core.PatchCatalog;
import io.khp.ledger.core.PatchFacts;
import io.khp.state.PatchState;

/** The patch catalog read from the global copy of khp.patch-state. */
final class StorePatchCatalog implements PatchCatalog {

    private final ReadOnlyKeyValueStore<String, PatchState> patches;

    StorePatchCatalog(ReadOnlyKeyValueStore<String, PatchState> patches) {
        this.patches = patches;
    }

    @Override
    public Optional<PatchFacts> facts(String patchId) {
        PatchState p = patches.get(patchId);
        if (p == null || p.getManifest() == null) {
            return Optional.empty();
        }
        return Optional.of(new PatchFacts(patchId, p.getManifest().getModuleName(), p.getManifest().getAtomicReplace()));
    }

    @Override
    public Optional<String> patchOfModule(String moduleName) {
        try (KeyValueIterator<String, PatchState> all = patches.all()) {
            while (all.hasNext()) {
                PatchState p = all.next().value;
                if (p.getManifest() != null && moduleName.equals(p.getManifest().getModuleName())) {
                    return Optional.of(p.getPatchId());
                }
            }
        }
        return Optional.empty();
    }
}
