package io.khp.agent.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A private qemu fleet for one test class: `khp fleet up` with its own KHP_FLEET_DIR, torn down
 * (`khp fleet down`, directory removed) by {@link #close}. Without qemu the fleet command fails and
 * so does the test.
 */
final class QemuFleet implements AutoCloseable {

    static final Path ROOT = findRoot();

    private final Path dir;
    private final List<String> hosts = new ArrayList<>();

    private QemuFleet(Path dir) {
        this.dir = dir;
    }

    private static Path findRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("khp"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find the khp repository root above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    static QemuFleet up(int count, String flavour) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("khp-agent-fleet");
        QemuFleet fleet = new QemuFleet(dir);
        String prefix = "agt" + UUID.randomUUID().toString().substring(0, 4);
        try {
            fleet.run(300, "fleet", "up", "--no-agents", "--hosts", Integer.toString(count), "--prefix", prefix, "--flavour", flavour);
        } catch (IOException | RuntimeException e) {
            fleet.close();
            throw e;
        }
        for (int i = 1; i <= count; i++) {
            fleet.hosts.add(prefix + "-" + i);
        }
        return fleet;
    }

    /** Runs a khp command with this fleet's state directory; its output goes to a log in that directory. */
    String run(int timeoutSeconds, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ROOT.resolve("khp").toString());
        command.addAll(List.of(args));
        Path log = Files.createTempFile(dir, "khp-", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("KHP_FLEET_DIR", dir.toString());
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", args) + " did not finish in " + timeoutSeconds + " s:\n"
                    + Files.readString(log));
        }
        String out = Files.readString(log);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("khp " + String.join(" ", args) + " failed (" + p.exitValue() + "):\n" + out);
        }
        return out;
    }

    List<String> hosts() {
        return List.copyOf(hosts);
    }

    Path socket(String host) {
        return dir.resolve(host).resolve("helper.sock");
    }

    /** The directory of the test modules built for the flavour's release (builds them if needed). */
    static Path modules(String flavour) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("make", "-s", "-C", ROOT.resolve("kmodule/testmods").toString(), "modules-dir",
                "FLAVOUR=" + flavour).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("building the test modules failed:\n" + out);
        }
        String[] lines = out.strip().split("\n");
        return Path.of(lines[lines.length - 1].strip());
    }

    @Override
    public void close() {
        try {
            run(120, "fleet", "down");
        } catch (Exception e) {
            System.err.println("fleet down failed: " + e.getMessage());
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            System.err.println("cannot remove " + dir + ": " + e.getMessage());
        }
    }
}
