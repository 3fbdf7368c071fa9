package io.khp.bus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * khp's Ed25519 keys on disk. A key directory holds {@code <keyId>.key} (PKCS#8, base64, mode 600)
 * and {@code <keyId>.pub} (X.509 SubjectPublicKeyInfo, base64); the key id is the first 16 hex
 * digits of the public key's sha256. Agents trust every {@code .pub} of their trusted-keys directory.
 */
public final class SigningKeys {

    private SigningKeys() {
    }

    public record NamedPrivateKey(String keyId, PrivateKey key) {
    }

    /** Default directory: $KHP_KEYS, else ~/.config/khp/keys. */
    public static Path defaultDirectory() {
        String env = System.getenv("KHP_KEYS");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".config", "khp", "keys");
    }

    public static String keyId(PublicKey key) {
        return ArtifactSignature.sha256Hex(key.getEncoded()).substring(0, 16);
    }

    /** Generates a key pair into {@code dir}; returns its key id. */
    public static String generate(Path dir) {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            String id = keyId(pair.getPublic());
            Files.createDirectories(dir);
            Path priv = dir.resolve(id + ".key");
            Files.writeString(priv, Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()) + "\n", StandardCharsets.US_ASCII);
            try {
                Files.setPosixFilePermissions(priv, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: nothing more to do
            }
            Files.writeString(dir.resolve(id + ".pub"), Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()) + "\n", StandardCharsets.US_ASCII);
            return id;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write keys to " + dir, e);
        }
    }

    /** The one private key of {@code dir}, if there is one. */
    public static Optional<NamedPrivateKey> signingKey(Path dir) {
        try (var files = Files.list(dir)) {
            Optional<Path> file = files.filter(p -> p.getFileName().toString().endsWith(".key")).sorted().findFirst();
            if (file.isEmpty()) {
                return Optional.empty();
            }
            String name = file.get().getFileName().toString();
            byte[] der = Base64.getDecoder().decode(Files.readString(file.get()).strip());
            PrivateKey key = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
            return Optional.of(new NamedPrivateKey(name.substring(0, name.length() - 4), key));
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read keys in " + dir, e);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("malformed private key in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Every public key of {@code dir} by key id; files that do not parse are reported, not trusted. */
    public static Map<String, PublicKey> trustedKeys(Path dir) {
        Map<String, PublicKey> keys = new HashMap<>();
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".pub")).toList()) {
                try {
                    byte[] der = Base64.getDecoder().decode(Files.readString(p).strip());
                    PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
                    keys.put(keyId(key), key);
                } catch (GeneralSecurityException | IllegalArgumentException e) {
                    org.slf4j.LoggerFactory.getLogger(SigningKeys.class).warn("ignoring malformed public key {}: {}", p, e.getMessage());
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return Map.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read keys in " + dir, e);
        }
        return keys;
    }
}
