package io.khp.builder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import io.khp.bus.SigningKeys;

/**
 * {@code ./khp keys init [DIR]}: makes the builder's Ed25519 signing key pair in DIR (default
 * $KHP_KEYS or ~/.config/khp/keys) unless a private key is there already; {@code ./khp keys show
 * [DIR]} prints the key id and public key file. Agents trust a key when its .pub file is in
 * their trusted-keys directory.
 */
public final class KeysCommand {

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2 || !(args[0].equals("init") || args[0].equals("show"))) {
            System.err.println("usage: khp keys init|show [DIR]");
            System.exit(2);
        }
        Path dir = args.length == 2 ? Path.of(args[1]) : SigningKeys.defaultDirectory();
        Optional<SigningKeys.NamedPrivateKey> existing = SigningKeys.signingKey(dir);
        if (args[0].equals("show")) {
            if (existing.isEmpty()) {
                System.err.println("no signing key in " + dir + ": run khp keys init");
                System.exit(1);
            }
            print(dir, existing.get().keyId(), "signing key");
            return;
        }
        if (existing.isPresent()) {
            print(dir, existing.get().keyId(), "kept the existing signing key");
            return;
        }
        String id = SigningKeys.generate(dir);
        print(dir, id, "generated signing key");
    }

    private static void print(Path dir, String id, String what) {
        Path pub = dir.resolve(id + ".pub");
        System.out.println(what + " " + id + " in " + dir);
        System.out.println("public key (copy to each agent's trusted-keys directory): " + pub
                + (Files.isRegularFile(pub) ? "" : " (missing!)"));
    }
}
