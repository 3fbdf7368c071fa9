package io.khp.agent.testing;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

import io.khp.bus.ArtifactSignature;
import io.khp.bus.SigningKeys;
import io.khp.events.ArtifactRef;
import io.khp.events.PatchedFunction;

/** A key pair made for one test in its own directory, and artifact references signed with it. */
public final class SignedModule {

    private final Path keys;
    private final SigningKeys.NamedPrivateKey key;

    public SignedModule(Path keysDir) {
        this.keys = keysDir;
        SigningKeys.generate(keysDir);
        this.key = SigningKeys.signingKey(keysDir).orElseThrow();
    }

    public Path keys() {
        return keys;
    }

    public String keyId() {
        return key.keyId();
    }

    public ArtifactRef sign(String patchId, String moduleName, byte[] module) {
        String sha = ArtifactSignature.sha256Hex(module);
        String manifest = ArtifactSignature.manifestSha256(List.<PatchedFunction>of());
        byte[] signature = ArtifactSignature.sign(key.key(),
                ArtifactSignature.signedMessage(patchId, moduleName, sha, manifest));
        return new ArtifactRef(sha, (long) module.length, manifest, ByteBuffer.wrap(signature), key.keyId());
    }
}
