package io.khp.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.khp.bus.Events;
import io.khp.bus.SigningKeys;
import io.khp.events.KhpEvent;
import io.khp.events.PatchBuilt;
import io.khp.events.PatchedFunction;
import io.khp.events.RunObjectCaptured;
import io.khp.events.Verdict;
import io.khp.events.WildcardKind;
import io.khp.events.WildcardSite;
import io.khp.verifier.match.RunPreMatcher;

/** The verifier's decisions without Kafka: waiting, expiry, answering once, the cache, trust. */
class RunPreVerifierTest {

    static final Instant T0 = Instant.parse("2026-11-24T12:00:00Z");
    static final Duration WAIT = Duration.ofSeconds(30);

    Path keys;
    Path otherKeys;
    RunPreVerifier verifier;
    final Events agent = new Events("applier-agent@test");

    @BeforeEach
    void setUp() throws Exception {
        keys = Files.createTempDirectory("khp-verifier-unit");
        otherKeys = Files.createTempDirectory("khp-verifier-unit-other");
        SigningKeys.generate(keys);
        SigningKeys.generate(otherKeys);
        verifier = new RunPreVerifier(new ManifestReader(SigningKeys.trustedKeys(keys)), new RunPreMatcher(),
                new VerdictCache(16), WAIT, 3);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Path dir : List.of(keys, otherKeys)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static List<PatchedFunction> manifest() {
        return VerifierServiceTest.manifest();
    }

    KhpEvent capture(String host, String patch, RunObjectCaptured payload) {
        return agent.envelope().setHostId(host).setPatchId(patch).setPayload(payload).build();
    }

    KhpEvent goodCapture(String host, String patch) {
        return capture(host, patch, VerifierServiceTest.capture(VerifierServiceTest.booted()));
    }

    @Test
    void aCaptureOfAKnownPatchIsAnsweredAtOnce() {
        verifier.onPatchBuilt("p1", Patches.signed("p1", manifest(), keys));
        KhpEvent c = goodCapture("h1", "p1");
        List<RunPreVerifier.Answer> answers = verifier.onCapture(c, T0);
        assertEquals(1, answers.size());
        assertEquals(c, answers.get(0).capture());
        assertEquals(Verdict.MATCH, answers.get(0).verdict().getVerdict());
    }

    @Test
    void aCaptureWaitsForItsManifestThenIsAnswered() {
        KhpEvent c = goodCapture("h1", "p1");
        assertEquals(List.of(), verifier.onCapture(c, T0));
        assertEquals(1, verifier.waitingCount());
        assertEquals(List.of(), verifier.expire(T0.plus(WAIT).minusMillis(1)));
        List<RunPreVerifier.Answer> answers = verifier.onPatchBuilt("p1", Patches.signed("p1", manifest(), keys));
        assertEquals(1, answers.size());
        assertEquals(Verdict.MATCH, answers.get(0).verdict().getVerdict());
        assertEquals(0, verifier.waitingCount());
        assertEquals(List.of(), verifier.expire(T0.plus(WAIT)));
    }

    @Test
    void aCaptureWhoseManifestDoesNotComeIsUnsupportedAtTheDeadline() {
        KhpEvent c = goodCapture("h1", "p1");
        verifier.onCapture(c, T0);
        assertEquals(List.of(), verifier.expire(T0.plus(WAIT).minusMillis(1)));
        List<RunPreVerifier.Answer> answers = verifier.expire(T0.plus(WAIT));
        assertEquals(1, answers.size());
        assertEquals(Verdict.UNSUPPORTED, answers.get(0).verdict().getVerdict());
        assertEquals("no manifest: no PatchBuilt for patch p1 arrived within 30000 ms of the capture",
                answers.get(0).verdict().getReason());
        // a manifest coming later does not answer it a second time
        assertEquals(List.of(), verifier.onPatchBuilt("p1", Patches.signed("p1", manifest(), keys)));
    }

    @Test
    void aCaptureIsAnsweredOnceWhetherWaitingOrDone() {
        KhpEvent waiting = goodCapture("h1", "p1");
        verifier.onCapture(waiting, T0);
        verifier.onCapture(waiting, T0.plusSeconds(1));
        assertEquals(1, verifier.waitingCount());
        assertEquals(1, verifier.onPatchBuilt("p1", Patches.signed("p1", manifest(), keys)).size());
        assertEquals(List.of(), verifier.onCapture(waiting, T0.plusSeconds(2)));
        KhpEvent seenOnTheTopic = goodCapture("h2", "p1");
        verifier.markAnswered(seenOnTheTopic.getEventId());
        assertEquals(List.of(), verifier.onCapture(seenOnTheTopic, T0));
    }

    @Test
    void theMemoryOfAnsweredCapturesIsBounded() {
        verifier.onPatchBuilt("p1", Patches.signed("p1", manifest(), keys));
        KhpEvent first = goodCapture("h1", "p1");
        verifier.onCapture(first, T0);
        for (int i = 0; i < 3; i++) {
            verifier.onCapture(goodCapture("h" + (i + 2), "p1"), T0);
        }
        assertEquals(1, verifier.onCapture(first, T0).size(), "the oldest of 3 remembered ids was forgotten");
    }

    @Test
    void aCaptureWithoutHostOrPatchCannotBeAnswered() {
        RunObjectCaptured payload = VerifierServiceTest.capture(VerifierServiceTest.booted());
        assertThrows(IllegalArgumentException.class, () -> verifier.onCapture(capture(null, "p1", payload), T0));
        assertThrows(IllegalArgumentException.class, () -> verifier.onCapture(capture("h1", " ", payload), T0));
        KhpEvent notACapture = agent.envelope().setHostId("h1").setPatchId("p1")
                .setPayload(io.khp.events.Reverted.newBuilder().setModuleName("m").setDurationMs(1).build()).build();
        assertThrows(IllegalArgumentException.class, () -> verifier.onCapture(notACapture, T0));
    }

    @Test
    void identicalCapturesReuseTheVerdictWhateverTheirAttempt() {
        verifier.onPatchBuilt("p1", Patches.signed("p1", manifest(), keys));
        verifier.onCapture(goodCapture("h1", "p1"), T0);
        assertEquals(0, verifier.cache().hits());
        RunObjectCaptured retry = VerifierServiceTest.capture(VerifierServiceTest.booted());
        retry.setAttempt(2);
        verifier.onCapture(capture("h1", "p1", retry), T0);
        assertEquals(1, verifier.cache().hits());
        byte[] other = VerifierServiceTest.booted();
        other[13] ^= 1;
        assertEquals(Verdict.MISMATCH, verifier.onCapture(capture("h1", "p1", VerifierServiceTest.capture(other)), T0)
                .get(0).verdict().getVerdict());
        assertEquals(1, verifier.cache().hits());
    }

    @Test
    void manifestsThatAreNotTheSignedOnesAreUnsupported() {
        verifier.onPatchBuilt("foreign", Patches.signed("foreign", manifest(), otherKeys));
        assertReason("foreign", "untrusted manifest: signing key ");

        PatchBuilt forged = Patches.signed("forged", manifest(), keys);
        byte[] signature = new byte[forged.getArtifact().getSignature().remaining()];
        forged.getArtifact().getSignature().duplicate().get(signature);
        signature[0] ^= 1;
        forged.getArtifact().setSignature(ByteBuffer.wrap(signature));
        verifier.onPatchBuilt("forged", forged);
        assertReason("forged", "untrusted manifest: the signature does not verify");

        // signed for another patch id: the patch id is part of the signed message
        verifier.onPatchBuilt("moved", Patches.signed("elsewhere", manifest(), keys));
        assertReason("moved", "untrusted manifest: the signature does not verify");

        List<PatchedFunction> tampered = manifest();
        tampered.get(0).setSympos(1);
        verifier.onPatchBuilt("tampered", Patches.signedOver("tampered", tampered,
                io.khp.bus.ArtifactSignature.manifestSha256(manifest()), keys));
        assertReason("tampered", "untrusted manifest: its sha256 ");
    }

    @Test
    void aSignedButInvalidManifestIsUnsupportedWithTheReason() {
        List<PatchedFunction> invalid = manifest();
        invalid.get(0).getWildcards().add(WildcardSite.newBuilder().setOffset(1000).setLength(5).setKind(WildcardKind.FENTRY).build());
        verifier.onPatchBuilt("invalid", Patches.signed("invalid", invalid, keys));
        assertReason("invalid", "invalid manifest: vmlinux:cmdline_proc_show: FENTRY wildcard at +0x3e8");
    }

    private void assertReason(String patch, String start) {
        List<RunPreVerifier.Answer> answers = verifier.onCapture(goodCapture("h-" + patch, patch), T0);
        assertEquals(Verdict.UNSUPPORTED, answers.get(0).verdict().getVerdict());
        assertTrue(answers.get(0).verdict().getReason().startsWith(start), answers.get(0).verdict().getReason());
    }
}
