package io.khp.builder.adapters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Debian kernel packages of a flavour, found through infra/kernel-packages (nothing is
 * hard-coded). Answers are remembered for the life of the process: apt's metadata does not change
 * under a running build.
 */
public final class KernelPackages {

    /** What the builder needs of one flavour: release (uname -r), image version, extracted image and headers. */
    public record Flavour(String name, String release, String version, Path imageRoot, Path headers) {
    }

    private final Path script;
    private final Map<String, Flavour> known = new ConcurrentHashMap<>();

    public KernelPackages(Path khpHome) {
        this.script = khpHome.resolve("infra/kernel-packages");
    }

    public Flavour flavour(String flavour) {
        if (!flavour.matches("[a-z0-9-]+")) {
            throw new IllegalArgumentException("not a kernel flavour: " + flavour);
        }
        return known.computeIfAbsent(flavour, f -> new Flavour(f, ask("release", f), ask("version", f),
                Path.of(ask("image", f)), Path.of(ask("headers", f))));
    }

    private String ask(String what, String flavour) {
        ProcessRunner.Outcome o = ProcessRunner.run(List.of(script.toString(), what, flavour), null, Map.of(), Duration.ofMinutes(15));
        if (!o.ok()) {
            throw new IllegalStateException("infra/kernel-packages " + what + " " + flavour + " failed: " + o.tail(2000));
        }
        return o.stdout().strip();
    }
}
