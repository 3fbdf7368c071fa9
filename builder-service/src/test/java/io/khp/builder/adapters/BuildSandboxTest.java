package io.khp.builder.adapters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.khp.builder.LivepatchBuilder;
import io.khp.builder.core.BuildRefusal;
import io.khp.builder.core.ReasonCodes;
import io.khp.builder.core.SandboxArguments;
import io.khp.events.BuildStage;

/**
 * The sandbox with the real bubblewrap, on a real scratch copy of the prepared Debian tree: a
 * Makefile's {@code $(shell …)} (what a build-system hunk or a new Kbuild fragment would run)
 * gets no network, cannot write the shared tree (neither at its path nor through the scratch
 * tree's hard links), cannot see a hidden key directory even one inside a mounted directory,
 * nor the builder's processes or environment. If bubblewrap cannot run here the test fails.
 * Without a working bubblewrap a build is refused before any work.
 */
class BuildSandboxTest {

    private static final String PROBE = """
            #!/bin/bash
            r() { "$@" >/dev/null 2>&1; echo $?; }
            echo "uid=$(id -u)"
            echo "tree-hardlink-write=$(r sh -c 'echo pwned >> "$0/Makefile"' "$TREE")"
            echo "prepared-write=$(r sh -c 'echo pwned > "$0/khp-sandbox-probe"' "$PREPARED")"
            echo "prepared-source-write=$(r sh -c 'echo pwned >> "$0/Makefile"' "$PREPARED")"
            echo "hidden-read=$(r cat "$HIDDEN/signing.key")"
            echo "hidden-list=$(ls -A "$HIDDEN" 2>/dev/null | wc -l)"
            echo "loopback-connect=$(r bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$PORT")"
            echo "internet-connect=$(r bash -c 'exec 3<>/dev/tcp/1.1.1.1/53')"
            echo "interfaces=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ,)"
            echo "builder-visible=$(test -e /proc/$BUILDER_PID/environ && echo yes || echo no)"
            echo "env=$(env -0 | tr '\\0' '\\n' | cut -d= -f1 | sort | tr '\\n' ,)"
            echo "work-write=$(r sh -c 'echo ok > "$0/written"' "$OUT")"
            """;

    @Test
    void aBuildSystemCommandGetsNoNetworkNoSharedTreeAndNoKey() throws Exception {
        Path home = KhpHome.root();
        Path prepared = new KernelTreeCache(home).tree("amd64");
        // a key directory inside a directory the sandbox mounts (/usr): covered by an empty tmpfs
        Path hidden = Path.of("/usr/local/share/khp-sandbox-test-" + UUID.randomUUID());
        Path work = Files.createTempDirectory(Files.createDirectories(KhpHome.cache().resolve("work")), "sandbox-test-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        byte[] preparedMakefile = Files.readAllBytes(prepared.resolve("Makefile"));
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            Files.createDirectories(hidden);
            Files.writeString(hidden.resolve("signing.key"), "SECRET-" + UUID.randomUUID() + "\n");
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            server.configureBlocking(false);

            BuildSandbox sandbox = BuildSandbox.fromEnvironment(KhpHome.cache().resolve("sandbox"), List.of(hidden));
            assertTrue(sandbox.enabled(), BuildSandbox.OVERRIDE_VARIABLE + " must not be off for this test");
            assertEquals(Optional.empty(), sandbox.unavailable());
            try (ScratchTree scratch = ScratchTree.of(prepared, work, sandbox)) {
                Path out = Files.createDirectories(work.resolve("out"));
                sandbox.handOver(out);
                Files.writeString(work.resolve("probe.sh"), PROBE);
                Files.writeString(work.resolve("evil.mk"), "$(shell bash $(PROBE) > $(OUT)/result)\nall: ; @:\n");
                Map<String, String> env = new HashMap<>(Map.of("TREE", scratch.root().toString(), "PREPARED", prepared.toString(),
                        "HIDDEN", hidden.toString(), "PORT", String.valueOf(((InetSocketAddress) server.getLocalAddress()).getPort()),
                        "BUILDER_PID", String.valueOf(ProcessHandle.current().pid()), "OUT", out.toString()));
                env.put("PROBE", work.resolve("probe.sh").toString());
                ProcessRunner.Outcome o = sandbox.forBuild(work, List.of(prepared))
                        .run(List.of("make", "-s", "-f", work.resolve("evil.mk").toString()), scratch.root(), env, Duration.ofMinutes(2));
                assertTrue(o.ok(), o.tail(2000));
                Map<String, String> result = Files.readAllLines(out.resolve("result")).stream().filter(l -> l.contains("="))
                        .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));

                boolean root = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
                if (root) {
                    assertEquals(String.valueOf(SandboxArguments.SANDBOX_UID), result.get("uid"));
                }
                assertNotEquals("0", result.get("tree-hardlink-write"), "wrote the shared tree through a hard link");
                assertNotEquals("0", result.get("prepared-write"), "created a file in the prepared tree");
                assertNotEquals("0", result.get("prepared-source-write"), "wrote a file of the prepared tree");
                assertArrayEquals(preparedMakefile, Files.readAllBytes(prepared.resolve("Makefile")));
                assertFalse(Files.exists(prepared.resolve("khp-sandbox-probe")));
                assertNotEquals("0", result.get("hidden-read"), "read the hidden key");
                assertEquals("0", result.get("hidden-list"), "the hidden directory shows files");
                assertNotEquals("0", result.get("loopback-connect"), "reached the builder's loopback");
                assertNull(server.accept(), "a connection from the sandbox arrived");
                assertNotEquals("0", result.get("internet-connect"), "reached the network");
                assertEquals("lo,", result.get("interfaces"));
                assertEquals("no", result.get("builder-visible"), "the builder's process is visible");
                Set<String> names = Set.of(result.get("env").split(","));
                Set<String> allowed = Set.of("PATH", "HOME", "TMPDIR", "LC_ALL", "PWD", "SHLVL", "_", "OLDPWD", "MAKEFLAGS",
                        "MAKELEVEL", "MFLAGS", "MAKE_TERMOUT", "MAKE_TERMERR");
                Set<String> extra = names.stream().filter(n -> !allowed.contains(n) && !env.containsKey(n))
                        .collect(Collectors.toSet());
                assertEquals(Set.of(), extra, "variables the builder did not pass");
                assertEquals("0", result.get("work-write"), "the work directory must stay writable");
                assertEquals("ok\n", Files.readString(out.resolve("written"), StandardCharsets.UTF_8));
            }
        } finally {
            deleteTree(hidden);
            deleteTree(work);
        }
    }

    @Test
    void withoutAWorkingBubblewrapNothingIsBuilt() throws Exception {
        Path home = KhpHome.root();
        Path cache = KhpHome.cache();
        BuildSandbox broken = BuildSandbox.using("/nonexistent/bwrap", cache.resolve("sandbox"), List.of());
        assertTrue(broken.unavailable().orElseThrow().contains("bubblewrap"));
        LivepatchBuilder builder = new LivepatchBuilder(new KernelPackages(home), new KernelTreeCache(home), new TargetSymbols(home),
                new ObjectDiffTool(home), new Kbuild(2, home.resolve("kmodule/include"), Kbuild.DEFAULT_DEADLINE), cache.resolve("work"),
                cache.resolve("objects"), broken);
        String release = new KernelPackages(home).flavour("amd64").release();
        String diff = Files.readString(home.resolve("examples/cmdline-string.patch"));
        List<BuildStage> started = new ArrayList<>();
        BuildRefusal.RefusedException refused = assertThrows(BuildRefusal.RefusedException.class, () -> builder.build(
                new LivepatchBuilder.Request("no-sandbox", null, diff, "amd64", release, false),
                (stage, finished, ms, detail) -> started.add(stage)));
        assertEquals(ReasonCodes.SANDBOX_UNAVAILABLE, refused.refusal().reasonCode());
        assertEquals(BuildStage.REQUEST, refused.refusal().stage());
        assertEquals(List.of(BuildStage.REQUEST), started, "no stage after REQUEST may start");
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
