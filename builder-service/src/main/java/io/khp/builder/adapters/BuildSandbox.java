package io.khp.builder.adapters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.khp.builder.core.SandboxArguments;

/**
 * Runs every process that reads patch-controlled input (kbuild, gcc, klpdiff, nm, readelf) in a
 * bubblewrap sandbox: no network, no other namespaces shared, an empty root holding only the
 * system, the build's inputs read-only and its work directory writable. The signing key's
 * directory is never mounted, and the environment is cleared. Without a working bubblewrap the
 * builder refuses to build; {@code KHP_BUILDER_SANDBOX=off} (an operator's explicit choice,
 * logged as an error on every build) runs the processes directly instead.
 */
public final class BuildSandbox {

    public static final String OVERRIDE_VARIABLE = "KHP_BUILDER_SANDBOX";
    public static final String OVERRIDE_VALUE = "off";

    private static final Logger LOG = LoggerFactory.getLogger(BuildSandbox.class);
    private static final List<String> SYSTEM_DIRECTORIES = List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32");
    private static final List<String> SYSTEM_FILES = List.of("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
            "/etc/alternatives");

    private final String bwrap;
    private final boolean enabled;
    private final boolean asRoot;
    private final List<Path> hidden;
    private final Map<Path, Path> identityFiles;
    private volatile boolean probed;

    private BuildSandbox(String bwrap, boolean enabled, boolean asRoot, List<Path> hidden, Map<Path, Path> identityFiles) {
        this.bwrap = bwrap;
        this.enabled = enabled;
        this.asRoot = asRoot;
        this.hidden = List.copyOf(hidden);
        this.identityFiles = identityFiles;
    }

    /**
     * @param stateDir where the sandbox's own passwd and group files are kept
     * @param hidden   directories no sandboxed process may see (the signing key's)
     */
    public static BuildSandbox fromEnvironment(Path stateDir, List<Path> hidden) {
        return using("bwrap", stateDir, hidden);
    }

    /** As {@link #fromEnvironment} with another bubblewrap binary. */
    public static BuildSandbox using(String bwrap, Path stateDir, List<Path> hidden) {
        boolean enabled = !OVERRIDE_VALUE.equals(System.getenv(OVERRIDE_VARIABLE));
        boolean root = currentUid() == 0;
        Map<Path, Path> identity = new LinkedHashMap<>();
        if (enabled && root) {
            identity.put(Path.of("/etc/passwd"), writeOnce(stateDir.resolve("passwd"),
                    "nobody:x:" + SandboxArguments.SANDBOX_UID + ":" + SandboxArguments.SANDBOX_UID + ":nobody:/tmp:/usr/sbin/nologin\n"));
            identity.put(Path.of("/etc/group"), writeOnce(stateDir.resolve("group"), "nogroup:x:" + SandboxArguments.SANDBOX_UID + ":\n"));
        }
        if (!enabled) {
            LOG.error("{}={}: builds run WITHOUT a sandbox; patches are compiled with network access and can read "
                    + "every file the builder can, including the signing key", OVERRIDE_VARIABLE, OVERRIDE_VALUE);
        }
        return new BuildSandbox(bwrap, enabled, root, hidden.stream().map(p -> p.toAbsolutePath().normalize()).toList(), identity);
    }

    public boolean enabled() {
        return enabled;
    }

    /** Why no build may run now (bubblewrap missing or not permitted here), or empty when the sandbox works or is off. */
    public Optional<String> unavailable() {
        if (!enabled || probed) {
            return Optional.empty();
        }
        ProcessRunner.Outcome o = ProcessRunner.run(arguments(new ArrayList<>(), new ArrayList<>(), null, Map.of(), List.of("true")),
                null, Map.of(), Duration.ofMinutes(1));
        if (!o.ok()) {
            return Optional.of("the build sandbox (bubblewrap) does not work here, so nothing is built: " + o.tail(1000).strip()
                    + " (install bubblewrap: infra/setup; as a non-root user it needs unprivileged user namespaces; "
                    + OVERRIDE_VARIABLE + "=" + OVERRIDE_VALUE + " builds without a sandbox)");
        }
        probed = true;
        return Optional.empty();
    }

    /**
     * Makes {@code dir} (created by the builder) writable for the sandboxed process: when the
     * builder is root that process runs as nobody.
     */
    public void handOver(Path dir) throws IOException {
        if (enabled && asRoot) {
            Files.setAttribute(dir, "unix:uid", SandboxArguments.SANDBOX_UID, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(dir, "unix:gid", SandboxArguments.SANDBOX_UID, LinkOption.NOFOLLOW_LINKS);
        }
    }

    /** The sandbox of one build: {@code work} writable, {@code inputs} read-only. */
    public Jail forBuild(Path work, List<Path> inputs) {
        return new Jail(work, inputs);
    }

    /** Runs processes for one build. */
    public final class Jail {
        private final Path work;
        private final List<Path> inputs;

        private Jail(Path work, List<Path> inputs) {
            this.work = work;
            this.inputs = List.copyOf(inputs);
        }

        public Path work() {
            return work;
        }

        /** Runs {@code command} in {@code directory}; {@code moreInputs} are also visible, read-only. */
        public ProcessRunner.Outcome run(List<String> command, Path directory, Map<String, String> environment, Duration timeout,
                Path... moreInputs) {
            if (!enabled) {
                return ProcessRunner.run(command, directory, environment, timeout);
            }
            List<Path> readOnly = new ArrayList<>(inputs);
            readOnly.addAll(List.of(moreInputs));
            return ProcessRunner.run(arguments(readOnly, List.of(work), directory, environment, command), null, Map.of(), timeout);
        }
    }

    private List<String> arguments(List<Path> readOnly, List<Path> writable, Path directory, Map<String, String> environment,
            List<String> command) {
        List<SandboxArguments.SystemEntry> system = new ArrayList<>();
        for (String name : SYSTEM_DIRECTORIES) {
            Path p = Path.of(name);
            try {
                if (Files.isSymbolicLink(p)) {
                    system.add(new SandboxArguments.SystemEntry(p, Files.readSymbolicLink(p).toString()));
                } else if (Files.isDirectory(p)) {
                    system.add(new SandboxArguments.SystemEntry(p, null));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        SYSTEM_FILES.stream().map(Path::of).filter(Files::exists).forEach(p -> system.add(new SandboxArguments.SystemEntry(p, null)));
        List<Path> absolute = readOnly.stream().map(p -> p.toAbsolutePath().normalize()).distinct().toList();
        List<Path> hiddenExisting = hidden.stream().filter(Files::isDirectory).toList();
        return SandboxArguments.command(bwrap, new SandboxArguments.View(system, absolute,
                writable.stream().map(p -> p.toAbsolutePath().normalize()).toList(), hiddenExisting, identityFiles),
                asRoot, directory, environment, command);
    }

    private static int currentUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path writeOnce(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || !Files.readString(file).equals(text)) {
                Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
                Files.writeString(tmp, text, StandardCharsets.US_ASCII);
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
