package io.khp.builder.adapters;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import io.khp.bus.ArtifactSignature;
import io.khp.bus.SigningKeys;
import io.khp.events.ArtifactRef;
import io.khp.events.PatchedFunction;

/**
 * Signs built modules with the builder's Ed25519 key (made by {@code ./khp keys init}): the
 * signature covers the patch id, the module name, the module's sha256 and the manifest's sha256.
 */
public final class ArtifactSigner {

    private final Path keyDirectory;

    public ArtifactSigner(Path keyDirectory) {
        this.keyDirectory = keyDirectory;
    }

    public Path keyDirectory() {
        return keyDirectory;
    }

    /** The artifact reference of {@code module}, or empty when the key directory holds no private key. */
    public Optional<ArtifactRef> sign(String patchId, String moduleName, byte[] module, List<PatchedFunction> functions) {
        Optional<SigningKeys.NamedPrivateKey> key = SigningKeys.signingKey(keyDirectory);
        if (key.isEmpty()) {
            return Optional.empty();
        }
        String sha = ArtifactSignature.sha256Hex(module);
        String manifest = ArtifactSignature.manifestSha256(functions);
        byte[] signature = ArtifactSignature.sign(key.get().key(), ArtifactSignature.signedMessage(patchId, moduleName, sha, manifest));
        return Optional.of(ArtifactRef.newBuilder()
                .setSha256(sha)
                .setSizeBytes(module.length)
                .setManifestSha256(manifest)
                .setSignature(ByteBuffer.wrap(signature))
                .setKeyId(key.get().keyId())
                .build());
    }
}
