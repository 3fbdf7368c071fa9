package io.khp.agent.sim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Kernel facts really captured from a Debian kernel in a qemu guest by
 * applier-agent/fixtures/capture-sim-fixture.sh: the helper's {@code report} result and a
 * {@code capture} result (function bytes and kallsyms candidates). Simulated hosts answer from it;
 * every simulated host shares the same byte arrays.
 */
public final class RunObjectFixture {

    public static final String RESOURCE = "/sim/run-object-amd64.json";

    public record Function(String module, String symbol, int sympos, long address, byte[] bytes) {
    }

    private final JsonNode report;
    private final Map<String, Function> functions = new HashMap<>();
    private final Map<String, List<Long>> symbols = new HashMap<>();

    private RunObjectFixture(JsonNode root) {
        report = root.path("report");
        for (JsonNode f : root.path("capture").path("functions")) {
            if (!f.path("found").asBoolean(false)) {
                continue;
            }
            String module = f.path("module").isTextual() ? f.path("module").asText() : null;
            Function fn = new Function(module, f.path("symbol").asText(), f.path("sympos").asInt(0),
                    parseAddress(f.path("address").asText()), Base64.getDecoder().decode(f.path("bytes").asText()));
            functions.put(key(module, fn.symbol(), fn.sympos()), fn);
        }
        for (JsonNode s : root.path("capture").path("symbols")) {
            List<Long> addresses = new ArrayList<>();
            s.path("candidates").forEach(c -> addresses.add(parseAddress(c.path("address").asText())));
            symbols.put(s.path("name").asText(), List.copyOf(addresses));
        }
    }

    static long parseAddress(String hex) {
        return Long.parseUnsignedLong(hex.startsWith("0x") ? hex.substring(2) : hex, 16);
    }

    private static String key(String module, String symbol, int sympos) {
        return (module == null ? "vmlinux" : module) + ":" + symbol + ":" + sympos;
    }

    public static RunObjectFixture read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return new RunObjectFixture(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sim fixture " + file, e);
        }
    }

    /** The fixture on the classpath; fails clearly when it was never captured. */
    public static RunObjectFixture bundled() {
        try (InputStream in = RunObjectFixture.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("no sim fixture " + RESOURCE
                        + " on the classpath: run applier-agent/fixtures/capture-sim-fixture.sh");
            }
            return new RunObjectFixture(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sim fixture " + RESOURCE, e);
        }
    }

    public JsonNode report() {
        return report;
    }

    /** The captured function, or null when the fixture does not hold it. */
    public Function function(String module, String symbol, int sympos) {
        return functions.get(key(module, symbol, sympos));
    }

    public List<Long> symbol(String name) {
        return symbols.getOrDefault(name, List.of());
    }

    public int functionCount() {
        return functions.size();
    }
}
