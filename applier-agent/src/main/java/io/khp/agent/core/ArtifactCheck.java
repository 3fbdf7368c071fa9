package io.khp.agent.core;

import java.security.PublicKey;
import java.util.Map;

import io.khp.bus.ArtifactSignature;
import io.khp.events.ArtifactRef;

/**
 * Decides whether module bytes may be loaded: their sha256 must be the one the request names and
 * the request's Ed25519 signature over (patch, module, sha256, manifest sha256) must verify with a
 * trusted key.
 */
public final class ArtifactCheck {

    private final Map<String, PublicKey> trustedKeys;

    public ArtifactCheck(Map<String, PublicKey> trustedKeys) {
        this.trustedKeys = Map.copyOf(trustedKeys);
    }

    /** Null when the bytes may be loaded, else why not. */
    public String refusal(String patchId, String moduleName, ArtifactRef ref, byte[] module) {
        String actual = ArtifactSignature.sha256Hex(module);
        if (!actual.equalsIgnoreCase(ref.getSha256())) {
            return "artifact sha256 " + actual + " differs from the requested " + ref.getSha256();
        }
        PublicKey key = trustedKeys.get(ref.getKeyId());
        if (key == null) {
            return "artifact signed by key " + ref.getKeyId() + ", which is not among the " + trustedKeys.size()
                    + " trusted keys";
        }
        byte[] signature = new byte[ref.getSignature().remaining()];
        ref.getSignature().duplicate().get(signature);
        byte[] message = ArtifactSignature.signedMessage(patchId, moduleName, ref.getSha256(), ref.getManifestSha256());
        if (!ArtifactSignature.verify(key, message, signature)) {
            return "the signature of key " + ref.getKeyId() + " does not verify for patch " + patchId + " module "
                    + moduleName;
        }
        return null;
    }
}
