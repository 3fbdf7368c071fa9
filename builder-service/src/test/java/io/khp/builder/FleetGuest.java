package io.khp.builder;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.khp.builder.adapters.KhpHome;
import io.khp.builder.adapters.ProcessRunner;

/**
 * One qemu guest of the khp fleet (./khp fleet, private KHP_FLEET_DIR) for tests: helper requests
 * over its unix socket (protocol: kmodule/helper/PROTOCOL.md) and shell commands via fleet exec.
 */
final class FleetGuest implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path fleetDir;
    private final String host;
    private final AtomicInteger ids = new AtomicInteger();

    private FleetGuest(Path fleetDir, String host) {
        this.fleetDir = fleetDir;
        this.host = host;
    }

    static FleetGuest boot(String prefix) throws IOException {
        Path dir = Files.createTempDirectory("khp-builder-fleet-");
        FleetGuest guest = new FleetGuest(dir, prefix + "-1");
        ProcessRunner.Outcome up = guest.fleet(List.of("up", "--no-agents", "--hosts", "1", "--prefix", prefix), Duration.ofMinutes(10));
        if (!up.ok()) {
            guest.close();
            throw new IllegalStateException("fleet up failed: " + up.tail(4000));
        }
        return guest;
    }

    private ProcessRunner.Outcome fleet(List<String> args, Duration timeout) {
        List<String> cmd = new java.util.ArrayList<>(List.of(KhpHome.root().resolve("khp").toString(), "fleet"));
        cmd.addAll(args);
        return ProcessRunner.run(cmd, KhpHome.root(), Map.of("KHP_FLEET_DIR", fleetDir.toString()), timeout);
    }

    /** Output of a shell command in the guest; fails the test when the command fails. */
    String exec(String command) {
        ProcessRunner.Outcome o = fleet(List.of("exec", host, "--", command), Duration.ofMinutes(2));
        if (!o.ok()) {
            throw new AssertionError("guest command '" + command + "' failed: " + o.tail(2000));
        }
        return o.stdout();
    }

    /** One helper request; returns the whole reply ({"ok":…, "result"|"error"}). */
    JsonNode call(ObjectNode request) throws IOException {
        int id = ids.incrementAndGet();
        request.put("id", "builder-" + id);
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(fleetDir.resolve(host).resolve("helper.sock")));
            ch.write(ByteBuffer.wrap(("\n" + JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8)));
            var reader = new java.io.BufferedReader(new java.io.InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode reply = JSON.readTree(line);
                if (("builder-" + id).equals(reply.path("id").asText())) {
                    return reply;
                }
            }
        }
        throw new IOException("the helper closed the connection without answering " + request.path("op").asText());
    }

    ObjectNode request(String op) {
        return JSON.createObjectNode().put("op", op);
    }

    @Override
    public void close() {
        fleet(List.of("down"), Duration.ofMinutes(2));
        try (var files = Files.walk(fleetDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // already gone
        }
    }

    /**
     * Polls the helper's status until the patch is enabled with no transition running, or, for
     * enabled=false, until it is disabled and settled (the kernel removes a disabled patch's sysfs
     * directory once its transition is over: present=false).
     */
    void awaitTransition(String module, boolean enabled) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        JsonNode status = null;
        while (Instant.now().isBefore(deadline)) {
            status = call(request("status").put("name", module)).path("result");
            boolean present = status.path("present").asBoolean();
            boolean settled = present && status.path("enabled").asBoolean() == enabled && !status.path("transition").asBoolean();
            if (settled || (!enabled && !present)) {
                return;
            }
            Thread.sleep(200); // poll interval
        }
        throw new AssertionError("livepatch " + module + " did not settle enabled=" + enabled + ": " + status);
    }
}
