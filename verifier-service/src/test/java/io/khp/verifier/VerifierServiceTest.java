package io.khp.verifier;

import static io.khp.events.RelocationType.R_X86_64_PC32;
import static io.khp.events.RelocationType.R_X86_64_PLT32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.khp.bus.ClientSettings;
import io.khp.bus.DeadLetters;
import io.khp.bus.EventCodec;
import io.khp.bus.Events;
import io.khp.bus.SigningKeys;
import io.khp.bus.TopicProvisioner;
import io.khp.bus.Topics;
import io.khp.events.KhpEvent;
import io.khp.events.PatchBuilt;
import io.khp.events.PatchedFunction;
import io.khp.events.PreRunVerified;
import io.khp.events.RunObjectCaptured;
import io.khp.events.Verdict;
import io.khp.events.WildcardKind;
import io.khp.testkit.RealKafka;
import io.khp.testkit.TestKafka;
import io.khp.verifier.match.CodeImage;
import io.khp.bus.LogPartitions;

/** The verifier service on a real broker: PatchBuilt + RunObjectCaptured in, PreRunVerified out. */
@RealKafka
class VerifierServiceTest {

    static final long BASE = 0xffffffff9a3c1d50L;
    static final Map<String, Long> KALLSYMS = Map.of(
            "__fentry__", 0xffffffff9a0a3c40L,
            "saved_command_line", 0xffffffff9b8a3e48L,
            "seq_puts", 0xffffffff9a3a7e10L,
            "__x86_return_thunk", 0xffffffff9ae03c80L);
    static final Duration MANIFEST_WAIT = Duration.ofSeconds(4);

    static Path keys;
    static Path otherKeys;
    static VerifierService service;
    static KafkaProducer<byte[], byte[]> producer;
    static final Events operator = new Events("verifier-test");

    @BeforeAll
    static void start(TestKafka kafka) throws Exception {
        keys = Files.createTempDirectory("khp-verifier-keys");
        otherKeys = Files.createTempDirectory("khp-verifier-untrusted");
        SigningKeys.generate(keys);
        SigningKeys.generate(otherKeys);
        try (Admin admin = kafka.admin()) {
            new TopicProvisioner(admin, (short) 1).ensure(Topics.all());
        }
        ClientSettings client = ClientSettings.of(kafka.bootstrapServers());
        service = new VerifierService(new VerifierSettings("verifier-test-" + UUID.randomUUID(), MANIFEST_WAIT, keys, 100),
                Clock.systemUTC());
        service.start(client);
        producer = new KafkaProducer<>(client.producer("verifier-test"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (service != null) {
            service.stop();
        }
        if (producer != null) {
            producer.close();
        }
        for (Path dir : new Path[] {keys, otherKeys}) {
            if (dir != null) {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.delete(f);
                    }
                }
                Files.delete(dir);
            }
        }
    }

    /** cmdline_proc_show as gcc-12 compiles it, roughly: fentry, a rip-relative load, a call, a return thunk. */
    static CodeImage code() {
        return new CodeImage()
                .wildcard(WildcardKind.FENTRY, 5).bytes(0xe8).field(R_X86_64_PLT32, "__fentry__", -4)
                .bytes(0x55)
                .bytes(0x48, 0x8b, 0x35).field(R_X86_64_PC32, "saved_command_line", -4)
                .bytes(0x48, 0x89, 0xe5)
                .bytes(0xe8).field(R_X86_64_PLT32, "seq_puts", -4)
                .bytes(0x31, 0xc0, 0x5d)
                .wildcard(WildcardKind.RETURN_THUNK, 5).bytes(0xe9).field(R_X86_64_PLT32, "__x86_return_thunk", -4)
                .bytes(0xcc);
    }

    static byte[] booted() {
        byte[] run = code().link(BASE, KALLSYMS);
        CodeImage.put(run, 0, 0x0f, 0x1f, 0x44, 0x00, 0x00);
        CodeImage.put(run, run.length - 6, 0xc3, 0xcc, 0xcc, 0xcc, 0xcc);
        return run;
    }

    static List<PatchedFunction> manifest() {
        return List.of(Patches.function("cmdline_proc_show", "fs/proc/cmdline.c", code()));
    }

    static RunObjectCaptured capture(byte[] run) {
        return Patches.capture(List.of(Patches.captured("cmdline_proc_show", BASE, run)), KALLSYMS);
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static void publishBuilt(String patchId, PatchBuilt built) throws Exception {
        KhpEvent e = operator.envelope().setCorrelationId("build-" + patchId).setPatchId(patchId).setPayload(built).build();
        producer.send(new ProducerRecord<>(Topics.BUILDS.name(), patchId.getBytes(StandardCharsets.UTF_8),
                EventCodec.instance().encode(e))).get();
    }

    static KhpEvent publishCapture(String hostId, String patchId, RunObjectCaptured capture) throws Exception {
        KhpEvent e = operator.envelope().setCorrelationId("rollout-" + patchId).setCausationId("apply-" + hostId)
                .setHostId(hostId).setPatchId(patchId).setPayload(capture).build();
        publish(e);
        return e;
    }

    static void publish(KhpEvent e) throws Exception {
        producer.send(new ProducerRecord<>(Topics.HOST_LIFECYCLE.name(), e.getHostId() == null ? null
                : e.getHostId().getBytes(StandardCharsets.UTF_8), EventCodec.instance().encode(e))).get();
    }

    /** Reads a topic from its beginning until {@code found} holds for a record; fails after 60 s. */
    static ConsumerRecord<byte[], byte[]> await(TestKafka kafka, String topic, Predicate<ConsumerRecord<byte[], byte[]>> found) {
        try (var consumer = new KafkaConsumer<byte[], byte[]>(ClientSettings.of(kafka.bootstrapServers()).consumer(null))) {
            List<TopicPartition> partitions = LogPartitions.of(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Instant deadline = Instant.now().plusSeconds(60);
            while (Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (found.test(r)) {
                        return r;
                    }
                }
            }
            throw new AssertionError("no matching record on " + topic + " within 60 s");
        }
    }

    /** Every answer to {@code capture} on the lifecycle topic, once the answer to {@code last} is there. */
    static List<KhpEvent> answersTo(TestKafka kafka, KhpEvent capture, KhpEvent last) {
        List<KhpEvent> answers = new ArrayList<>();
        await(kafka, Topics.HOST_LIFECYCLE.name(), r -> {
            KhpEvent e = decode(r);
            if (e != null && e.getPayload() instanceof PreRunVerified && capture.getEventId().equals(e.getCausationId())) {
                answers.add(e);
            }
            return e != null && e.getPayload() instanceof PreRunVerified && last.getEventId().equals(e.getCausationId());
        });
        return answers;
    }

    static KhpEvent answerTo(TestKafka kafka, KhpEvent capture) {
        return decode(await(kafka, Topics.HOST_LIFECYCLE.name(), r -> {
            KhpEvent e = decode(r);
            return e != null && e.getPayload() instanceof PreRunVerified && capture.getEventId().equals(e.getCausationId());
        }));
    }

    static KhpEvent decode(ConsumerRecord<byte[], byte[]> r) {
        try {
            return EventCodec.instance().decode(r.value());
        } catch (RuntimeException e) {
            return null;
        }
    }

    static PreRunVerified verdict(KhpEvent e) {
        return (PreRunVerified) e.getPayload();
    }

    @Test
    void aMatchingHostIsAnsweredMatchWithTheCapturesIdsCarriedOver(TestKafka kafka) throws Exception {
        String patch = unique("patch-match");
        String host = unique("host");
        publishBuilt(patch, Patches.signed(patch, manifest(), keys));
        KhpEvent capture = publishCapture(host, patch, capture(booted()));

        KhpEvent answer = answerTo(kafka, capture);
        PreRunVerified v = verdict(answer);
        assertEquals(Verdict.MATCH, v.getVerdict(), v.getReason());
        assertEquals(Events.deterministicId("PreRunVerified", capture.getEventId()), answer.getEventId());
        assertEquals(host, answer.getHostId());
        assertEquals(patch, answer.getPatchId());
        assertEquals("rollout-" + patch, answer.getCorrelationId());
        assertEquals("verifier-service", answer.getSource());
        assertEquals(KALLSYMS.get("seq_puts"), v.getResolvedSymbols().stream()
                .filter(s -> s.getSymbol().equals("seq_puts")).findFirst().orElseThrow().getAddress());
    }

    @Test
    void realCapturesOfBothFlavoursGetTheirVerdictsThroughTheService(TestKafka kafka) throws Exception {
        Path fixture = Path.of("src/test/resources/fixtures/madvise-len");
        String patch = unique("patch-madvise");
        publishBuilt(patch, Patches.signed(patch, io.khp.verifier.fixtures.FixtureFiles.manifest(fixture.resolve("report.json")), keys));
        KhpEvent amd64 = publishCapture(unique("host-amd64"), patch,
                io.khp.verifier.fixtures.FixtureFiles.capture(fixture.resolve("capture-amd64.json")));
        KhpEvent cloud = publishCapture(unique("host-cloud"), patch,
                io.khp.verifier.fixtures.FixtureFiles.capture(fixture.resolve("capture-cloud-amd64.json")));
        PreRunVerified onDefault = verdict(answerTo(kafka, amd64));
        assertEquals(Verdict.MATCH, onDefault.getVerdict(), onDefault.getReason());
        PreRunVerified onCloud = verdict(answerTo(kafka, cloud));
        assertEquals(Verdict.MISMATCH, onCloud.getVerdict(), onCloud.getReason());
        assertEquals(0x11, onCloud.getFunctions().get(0).getFirstDifferenceOffset());
    }

    @Test
    void aDriftedHostIsAnsweredMismatchAtTheDifferingOffset(TestKafka kafka) throws Exception {
        String patch = unique("patch-drift");
        String host = unique("host");
        publishBuilt(patch, Patches.signed(patch, manifest(), keys));
        byte[] run = booted();
        run[13] = (byte) 0x90; // mov %rsp,%rbp -> different
        KhpEvent answer = answerTo(kafka, publishCapture(host, patch, capture(run)));
        PreRunVerified v = verdict(answer);
        assertEquals(Verdict.MISMATCH, v.getVerdict());
        assertEquals(13, v.getFunctions().get(0).getFirstDifferenceOffset());
        assertTrue(v.getReason().startsWith("vmlinux:cmdline_proc_show: instruction at +0xd differs"), v.getReason());
    }

    @Test
    void aCaptureThatArrivesBeforeItsManifestWaitsForIt(TestKafka kafka) throws Exception {
        String patch = unique("patch-late");
        String host = unique("host");
        int before = service.waitingCaptures();
        KhpEvent capture = publishCapture(host, patch, capture(booted()));
        Instant deadline = Instant.now().plusSeconds(30);
        while (service.waitingCaptures() <= before) {
            assertTrue(Instant.now().isBefore(deadline), "the capture never started waiting");
            Thread.onSpinWait();
        }
        publishBuilt(patch, Patches.signed(patch, manifest(), keys));
        assertEquals(Verdict.MATCH, verdict(answerTo(kafka, capture)).getVerdict());
    }

    @Test
    void aCaptureWhoseManifestNeverComesIsUnsupportedAfterTheWait(TestKafka kafka) throws Exception {
        String patch = unique("patch-never");
        Instant sent = Instant.now();
        KhpEvent capture = publishCapture(unique("host"), patch, capture(booted()));
        KhpEvent answer = answerTo(kafka, capture);
        PreRunVerified v = verdict(answer);
        assertEquals(Verdict.UNSUPPORTED, v.getVerdict());
        assertTrue(v.getReason().startsWith("no manifest: no PatchBuilt for patch " + patch), v.getReason());
        assertTrue(!answer.getOccurredAt().isBefore(sent.plus(MANIFEST_WAIT).minusMillis(50)), "answered before the wait was over");
    }

    @Test
    void anUntrustedOrTamperedManifestIsUnsupported(TestKafka kafka) throws Exception {
        String foreign = unique("patch-foreign");
        publishBuilt(foreign, Patches.signed(foreign, manifest(), otherKeys));
        PreRunVerified v = verdict(answerTo(kafka, publishCapture(unique("host"), foreign, capture(booted()))));
        assertEquals(Verdict.UNSUPPORTED, v.getVerdict());
        assertTrue(v.getReason().startsWith("untrusted manifest: signing key"), v.getReason());

        // signed by the trusted key, but over another manifest than the one carried
        String tampered = unique("patch-tampered");
        List<PatchedFunction> swapped = List.of(Patches.function("cmdline_proc_show", "fs/proc/cmdline.c",
                code().bytes(0x90)));
        publishBuilt(tampered, Patches.signedOver(tampered, swapped,
                io.khp.bus.ArtifactSignature.manifestSha256(manifest()), keys));
        PreRunVerified t = verdict(answerTo(kafka, publishCapture(unique("host"), tampered, capture(booted()))));
        assertEquals(Verdict.UNSUPPORTED, t.getVerdict());
        assertTrue(t.getReason().contains("is not the signed"), t.getReason());
    }

    @Test
    void badInputGoesToTheDeadLetterTopicAndTheServiceGoesOn(TestKafka kafka) throws Exception {
        String patch = unique("patch-dlq");
        String host = unique("host");
        publishBuilt(patch, Patches.signed(patch, manifest(), keys));
        producer.send(new ProducerRecord<>(Topics.HOST_LIFECYCLE.name(), host.getBytes(StandardCharsets.UTF_8),
                "not an event".getBytes(StandardCharsets.UTF_8))).get();
        KhpEvent anonymous = operator.envelope().setHostId(host).setPayload(capture(booted())).build(); // no patch id
        publish(anonymous);
        KhpEvent good = publishCapture(host, patch, capture(booted()));

        assertEquals(Verdict.MATCH, verdict(answerTo(kafka, good)).getVerdict());
        ConsumerRecord<byte[], byte[]> garbage = await(kafka, Topics.DEAD_LETTERS.name(), r ->
                r.key() != null && host.equals(new String(r.key(), StandardCharsets.UTF_8))
                        && "not an event".equals(new String(r.value(), StandardCharsets.UTF_8)));
        assertEquals(Topics.HOST_LIFECYCLE.name(), DeadLetters.header(garbage.headers(), DeadLetters.ORIGIN_TOPIC));
        assertEquals("verifier-service", DeadLetters.header(garbage.headers(), DeadLetters.CONSUMER));
        ConsumerRecord<byte[], byte[]> noPatch = await(kafka, Topics.DEAD_LETTERS.name(), r -> {
            KhpEvent e = decode(r);
            return e != null && anonymous.getEventId().equals(e.getEventId());
        });
        assertTrue(DeadLetters.header(noPatch.headers(), DeadLetters.ERROR).contains("names no patch id"),
                DeadLetters.header(noPatch.headers(), DeadLetters.ERROR));
    }

    @Test
    void aCaptureDeliveredTwiceIsAnsweredOnce(TestKafka kafka) throws Exception {
        String patch = unique("patch-twice");
        String host = unique("host");
        publishBuilt(patch, Patches.signed(patch, manifest(), keys));
        KhpEvent capture = publishCapture(host, patch, capture(booted()));
        publish(capture);
        KhpEvent after = publishCapture(host, patch, capture(booted()));
        List<KhpEvent> answers = answersTo(kafka, capture, after);
        assertEquals(1, answers.size(), "answers to the repeated capture");
    }

    @Test
    void identicalCapturesReuseTheVerdict(TestKafka kafka) throws Exception {
        String patch = unique("patch-cache");
        publishBuilt(patch, Patches.signed(patch, manifest(), keys));
        KhpEvent first = publishCapture(unique("host"), patch, capture(booted()));
        assertEquals(Verdict.MATCH, verdict(answerTo(kafka, first)).getVerdict());
        long hits = service.cacheHits();
        KhpEvent second = publishCapture(unique("host"), patch, capture(booted()));
        KhpEvent answer = answerTo(kafka, second);
        assertEquals(Verdict.MATCH, verdict(answer).getVerdict());
        assertEquals(second.getHostId(), answer.getHostId());
        assertTrue(service.cacheHits() > hits, "the second identical capture was matched again");
    }
}
