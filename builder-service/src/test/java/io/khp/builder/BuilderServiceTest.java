package io.khp.builder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.khp.bus.ArtifactSignature;
import io.khp.bus.ClientSettings;
import io.khp.bus.EventCodec;
import io.khp.bus.Events;
import io.khp.bus.SigningKeys;
import io.khp.bus.TopicProvisioner;
import io.khp.bus.Topics;
import io.khp.events.BuildFailed;
import io.khp.events.BuildProgress;
import io.khp.events.BuildRequested;
import io.khp.events.BuildStage;
import io.khp.events.KernelIdentity;
import io.khp.events.KhpEvent;
import io.khp.events.PatchBuilt;
import io.khp.testkit.RealKafka;
import io.khp.testkit.TestKafka;

/**
 * The service on a real broker with real builds: the example patch against the Debian source
 * becomes a signed module (kbuild, klpdiff); a duplicate is answered from the cache; a patch
 * that does not apply is refused with its file and hunk.
 */
@RealKafka
class BuilderServiceTest {

    @TempDir
    static Path temp;

    static BuilderService service;
    static String keyId;
    static Path keys;

    @BeforeAll
    static void start(TestKafka kafka) throws Exception {
        try (Admin admin = kafka.admin()) {
            new TopicProvisioner(admin, (short) 1).ensure(Topics.all());
        }
        keys = temp.resolve("keys");
        keyId = SigningKeys.generate(keys);
        service = new BuilderService(Components.with(keys, temp.resolve("builds")), 2);
        service.start(ClientSettings.of(kafka.bootstrapServers()));
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.stop();
        }
    }

    private static String release() {
        return new io.khp.builder.adapters.KernelPackages(io.khp.builder.adapters.KhpHome.root()).flavour("amd64").release();
    }

    private static KhpEvent request(String patchId, String name, String diff) {
        return new Events("test").envelope().setPatchId(patchId).setCorrelationId(patchId)
                .setPayload(BuildRequested.newBuilder().setName(name).setDiff(diff).setDescription("khp test")
                        .setCveIds(List.of("CVE-2099-0001"))
                        .setTarget(KernelIdentity.newBuilder().setRelease(release()).setFlavour("amd64").build()).build())
                .build();
    }

    private static void send(TestKafka kafka, KhpEvent event) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(ClientSettings.of(kafka.bootstrapServers()).producer("test"))) {
            p.send(new ProducerRecord<>(Topics.BUILDS.name(), event.getPatchId().getBytes(StandardCharsets.UTF_8),
                    EventCodec.instance().encode(event))).get();
        }
    }

    /** Every event of {@code patchId} until its outcome (PatchBuilt or BuildFailed), or fails at the deadline. */
    private static List<KhpEvent> untilOutcome(TestKafka kafka, String patchId, Duration timeout) {
        Map<String, Object> config = ClientSettings.of(kafka.bootstrapServers()).consumer("test-" + UUID.randomUUID());
        List<KhpEvent> seen = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(config)) {
            c.subscribe(List.of(Topics.BUILDS.name()));
            Instant deadline = Instant.now().plus(timeout);
            while (Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    KhpEvent e = EventCodec.instance().decode(r.value());
                    if (patchId.equals(e.getPatchId())) {
                        seen.add(e);
                        if (e.getPayload() instanceof PatchBuilt || e.getPayload() instanceof BuildFailed) {
                            return seen;
                        }
                    }
                }
            }
        }
        throw new AssertionError("no outcome for " + patchId + " within " + timeout + "; saw " + seen.stream().map(Events::typeOf).toList());
    }

    private static byte[] artifact(TestKafka kafka, String sha256, Duration timeout) {
        Map<String, Object> config = ClientSettings.of(kafka.bootstrapServers()).consumer("test-" + UUID.randomUUID());
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(config)) {
            c.subscribe(List.of(Topics.ARTIFACTS.name()));
            Instant deadline = Instant.now().plus(timeout);
            while (Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (sha256.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        return r.value();
                    }
                }
            }
        }
        throw new AssertionError("no artifact " + sha256);
    }

    @Test
    void buildsSignsPublishesAndAnswersDuplicatesFromTheCache(TestKafka kafka) throws Exception {
        String diff = Files.readString(io.khp.builder.adapters.KhpHome.root().resolve("examples/cmdline-string.patch"));
        String patchId = "p-" + UUID.randomUUID();
        KhpEvent req = request(patchId, "cmdline-string", diff);
        send(kafka, req);
        List<KhpEvent> events = untilOutcome(kafka, patchId, Duration.ofMinutes(20));
        KhpEvent outcome = events.get(events.size() - 1);
        assertTrue(outcome.getPayload() instanceof PatchBuilt, () -> "expected PatchBuilt, got " + outcome.getPayload());
        PatchBuilt built = (PatchBuilt) outcome.getPayload();
        assertEquals(req.getEventId(), outcome.getCausationId());
        assertEquals("khp_cmdline_string", built.getModuleName());
        assertEquals(List.of("CVE-2099-0001"), built.getCveIds());
        assertEquals(release(), built.getTarget().getRelease());
        assertNotNull(built.getTarget().getSourceVersion());
        assertTrue(built.getToolchain().getCompiler().startsWith("gcc-12"), built.getToolchain().getCompiler());
        assertEquals(1, built.getFunctions().size());
        var f = built.getFunctions().get(0);
        assertEquals("vmlinux", f.getObjectName());
        assertEquals("cmdline_proc_show", f.getSymbol());
        assertEquals("fs/proc/cmdline.c", f.getSourceFile());
        assertTrue(f.getPreBytes().remaining() > 16, "pre bytes of cmdline_proc_show");
        assertTrue(f.getRelocations().stream().anyMatch(r -> r.getSymbol().equals("saved_command_line")), f.getRelocations().toString());
        assertTrue(f.getWildcards().stream().anyMatch(w -> w.getKind().toString().equals("FENTRY")), f.getWildcards().toString());
        List<BuildStage> finished = events.stream().filter(e -> e.getPayload() instanceof BuildProgress p && p.getFinished())
                .map(e -> ((BuildProgress) e.getPayload()).getStage()).toList();
        assertEquals(List.of(BuildStage.REQUEST, BuildStage.PREPARE_TREE, BuildStage.APPLY_PATCH, BuildStage.COMPILE,
                BuildStage.DIFF_OBJECTS, BuildStage.GENERATE, BuildStage.KBUILD, BuildStage.SIGN), finished);

        // the module is on the artifacts topic under its sha256, and the signature binds it to this patch
        byte[] module = artifact(kafka, built.getArtifact().getSha256(), Duration.ofMinutes(1));
        assertEquals(built.getArtifact().getSha256(), ArtifactSignature.sha256Hex(module));
        assertEquals(module.length, built.getArtifact().getSizeBytes());
        assertEquals(keyId, built.getArtifact().getKeyId());
        assertEquals(ArtifactSignature.manifestSha256(built.getFunctions()), built.getArtifact().getManifestSha256());
        byte[] sig = new byte[built.getArtifact().getSignature().remaining()];
        built.getArtifact().getSignature().duplicate().get(sig);
        var pub = SigningKeys.trustedKeys(keys).get(keyId);
        assertTrue(ArtifactSignature.verify(pub, ArtifactSignature.signedMessage(patchId, built.getModuleName(),
                built.getArtifact().getSha256(), built.getArtifact().getManifestSha256()), sig));
        assertFalse(ArtifactSignature.verify(pub, ArtifactSignature.signedMessage("other", built.getModuleName(),
                built.getArtifact().getSha256(), built.getArtifact().getManifestSha256()), sig));
        assertTrue(new String(module, StandardCharsets.ISO_8859_1).contains("livepatch=Y"), "modinfo livepatch=Y");

        // the same diff and target again, under another patch id: from the cache, same module, own signature
        String again = "p-" + UUID.randomUUID();
        send(kafka, request(again, "cmdline-string", diff));
        List<KhpEvent> second = untilOutcome(kafka, again, Duration.ofMinutes(5));
        PatchBuilt cached = (PatchBuilt) second.get(second.size() - 1).getPayload();
        assertEquals(built.getArtifact().getSha256(), cached.getArtifact().getSha256());
        assertTrue(second.stream().anyMatch(e -> e.getPayload() instanceof BuildProgress p
                && "answered from the build cache".equals(p.getDetail())));
        assertFalse(second.stream().anyMatch(e -> e.getPayload() instanceof BuildProgress p && p.getStage() == BuildStage.COMPILE));
    }

    @Test
    void aPatchThatDoesNotApplyIsRefusedWithItsFileAndHunk(TestKafka kafka) throws Exception {
        String diff = """
                --- a/fs/proc/cmdline.c
                +++ b/fs/proc/cmdline.c
                @@ -7,3 +7,3 @@
                 static int cmdline_proc_show(struct seq_file *m, void *v)
                 {
                -\tseq_puts(m, no_such_line);
                +\tseq_puts(m, something_else);
                """;
        String patchId = "p-" + UUID.randomUUID();
        send(kafka, request(patchId, "bad", diff));
        List<KhpEvent> events = untilOutcome(kafka, patchId, Duration.ofMinutes(10));
        BuildFailed failed = (BuildFailed) events.get(events.size() - 1).getPayload();
        assertEquals("PATCH_DOES_NOT_APPLY", failed.getReasonCode());
        assertEquals(BuildStage.APPLY_PATCH, failed.getStage());
        assertEquals("fs/proc/cmdline.c", failed.getFile());
        assertTrue(failed.getHunk().startsWith("@@ -7,3 +7,3 @@"), failed.getHunk());
        assertTrue(failed.getHunk().contains("no_such_line"));
    }

    /**
     * A patch that tries to read the signing key at compile time (by its absolute path, by a
     * relative path from the source, through /proc/self/root, or into the object with .incbin)
     * fails to compile in the sandbox, and no event, failure reason or log line carries the
     * key's bytes or their base64.
     */
    @Test
    void aPatchReadingTheSigningKeyFailsAndRevealsNothing(TestKafka kafka) throws Exception {
        Path keyFile = keys.resolve(keyId + ".key");
        String keyText = Files.readString(keyFile).strip();
        byte[] der = java.util.Base64.getDecoder().decode(keyText);
        // an Ed25519 PKCS#8 key is a fixed 16-byte header and the 32-byte secret
        List<String> secrets = List.of(keyText.substring(24),
                java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(keyFile)).substring(32),
                java.util.HexFormat.of().formatHex(der, 16, 48));
        Map<String, byte[]> keysBefore = contents(keys);
        String absolute = keyFile.toAbsolutePath().toString();
        Map<String, String> attacks = new java.util.LinkedHashMap<>();
        attacks.put("absolute", "#include \"" + absolute + "\"");
        attacks.put("relative", "#include \"" + "../".repeat(40) + absolute.substring(1) + "\"");
        attacks.put("proc-root", "#include \"/proc/self/root" + absolute + "\"");
        attacks.put("incbin", "asm(\".pushsection .rodata.khp_key,\\\"a\\\"\\n.incbin \\\"" + absolute + "\\\"\\n.popsection\");");

        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs = new ch.qos.logback.core.read.ListAppender<>();
        logs.start();
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(logs);
        try {
            Map<String, String> patchIds = new java.util.LinkedHashMap<>();
            for (var attack : attacks.entrySet()) {
                String diff = "--- a/fs/proc/cmdline.c\n+++ b/fs/proc/cmdline.c\n@@ -7,7 +7,9 @@\n"
                        + " static int cmdline_proc_show(struct seq_file *m, void *v)\n {\n \tseq_puts(m, saved_command_line);\n"
                        + "-\tseq_putc(m, '\\n');\n"
                        + (attack.getKey().equals("incbin") ? "+\tseq_putc(m, '\\n');\n+" + attack.getValue() + "\n+\t;\n"
                                : "+\tseq_puts(m, \"\"\n+" + attack.getValue() + "\n+\t);\n")
                        + " \treturn 0;\n }\n \n";
                String patchId = "p-" + UUID.randomUUID();
                patchIds.put(attack.getKey(), patchId);
                send(kafka, request(patchId, "key-" + attack.getKey(), diff));
            }
            for (var p : patchIds.entrySet()) {
                List<KhpEvent> events = untilOutcome(kafka, p.getValue(), Duration.ofMinutes(20));
                Object outcome = events.get(events.size() - 1).getPayload();
                assertTrue(outcome instanceof BuildFailed, () -> p.getKey() + ": expected BuildFailed, got " + outcome);
                BuildFailed failed = (BuildFailed) outcome;
                assertEquals("COMPILE_ERROR", failed.getReasonCode(), p.getKey() + ": " + failed);
                assertTrue(failed.getCompilerOutput().contains("No such file or directory")
                        || failed.getCompilerOutput().contains("file not found"), p.getKey() + ": " + failed.getCompilerOutput());
                for (KhpEvent e : events) {
                    for (String secret : secrets) {
                        assertFalse(e.toString().contains(secret), p.getKey() + ": an event carries the key: " + Events.typeOf(e));
                    }
                }
            }
        } finally {
            root.detachAppender(logs);
        }
        for (var event : logs.list) {
            String text = event.getFormattedMessage() + (event.getThrowableProxy() == null ? ""
                    : ch.qos.logback.classic.spi.ThrowableProxyUtil.asString(event.getThrowableProxy()));
            for (String secret : secrets) {
                assertFalse(text.contains(secret), "a log line carries the key: " + event.getLoggerName());
            }
        }
        Map<String, byte[]> keysAfter = contents(keys);
        assertEquals(keysBefore.keySet(), keysAfter.keySet());
        keysBefore.forEach((name, bytes) -> assertTrue(java.util.Arrays.equals(bytes, keysAfter.get(name)), name));
    }

    private static Map<String, byte[]> contents(Path dir) throws java.io.IOException {
        Map<String, byte[]> files = new java.util.TreeMap<>();
        try (var list = Files.list(dir)) {
            for (Path p : list.toList()) {
                files.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }

    @Test
    void aHeaderChangeIsRefusedBeforeAnyWork(TestKafka kafka) throws Exception {
        String patchId = "p-" + UUID.randomUUID();
        send(kafka, request(patchId, "hdr", "--- a/include/linux/seq_file.h\n+++ b/include/linux/seq_file.h\n@@ -1 +1 @@\n-a\n+b\n"));
        List<KhpEvent> events = untilOutcome(kafka, patchId, Duration.ofMinutes(5));
        BuildFailed failed = (BuildFailed) events.get(events.size() - 1).getPayload();
        assertEquals("HEADER_CHANGED", failed.getReasonCode());
        assertEquals("include/linux/seq_file.h", failed.getFile());
    }

    @Test
    void requestsOfOnePatchAreBuiltConcurrently(TestKafka kafka) throws Exception {
        // one patch, two requests under its key (one partition): a real build, then one refused at once;
        // with two workers the refusal does not wait for the build before it
        String patchId = "p-" + UUID.randomUUID();
        KhpEvent slow = request(patchId, "meminfo-line", Files.readString(io.khp.builder.adapters.KhpHome.root()
                .resolve("examples/meminfo-khp-line.patch")));
        KhpEvent fast = request(patchId, "hdr", "--- a/include/linux/mm.h\n+++ b/include/linux/mm.h\n@@ -1 +1 @@\n-a\n+b\n");
        send(kafka, slow);
        send(kafka, fast);
        Map<String, Object> config = ClientSettings.of(kafka.bootstrapServers()).consumer("test-" + UUID.randomUUID());
        List<String> outcomes = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(config)) {
            c.subscribe(List.of(Topics.BUILDS.name()));
            Instant deadline = Instant.now().plus(Duration.ofMinutes(20));
            while (outcomes.size() < 2 && Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    KhpEvent e = EventCodec.instance().decode(r.value());
                    if (patchId.equals(e.getPatchId()) && (e.getPayload() instanceof PatchBuilt || e.getPayload() instanceof BuildFailed)) {
                        outcomes.add((e.getCausationId().equals(slow.getEventId()) ? "slow:" : "fast:") + Events.typeOf(e));
                    }
                }
            }
        }
        assertEquals(List.of("fast:BuildFailed", "slow:PatchBuilt"), outcomes);
    }
}
