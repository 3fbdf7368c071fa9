package io.khp.builder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class SandboxArgumentsTest {

    private static final List<SandboxArguments.SystemEntry> SYSTEM = List.of(new SandboxArguments.SystemEntry(Path.of("/usr"), null),
            new SandboxArguments.SystemEntry(Path.of("/bin"), "usr/bin"));
    private static final Path TREE = Path.of("/root/.cache/khp/trees/t");
    private static final Path WORK = Path.of("/root/.cache/khp/work/build-1");

    private static List<String> command(List<Path> hidden, boolean asRoot) {
        return SandboxArguments.command("bwrap", new SandboxArguments.View(SYSTEM, List.of(TREE), List.of(WORK), hidden, Map.of()),
                asRoot, WORK.resolve("tree"), Map.of("KBUILD_X", "1"), List.of("make", "x.o"));
    }

    /** The value following each occurrence of {@code option}. */
    private static List<String> after(List<String> args, String option, int skip) {
        List<String> values = new java.util.ArrayList<>();
        for (int i = 0; i < args.indexOf("--"); i++) {
            if (args.get(i).equals(option)) {
                values.add(args.get(i + 1 + skip));
            }
        }
        return values;
    }

    @Test
    void onlyTheListedPathsAreMountedAndTheKeyDirectoryIsNot() {
        Path keys = Path.of("/root/.config/khp/keys");
        List<String> args = command(List.of(keys), true);
        assertEquals(List.of("/usr", "/root/.cache/khp/trees/t"), after(args, "--ro-bind", 0));
        assertEquals(List.of("/root/.cache/khp/work/build-1"), after(args, "--bind", 0));
        assertFalse(args.stream().anyMatch(a -> a.startsWith("/root/.config")), args.toString());
        assertEquals(List.of("/tmp"), after(args, "--tmpfs", 0));
        // parents of mounts exist with mode 0755, in order, and are not mounts themselves
        assertEquals(List.of("/root", "/root/.cache", "/root/.cache/khp", "/root/.cache/khp/trees", "/root/.cache/khp/work"),
                after(args, "--dir", 0));
    }

    @Test
    void aKeyDirectoryInsideAMountedDirectoryIsCoveredByAnEmptyTmpfs() {
        List<String> args = command(List.of(Path.of("/usr/local/keys")), true);
        assertEquals(List.of("/tmp", "/usr/local/keys"), after(args, "--tmpfs", 0));
        assertTrue(args.lastIndexOf("/usr/local/keys") > args.indexOf("/root/.cache/khp/trees/t"), "the tmpfs goes on top of the binds");
    }

    @Test
    void aKeyDirectoryInsideTheWritableDirectoryOrAroundAMountIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> command(List.of(WORK.resolve("keys")), true));
        assertThrows(IllegalArgumentException.class, () -> command(List.of(Path.of("/root/.cache")), true));
    }

    @Test
    void noNetworkAClearedEnvironmentAndAsRootNoPrivileges() {
        List<String> root = command(List.of(), true);
        assertTrue(root.containsAll(List.of("--unshare-net", "--unshare-pid", "--unshare-ipc", "--die-with-parent", "--clearenv")));
        assertFalse(root.contains("--share-net"));
        List<String> tail = root.subList(root.indexOf("--") + 1, root.size());
        assertEquals("setpriv", tail.get(0));
        assertTrue(tail.containsAll(List.of("--reuid=65534", "--regid=65534", "--clear-groups", "--no-new-privs",
                "--inh-caps=-all", "--bounding-set=-all")));
        assertEquals(List.of("make", "x.o"), tail.subList(tail.size() - 2, tail.size()));
        assertEquals(List.of("PATH", "HOME", "TMPDIR", "LC_ALL", "KBUILD_X"), after(root, "--setenv", 0));
        assertEquals(List.of("/root/.cache/khp/work/build-1/tree"), after(root, "--chdir", 0));

        List<String> user = command(List.of(), false);
        assertTrue(user.containsAll(List.of("--unshare-all", "--cap-drop", "ALL")));
        assertEquals(List.of("make", "x.o"), user.subList(user.indexOf("--") + 1, user.size()));
        assertEquals(0, Collections.frequency(user, "setpriv"));
    }

    @Test
    void relativePathsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> SandboxArguments.command("bwrap",
                new SandboxArguments.View(SYSTEM, List.of(Path.of("tree")), List.of(WORK), List.of(), Map.of()), true, null, Map.of(),
                List.of("true")));
    }
}
