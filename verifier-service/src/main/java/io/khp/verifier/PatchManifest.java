package io.khp.verifier;

import java.util.List;

import io.khp.verifier.match.FunctionManifest;

/**
 * What the verifier keeps of one PatchBuilt: the patched functions ready for matching, or why the
 * manifest cannot be used (bad signature, a site outside the bytes, …): captures for it are then
 * answered UNSUPPORTED with that reason.
 */
public record PatchManifest(String patchId, String manifestSha256, List<FunctionManifest> functions, String rejection) {

    public static PatchManifest usable(String patchId, String manifestSha256, List<FunctionManifest> functions) {
        return new PatchManifest(patchId, manifestSha256, List.copyOf(functions), null);
    }

    public static PatchManifest rejected(String patchId, String manifestSha256, String reason) {
        return new PatchManifest(patchId, manifestSha256, List.of(), reason);
    }

    public boolean isUsable() {
        return rejection == null;
    }
}
