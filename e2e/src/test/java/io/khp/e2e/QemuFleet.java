package io.khp.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A private fleet of real qemu guests for this test JVM (`khp fleet`, own KHP_FLEET_DIR), without
 * the fleet's own agents: the test runs the agents in-process. {@link #close} tears it down.
 */
final class QemuFleet implements AutoCloseable {

    private final Path dir;
    private final Map<String, String> env;

    QemuFleet() throws IOException {
        dir = Files.createTempDirectory("khp-e2e-fleet");
        env = Map.of("KHP_FLEET_DIR", dir.toString());
    }

    void up(int hosts, String flavour, String prefix) {
        khp(Duration.ofMinutes(10), "fleet", "up", "--no-agents", "--hosts", Integer.toString(hosts), "--flavour", flavour,
                "--prefix", prefix).orFail("khp fleet up " + prefix);
    }

    /** Host id → helper socket, from `khp fleet list`. */
    Map<String, String> sockets() {
        Map<String, String> sockets = new LinkedHashMap<>();
        for (String line : khp(Duration.ofMinutes(1), "fleet", "list").orFail("khp fleet list").out().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 5) {
                sockets.put(f[0], f[4]);
            }
        }
        return sockets;
    }

    /** Runs a shell command in the guest; returns its result (exit status and output). */
    Processes.Result exec(String host, String command) {
        return khp(Duration.ofMinutes(2), "fleet", "exec", host, "--", command);
    }

    String execOk(String host, String command) {
        return exec(host, command).orFail("in " + host + ": " + command).out();
    }

    private Processes.Result khp(Duration timeout, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Processes.repo().resolve("khp").toString());
        command.addAll(List.of(args));
        return Processes.run(command, Processes.repo(), env, timeout);
    }

    @Override
    public void close() {
        khp(Duration.ofMinutes(2), "fleet", "down");
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temp directory is harmless
        }
    }
}
