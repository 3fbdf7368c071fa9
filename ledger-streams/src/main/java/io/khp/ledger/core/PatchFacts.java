package io.khp.ledger.core;

/** What the host ledger needs to know about a built patch. */
public record PatchFacts(String patchId, String moduleName, boolean atomicReplace) {
}
