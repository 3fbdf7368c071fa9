package io.khp.verifier;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.khp.bus.ArtifactSignature;
import io.khp.bus.SigningKeys;
import io.khp.events.ArtifactRef;
import io.khp.events.CapturedFunction;
import io.khp.events.KernelIdentity;
import io.khp.events.PatchBuilt;
import io.khp.events.PatchedFunction;
import io.khp.events.RelocationSite;
import io.khp.events.RunObjectCaptured;
import io.khp.events.SymbolCandidates;
import io.khp.events.Toolchain;
import io.khp.events.WildcardSite;
import io.khp.verifier.match.CodeImage;

/** Test helper: signed PatchBuilt events and host captures built from code images. */
final class Patches {

    private Patches() {
    }

    static PatchedFunction function(String symbol, String sourceFile, CodeImage code) {
        List<RelocationSite> relocations = new ArrayList<>();
        code.relocations().forEach(r -> relocations.add(RelocationSite.newBuilder().setOffset(r.offset()).setType(r.type())
                .setSymbol(r.symbol()).setAddend(r.addend()).setLocal(r.local()).build()));
        List<WildcardSite> wildcards = new ArrayList<>();
        code.wildcards().forEach(w -> wildcards.add(WildcardSite.newBuilder().setOffset(w.offset()).setLength(w.length())
                .setKind(w.kind()).build()));
        return PatchedFunction.newBuilder().setObjectName("vmlinux").setSymbol(symbol).setSympos(0)
                .setSourceFile(sourceFile).setPreBytes(ByteBuffer.wrap(code.pre()))
                .setRelocations(relocations).setWildcards(wildcards).build();
    }

    /** A PatchBuilt whose artifact signature covers {@code functions}, signed with the key in {@code keys}. */
    static PatchBuilt signed(String patchId, List<PatchedFunction> functions, Path keys) {
        return signedOver(patchId, functions, ArtifactSignature.manifestSha256(functions), keys);
    }

    /** A PatchBuilt whose signature covers {@code signedManifestSha256}, whatever {@code functions} are. */
    static PatchBuilt signedOver(String patchId, List<PatchedFunction> functions, String signedManifestSha256, Path keys) {
        SigningKeys.NamedPrivateKey key = SigningKeys.signingKey(keys).orElseThrow();
        String module = "khp_" + patchId.replace('-', '_');
        String artifactSha = ArtifactSignature.sha256Hex(module.getBytes());
        byte[] signature = ArtifactSignature.sign(key.key(),
                ArtifactSignature.signedMessage(patchId, module, artifactSha, signedManifestSha256));
        return PatchBuilt.newBuilder()
                .setName(patchId).setTarget(KernelIdentity.newBuilder().setRelease("6.1.0-0-amd64").setFlavour("amd64").build())
                .setModuleName(module).setAtomicReplace(false)
                .setArtifact(ArtifactRef.newBuilder().setSha256(artifactSha).setSizeBytes(module.length())
                        .setManifestSha256(signedManifestSha256).setSignature(ByteBuffer.wrap(signature))
                        .setKeyId(key.keyId()).build())
                .setToolchain(Toolchain.newBuilder().setCompiler("gcc-12").build())
                .setDiffSha256("00").setFunctions(functions).build();
    }

    static CapturedFunction captured(String symbol, long address, byte[] bytes) {
        return CapturedFunction.newBuilder().setObjectName("vmlinux").setSymbol(symbol).setFound(true)
                .setAddress(address).setBytes(ByteBuffer.wrap(bytes)).build();
    }

    static RunObjectCaptured capture(List<CapturedFunction> functions, Map<String, Long> kallsyms) {
        List<SymbolCandidates> symbols = new ArrayList<>();
        kallsyms.forEach((name, address) -> symbols.add(SymbolCandidates.newBuilder().setSymbol(name)
                .setAddresses(List.of(address)).build()));
        return RunObjectCaptured.newBuilder().setAttempt(1).setFunctions(functions).setSymbols(symbols).build();
    }
}
