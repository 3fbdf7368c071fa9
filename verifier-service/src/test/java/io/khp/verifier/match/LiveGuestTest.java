package io.khp.verifier.match;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.khp.events.FunctionVerdict;
import io.khp.events.PatchedFunction;
import io.khp.events.PreRunVerified;
import io.khp.events.ResolvedSymbol;
import io.khp.events.RunObjectCaptured;
import io.khp.events.Verdict;
import io.khp.verifier.fixtures.FixtureFiles;

/**
 * Live: boots a qemu guest of the default Debian kernel flavour with the fleet launcher, captures
 * every fixture manifest's functions through the guest's khp-helper, and matches them. The guest
 * booted with a new KASLR offset, so every address differs from the stored fixtures; the verdict
 * must still be MATCH, resolving what the guest's /proc/kallsyms says. No qemu = a failure.
 */
class LiveGuestTest {

    static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    static final Path FLEET = REPO.resolve("infra/fleet/fleet");
    static final Path FIXTURES = Path.of("src/test/resources/fixtures");
    static final ObjectMapper JSON = new ObjectMapper();

    static Path state;
    static String host;

    @BeforeAll
    static void boot() throws Exception {
        assertTrue(Files.isExecutable(FLEET), "no fleet launcher at " + FLEET);
        state = Files.createTempDirectory("khp-verifier-live");
        String prefix = "vlive-" + UUID.randomUUID().toString().substring(0, 6);
        host = prefix + "-1";
        run(300, "up", "--hosts", "1", "--flavour", "amd64", "--prefix", prefix);
    }

    @AfterAll
    static void shutDown() throws Exception {
        if (state == null) {
            return;
        }
        try {
            run(60, "down");
        } finally {
            try (Stream<Path> files = Files.walk(state)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static String run(int timeoutSeconds, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(FLEET.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(state.resolve("fleet.log").toFile());
        pb.environment().put("KHP_FLEET_DIR", state.resolve("fleet").toString());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("fleet " + String.join(" ", args) + " did not finish in " + timeoutSeconds + " s");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("fleet " + String.join(" ", args) + " failed (" + p.exitValue() + "): "
                    + Files.readString(state.resolve("fleet.log")));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** The helper request an agent sends for a manifest: each function with its length, every relocation symbol. */
    static String captureRequest(List<PatchedFunction> manifest) {
        ObjectNode request = JSON.createObjectNode().put("op", "capture");
        ArrayNode functions = request.putArray("functions");
        TreeSet<String> symbols = new TreeSet<>();
        for (PatchedFunction f : manifest) {
            functions.addObject().put("symbol", f.getSymbol()).put("sympos", f.getSympos())
                    .put("length", f.getPreBytes().remaining());
            f.getRelocations().forEach(r -> symbols.add(r.getSymbol()));
        }
        ArrayNode names = request.putArray("symbols");
        symbols.forEach(names::add);
        return request.toString();
    }

    @Test
    void everyFixtureManifestMatchesTheLiveGuestAtItsNewAddresses() throws Exception {
        List<String> patches;
        try (Stream<Path> dirs = Files.list(FIXTURES)) {
            patches = dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertTrue(patches.size() >= 3, "fixtures missing");
        for (String patch : patches) {
            List<PatchedFunction> functions = FixtureFiles.manifest(FIXTURES.resolve(patch).resolve("report.json"));
            Path reply = state.resolve(patch + ".json");
            Files.writeString(reply, run(120, "call", host, captureRequest(functions)));
            RunObjectCaptured live = FixtureFiles.capture(reply);
            RunObjectCaptured stored = FixtureFiles.capture(FIXTURES.resolve(patch).resolve("capture-amd64.json"));
            assertNotEquals(stored.getFunctions().get(0).getAddress(), live.getFunctions().get(0).getAddress(),
                    "a new boot has a new KASLR offset");

            List<FunctionManifest> manifest = new ArrayList<>();
            for (PatchedFunction f : functions) {
                manifest.add(FunctionManifest.from(f));
            }
            PreRunVerified v = new RunPreMatcher().match(manifest, HostCapture.from(live));
            assertEquals(Verdict.MATCH, v.getVerdict(), patch + ": " + v.getReason());

            String names = String.join(" ", v.getResolvedSymbols().stream().map(ResolvedSymbol::getSymbol).toList())
                    + " " + String.join(" ", v.getFunctions().stream().map(FunctionVerdict::getSymbol).toList());
            Path kallsyms = state.resolve(patch + ".kallsyms");
            Files.writeString(kallsyms, run(120, "exec", host, "--", "awk -v names='" + names
                    + "' 'BEGIN { n = split(names, a, \" \"); for (i = 1; i <= n; i++) want[a[i]] = 1 } ($3 in want)' /proc/kallsyms"));
            Map<String, List<Long>> lines = FixtureFiles.kallsyms(kallsyms);
            for (FunctionVerdict f : v.getFunctions()) {
                assertEquals(List.of(f.getAddress()), lines.get(f.getSymbol()), f.getSymbol());
            }
            for (ResolvedSymbol s : v.getResolvedSymbols()) {
                List<Long> addresses = lines.get(s.getSymbol());
                assertTrue(addresses != null && addresses.contains(s.getAddress()), patch + ": " + s.getSymbol());
                assertEquals(addresses.size() > 1 ? addresses.indexOf(s.getAddress()) + 1 : 0, s.getSympos(), s.getSymbol());
            }
        }
    }
}
