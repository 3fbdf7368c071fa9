package io.khp.builder.adapters;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where khp's checkout and caches are: $KHP_HOME (set by ./khp) or the nearest parent holding infra/kernel-packages. */
public final class KhpHome {

    private KhpHome() {
    }

    public static Path root() {
        String env = System.getenv("KHP_HOME");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isExecutable(p.resolve("infra/kernel-packages"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the khp checkout: set KHP_HOME");
    }

    /** $KHP_CACHE, else ~/.cache/khp. */
    public static Path cache() {
        String env = System.getenv("KHP_CACHE");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "khp");
    }
}
