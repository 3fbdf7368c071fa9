package io.khp.builder.adapters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prepared kernel trees, one per (source version, config digest, compiler), shared by every build
 * and by other khp tools: builder-service/bin/prepare-tree extracts and prepares a tree once under
 * an flock (see that script), and prints its path.
 */
public final class KernelTreeCache {

    private final Path script;
    private final Map<String, Path> prepared = new ConcurrentHashMap<>();

    public KernelTreeCache(Path khpHome) {
        this.script = khpHome.resolve("builder-service/bin/prepare-tree");
    }

    /** The prepared tree of {@code flavour}; prepares it the first time (minutes). */
    public Path tree(String flavour) {
        Path known = prepared.get(flavour);
        if (known != null && Files.exists(known.resolve(".khp-prepared"))) {
            return known;
        }
        ProcessRunner.Outcome o = ProcessRunner.run(List.of(script.toString(), flavour), null, Map.of(), Duration.ofMinutes(30));
        if (!o.ok()) {
            throw new IllegalStateException("preparing the kernel tree of " + flavour + " failed: " + o.tail(4000));
        }
        Path tree = Path.of(o.stdout().strip());
        prepared.put(flavour, tree);
        return tree;
    }
}
