package io.khp.ledger.streams;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import io.khp.bus.AvroRecordSerde;
import io.khp.bus.UndecodableEventException;
import io.khp.ledger.core.PatchCatalog;
import io.khp.ledger.core.PatchFacts;
import io.khp.state.PatchState;

/**
 * The patch catalog read from the global copy of khp.patch-state. Every host event asks for its
 * patch's facts: they are kept decoded until the global store changes ({@link StoreChanges}).
 */
final class StorePatchCatalog implements PatchCatalog {

    private static final AvroRecordSerde<PatchState> PATCH = new AvroRecordSerde<>(PatchState.class);

    private final ReadOnlyKeyValueStore<String, byte[]> patches;
    private final StoreChanges changes;
    private final Map<String, Optional<PatchFacts>> facts = new HashMap<>();
    private long factsAsOf = -1;

    StorePatchCatalog(ReadOnlyKeyValueStore<String, byte[]> patches, StoreChanges changes) {
        this.patches = patches;
        this.changes = changes;
    }

    /** Null for a missing or unreadable entry (the catalog is a copy of a topic others could write to). */
    static PatchState decode(byte[] encoded) {
        if (encoded == null) {
            return null;
        }
        try {
            return PATCH.decode(encoded);
        } catch (UndecodableEventException e) {
            return null;
        }
    }

    @Override
    public Optional<PatchFacts> facts(String patchId) {
        long now = changes.count();
        if (now != factsAsOf) {
            facts.clear();
            factsAsOf = now;
        }
        return facts.computeIfAbsent(patchId, this::read);
    }

    private Optional<PatchFacts> read(String patchId) {
        PatchState p = decode(patches.get(patchId));
        if (p == null || p.getManifest() == null) {
            return Optional.empty();
        }
        return Optional.of(new PatchFacts(patchId, p.getManifest().getModuleName(), p.getManifest().getAtomicReplace()));
    }

    @Override
    public Optional<String> patchOfModule(String moduleName) {
        try (KeyValueIterator<String, byte[]> all = patches.all()) {
            while (all.hasNext()) {
                PatchState p = decode(all.next().value);
                if (p != null && p.getManifest() != null && moduleName.equals(p.getManifest().getModuleName())) {
                    return Optional.of(p.getPatchId());
                }
            }
        }
        return Optional.empty();
    }
}
