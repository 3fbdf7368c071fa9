package io.khp.builder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.khp.builder.adapters.KernelPackages;
import io.khp.builder.adapters.KhpHome;
import io.khp.builder.core.AppliedHunks;
import io.khp.builder.core.BuildRefusal;
import io.khp.bus.SigningKeys;

/**
 * The patch corpus (src/test/resources/corpus/cases.json): each patch, written against the Debian
 * 6.1 source, is built for real; refusals must carry the expected reason; built modules are loaded
 * into one qemu guest of the target kernel, their effect is checked inside the guest, and they
 * are reverted (disable, wait for the transition, unload) with the original behaviour back.
 */
class CorpusTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path temp;

    static Components components;
    static FleetGuest guest;
    static String release;

    @BeforeAll
    static void setUp() throws IOException {
        SigningKeys.generate(temp.resolve("keys"));
        components = Components.with(temp.resolve("keys"), temp.resolve("builds"));
        release = new KernelPackages(KhpHome.root()).flavour("amd64").release();
        guest = FleetGuest.boot("bcorpus");
    }

    @AfterAll
    static void tearDown() {
        if (guest != null) {
            guest.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> corpus() throws IOException {
        JsonNode cases;
        try (InputStream in = CorpusTest.class.getResourceAsStream("/corpus/cases.json")) {
            cases = JSON.readTree(in);
        }
        // -Dkhp.corpus=name,name runs those cases only (while working on them)
        List<String> only = List.of(System.getProperty("khp.corpus", "").split(",")).stream().filter(n -> !n.isBlank()).toList();
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : cases) {
            if (only.isEmpty() || only.contains(c.get("name").asText())) {
                tests.add(DynamicTest.dynamicTest(c.get("name").asText() + ": " + c.get("about").asText(), () -> run(c)));
            }
        }
        assertTrue(only.isEmpty() ? cases.size() >= 10 : tests.size() == only.size(),
                "the corpus holds at least 10 cases, and every selected one: " + only);
        return tests.stream();
    }

    private void run(JsonNode c) throws Exception {
        String name = c.get("name").asText();
        String diff;
        try (InputStream in = CorpusTest.class.getResourceAsStream("/corpus/" + name + ".patch")) {
            diff = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        LivepatchBuilder.Request request = new LivepatchBuilder.Request("corpus-" + name, "khp corpus: " + name, diff,
                "amd64", release, false);
        if (c.get("expect").asText().equals("REFUSED")) {
            BuildRefusal.RefusedException e = org.junit.jupiter.api.Assertions.assertThrows(BuildRefusal.RefusedException.class,
                    () -> components.builder().build(request, (s, f, ms, d) -> { }));
            assertEquals(c.get("reasonCode").asText(), e.refusal().reasonCode(), e.getMessage());
            assertNotNull(e.refusal().file(), "the refusal names the file");
            if (c.has("symbol")) {
                assertEquals(c.get("symbol").asText(), e.refusal().symbol(), e.getMessage());
            }
            return;
        }
        LivepatchBuilder.Built built = components.builder().build(request, (s, f, ms, d) -> { });
        List<String> functions = built.functions().stream()
                .map(f -> f.getObjectName() + ":" + f.getSymbol() + ":" + f.getSympos()).toList();
        List<String> expected = new ArrayList<>();
        c.get("functions").forEach(f -> expected.add(f.asText()));
        assertEquals(expected, functions);
        built.functions().forEach(f -> assertTrue(f.getPreBytes().remaining() > 0, "pre bytes of " + f.getSymbol()));
        List<String> newFunctions = new ArrayList<>();
        c.path("newFunctions").forEach(f -> newFunctions.add(f.asText()));
        assertEquals(newFunctions, built.newFunctions());
        if (c.has("appliedHunks")) {
            List<String> placements = new ArrayList<>();
            c.get("appliedHunks").forEach(h -> placements.add(h.asText()));
            assertEquals(placements, built.appliedHunks().stream().map(AppliedHunks::describe).toList());
        }

        String check = c.get("check").asText();
        String before = guest.exec(check);
        for (JsonNode p : c.get("patched")) {
            assertFalse(before.contains(p.asText()), "before loading, '" + p.asText() + "' is not in: " + before);
        }
        // revertCheck: what must appear only after the patch was loaded and reverted (e.g. a callback's dmesg line)
        JsonNode revertCheck = c.path("revertCheck");
        if (!revertCheck.isMissingNode()) {
            String earlier = guest.exec(revertCheck.get("command").asText());
            for (JsonNode p : revertCheck.get("contains")) {
                assertFalse(earlier.contains(p.asText()), "before loading, '" + p.asText() + "' is not in: " + earlier);
            }
        }
        String lateModule = c.path("lateModule").asText(null);
        if (lateModule != null) {
            // the check may have loaded it (mounting binfmt_misc autoloads the module through modprobe)
            unloadIfLoaded(lateModule);
        }
        JsonNode load = guest.call(guest.request("load").put("name", built.moduleName())
                .put("module", Base64.getEncoder().encodeToString(built.module())));
        if (c.get("expect").asText().equals("LOAD_FAILED")) {
            assertFalse(load.path("ok").asBoolean(), () -> "load must fail: " + load);
            assertEquals(c.get("loadError").asText(), load.path("error").path("code").asText(), load::toString);
            JsonNode status = guest.call(guest.request("status").put("name", built.moduleName())).path("result");
            assertFalse(status.path("present").asBoolean(), () -> "no livepatch left: " + status);
            assertFalse(status.path("module_loaded").asBoolean(), () -> "no module left: " + status);
            String after = guest.exec(check);
            for (JsonNode p : c.get("patched")) {
                assertFalse(after.contains(p.asText()), "after the failed load, '" + p.asText() + "' is not in: " + after);
            }
            assertRevertCheck(revertCheck);
            return;
        }
        assertTrue(load.path("ok").asBoolean(), () -> "load: " + load);
        try {
            guest.awaitTransition(built.moduleName(), true);
            if (lateModule != null) {
                // the patched module arrives after the livepatch: the livepatch core patches it as it loads
                JsonNode late = guest.call(guest.request("load").put("name", lateModule)
                        .put("module", Base64.getEncoder().encodeToString(Files.readAllBytes(imageModule(lateModule)))));
                assertTrue(late.path("ok").asBoolean(), () -> "load " + lateModule + ": " + late);
            }
            String patched = guest.exec(check);
            for (JsonNode p : c.get("patched")) {
                assertTrue(patched.contains(p.asText()), "patched: '" + p.asText() + "' in: " + patched);
            }
        } finally {
            JsonNode disable = guest.call(guest.request("disable").put("name", built.moduleName()));
            assertTrue(disable.path("ok").asBoolean(), () -> "disable: " + disable);
            guest.awaitTransition(built.moduleName(), false);
            JsonNode unload = guest.call(guest.request("unload").put("name", built.moduleName()));
            assertTrue(unload.path("ok").asBoolean(), () -> "unload: " + unload);
        }
        String reverted = guest.exec(check);
        for (JsonNode p : c.get("patched")) {
            assertFalse(reverted.contains(p.asText()), "reverted: '" + p.asText() + "' gone from: " + reverted);
        }
        for (JsonNode o : c.path("original")) {
            assertTrue(reverted.contains(o.asText()), "reverted: '" + o.asText() + "' back in: " + reverted);
        }
        assertRevertCheck(revertCheck);
        if (lateModule != null) {
            JsonNode unload = guest.call(guest.request("unload").put("name", lateModule));
            assertTrue(unload.path("ok").asBoolean(), () -> "unload " + lateModule + ": " + unload);
        }
    }

    private static void assertRevertCheck(JsonNode revertCheck) {
        if (revertCheck.isMissingNode()) {
            return;
        }
        String out = guest.exec(revertCheck.get("command").asText());
        for (JsonNode p : revertCheck.get("contains")) {
            assertTrue(out.contains(p.asText()), "after revert, '" + p.asText() + "' in: " + out);
        }
    }

    private static void unloadIfLoaded(String module) throws IOException {
        JsonNode status = guest.call(guest.request("status").put("name", module)).path("result");
        if (status.path("module_loaded").asBoolean()) {
            JsonNode unload = guest.call(guest.request("unload").put("name", module));
            assertTrue(unload.path("ok").asBoolean(), () -> "unload " + module + " before the patch: " + unload);
        }
    }

    /** The .ko of {@code name} in the target's image package. */
    private static Path imageModule(String name) throws IOException {
        KernelPackages.Flavour f = new KernelPackages(KhpHome.root()).flavour("amd64");
        try (Stream<Path> files = Files.walk(f.imageRoot().resolve("lib/modules/" + f.release()))) {
            return files.filter(p -> p.getFileName().toString().equals(name + ".ko")).findFirst()
                    .orElseThrow(() -> new AssertionError(name + ".ko is not in the image package"));
        }
    }
}
