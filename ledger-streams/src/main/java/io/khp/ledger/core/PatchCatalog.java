package io.khp.ledger.core;

import java.util.Map;
import java.util.Optional;

/** The patches the ledger knows (from their builds), as seen by host-keyed processing. */
public interface PatchCatalog {

    Optional<PatchFacts> facts(String patchId);

    /** The patch whose module has this name, if one is known. */
    Optional<String> patchOfModule(String moduleName);

    /** A catalog over a map of patch id to facts; it reads the map as it is at each call. */
    static PatchCatalog of(Map<String, PatchFacts> patches) {
        return new PatchCatalog() {
            @Override
            public Optional<PatchFacts> facts(String patchId) {
                return Optional.ofNullable(patches.get(patchId));
            }

            @Override
            public Optional<String> patchOfModule(String moduleName) {
                return patches.values().stream().filter(p -> p.moduleName().equals(moduleName)).map(PatchFacts::patchId).findFirst();
            }
        };
    }

    PatchCatalog EMPTY = new PatchCatalog() {
        @Override
        public Optional<PatchFacts> facts(String patchId) {
            return Optional.empty();
        }

        @Override
        public Optional<String> patchOfModule(String moduleName) {
            return Optional.empty();
        }
    };
}
