package io.khp.ledger.core;

import java.util.Optional;

/** The patches the ledger knows (from their builds), as seen by host-keyed processing. */
public interface PatchCatalog {

    Optional<PatchFacts> facts(String patchId);

    /** The patch whose module has this name, if one is known. */
    Optional<String> patchOfModule(String moduleName);

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
