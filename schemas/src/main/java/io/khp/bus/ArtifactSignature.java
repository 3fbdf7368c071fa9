package io.khp.bus;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.HexFormat;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

import io.khp.events.PatchBuilt;
import io.khp.events.PatchedFunction;

/**
 * What khp signs for an artifact, and the Ed25519 sign/verify of it. The signed message binds the
 * patch id, the module name, the module bytes' sha256 and the manifest's sha256 (the Avro binary
 * encoding of the patched functions), so neither the module nor the verifier's manifest can be
 * swapped without the signature failing.
 */
public final class ArtifactSignature {

    private static final String DOMAIN = "khp-artifact-v1";

    private ArtifactSignature() {
    }

    public static byte[] signedMessage(String patchId, String moduleName, String artifactSha256, String manifestSha256) {
        return String.join("\n", DOMAIN, patchId, moduleName, artifactSha256, manifestSha256, "")
                .getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] sign(PrivateKey key, byte[] message) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with Ed25519: " + e.getMessage(), e);
        }
    }

    /** False for a wrong signature, a wrong key or a malformed signature; never throws for bad input. */
    public static boolean verify(PublicKey key, byte[] message, byte[] signature) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(message);
            return s.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** sha256 of the Avro binary encoding of the patched functions (PatchBuilt.functions). */
    public static String manifestSha256(List<PatchedFunction> functions) {
        Schema schema = PatchBuilt.getClassSchema().getField("functions").schema();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            new SpecificDatumWriter<List<PatchedFunction>>(schema).write(functions, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sha256Hex(out.toByteArray());
    }
}
