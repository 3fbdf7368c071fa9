package io.khp.verifier;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.khp.bus.ArtifactSignature;
import io.khp.events.ArtifactRef;
import io.khp.events.PatchBuilt;
import io.khp.events.PatchedFunction;
import io.khp.verifier.match.FunctionManifest;
import io.khp.verifier.match.InvalidManifestException;

/**
 * Turns a PatchBuilt into a {@link PatchManifest}: checks that the manifest is the one the builder
 * signed (its sha256 is in the signed message, the signature verifies with a trusted key) and that
 * every function's sites lie inside its bytes. No I/O: the trusted keys are given.
 */
public final class ManifestReader {

    private final Map<String, PublicKey> trustedKeys;

    public ManifestReader(Map<String, PublicKey> trustedKeys) {
        this.trustedKeys = Map.copyOf(trustedKeys);
    }

    public PatchManifest read(String patchId, PatchBuilt built) {
        ArtifactRef artifact = built.getArtifact();
        String digest = ArtifactSignature.manifestSha256(built.getFunctions());
        if (artifact == null) {
            return PatchManifest.rejected(patchId, digest, "untrusted manifest: PatchBuilt carries no artifact signature");
        }
        if (!digest.equals(artifact.getManifestSha256())) {
            return PatchManifest.rejected(patchId, digest, "untrusted manifest: its sha256 " + digest
                    + " is not the signed " + artifact.getManifestSha256());
        }
        PublicKey key = trustedKeys.get(artifact.getKeyId());
        if (key == null) {
            return PatchManifest.rejected(patchId, digest, "untrusted manifest: signing key " + artifact.getKeyId()
                    + " is not among the verifier's " + trustedKeys.size() + " trusted key(s)");
        }
        byte[] message = ArtifactSignature.signedMessage(patchId, built.getModuleName(), artifact.getSha256(),
                artifact.getManifestSha256());
        byte[] signature = new byte[artifact.getSignature().remaining()];
        artifact.getSignature().duplicate().get(signature);
        if (!ArtifactSignature.verify(key, message, signature)) {
            return PatchManifest.rejected(patchId, digest, "untrusted manifest: the signature does not verify with key "
                    + artifact.getKeyId());
        }
        List<FunctionManifest> functions = new ArrayList<>();
        for (PatchedFunction f : built.getFunctions()) {
            try {
                functions.add(FunctionManifest.from(f));
            } catch (InvalidManifestException e) {
                return PatchManifest.rejected(patchId, digest, "invalid manifest: " + e.getMessage());
            }
        }
        if (functions.isEmpty()) {
            return PatchManifest.rejected(patchId, digest, "invalid manifest: it lists no patched function");
        }
        return PatchManifest.usable(patchId, digest, functions);
    }
}
