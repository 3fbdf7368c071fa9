package io.khp.builder.adapters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A private copy of a prepared kernel tree for one build, made cheaply as a hard-link farm
 * ({@code cp -al}, under a second for 85k files). Hard links share inodes with the cache, and
 * kbuild rewrites some outputs in place (gcc truncates an existing .s/.o), so every file that
 * is not pristine source (newer than the top Makefile: config, generated headers, prepare
 * outputs, objects other tools compiled) is replaced by a real copy first; sources the patch
 * changes are written as new files. Nothing the build does can then reach the shared tree.
 * The sandboxed build owns the directories and those copies, never the shared files (see
 * {@link BuildSandbox#handOver}).
 */
public final class ScratchTree implements AutoCloseable {

    private final Path root;

    private ScratchTree(Path root) {
        this.root = root;
    }

    public static ScratchTree of(Path preparedTree, Path workDir, BuildSandbox sandbox) {
        Path root = workDir.resolve("tree");
        // shared lock: tools that patch the tree's sources for a moment (klpdiff's tests) hold it exclusively
        Path lock = preparedTree.resolveSibling(preparedTree.getFileName() + ".lock");
        ProcessRunner.Outcome o = ProcessRunner.run(List.of("flock", "-s", lock.toString(), "cp", "-al",
                preparedTree.toString(), root.toString()), null, Map.of(), Duration.ofMinutes(5));
        if (!o.ok()) {
            throw new IllegalStateException("cannot make a scratch copy of " + preparedTree + ": " + o.tail(2000));
        }
        ScratchTree scratch = new ScratchTree(root);
        scratch.unshareBuildOutputs(sandbox);
        return scratch;
    }

    public Path root() {
        return root;
    }

    private void unshareBuildOutputs(BuildSandbox sandbox) {
        try {
            long pristine = Files.getLastModifiedTime(root.resolve("Makefile")).toMillis();
            List<Path> outputs;
            List<Path> directories;
            try (Stream<Path> files = Files.walk(root)) {
                List<Path> all = files.toList();
                outputs = all.stream().filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                        .filter(p -> modified(p) > pristine).toList();
                directories = all.stream().filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList();
            }
            for (Path p : outputs) {
                unshare(p);
                sandbox.handOver(p);
            }
            for (Path d : directories) {
                sandbox.handOver(d);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unshare the build outputs of " + root, e);
        }
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    private static void unshare(Path p) throws IOException {
        Path tmp = p.resolveSibling(p.getFileName() + ".khp~");
        Files.copy(p, tmp, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Source text as bytes-as-characters (ISO-8859-1), so files that are not valid UTF-8 round-trip
     * unchanged; diffs are compared in the same view.
     */
    public String read(String relative) throws IOException {
        return Files.readString(root.resolve(relative), StandardCharsets.ISO_8859_1);
    }

    public boolean exists(String relative) {
        return Files.isRegularFile(root.resolve(relative));
    }

    /** Writes {@code relative} as a new file (a new inode: the shared tree keeps its version). */
    public void write(String relative, String text) throws IOException {
        Path target = root.resolve(relative);
        Path tmp = target.resolveSibling(target.getFileName() + ".khp~");
        Files.writeString(tmp, text, StandardCharsets.ISO_8859_1, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Removes what kbuild made from {@code object} (e.g. fs/proc/cmdline.o) so it is rebuilt into fresh files. */
    public void removeOutputs(String object) throws IOException {
        Path o = root.resolve(object);
        String name = o.getFileName().toString();
        Files.deleteIfExists(o);
        Files.deleteIfExists(o.resolveSibling("." + name + ".cmd"));
        Files.deleteIfExists(o.resolveSibling("." + name + ".d"));
    }

    @Override
    public void close() {
        // rm is several times faster than a Java walk over 85k hard links
        ProcessRunner.run(List.of("rm", "-rf", root.toString()), null, Map.of(), Duration.ofMinutes(5));
    }
}
