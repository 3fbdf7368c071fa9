package io.khp.agent.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.khp.agent.ArtifactFetcher;
import io.khp.agent.bus.ArtifactCache;
import io.khp.agent.core.ArtifactCheck;
import io.khp.agent.testing.LedgerStandIn;
import io.khp.agent.testing.SignedModule;
import io.khp.bus.ArtifactSignature;
import io.khp.bus.SigningKeys;
import io.khp.events.ArtifactRef;

/**
 * The artifact fallback: the topic first, after a short wait the ledger's {@code GET /artifacts/{sha256}}
 * (a JDK HttpServer standing in for the ledger), the bytes still checked by sha256 and signature.
 */
class ArtifactFallbackTest {

    static final class TestClock extends Clock {
        Instant now = Instant.parse("2026-11-25T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    static final byte[] MODULE = "khp_lp_cmdline module bytes".getBytes(StandardCharsets.UTF_8);
    static final String SHA = ArtifactSignature.sha256Hex(MODULE);

    final Map<String, byte[]> topic = new ConcurrentHashMap<>();
    final TestClock clock = new TestClock();

    ArtifactFetcher fetcher(URI api) {
        return new ArtifactFetcher(topic::get, new LedgerArtifacts(api), new ArtifactCache(2, 1 << 20),
                Duration.ofSeconds(5), Duration.ofSeconds(2), clock);
    }

    @Test
    void theLedgerIsAskedOnlyAfterTheTopicWaitAndAtMostOncePerRetry() throws Exception {
        try (LedgerStandIn ledger = new LedgerStandIn()) {
            ArtifactFetcher f = fetcher(ledger.api());
            assertNull(f.find(SHA));
            clock.advance(Duration.ofSeconds(4));
            assertNull(f.find(SHA));
            assertEquals(List.of(), ledger.requests(), "within the topic wait the ledger is not asked");

            clock.advance(Duration.ofSeconds(1));
            assertNull(f.find(SHA), "the ledger does not have it yet");
            assertEquals(List.of("GET /artifacts/" + SHA), ledger.requests());
            clock.advance(Duration.ofSeconds(1));
            assertNull(f.find(SHA));
            assertEquals(1, ledger.requests().size(), "not asked again within the retry interval");

            ledger.serve(SHA, MODULE);
            clock.advance(Duration.ofSeconds(1));
            assertArrayEquals(MODULE, f.find(SHA));
            assertArrayEquals(MODULE, f.find(SHA.toUpperCase()));
            assertEquals(2, ledger.requests().size(), "kept once fetched");
        }
    }

    @Test
    void theTopicWinsWhenTheArtifactArrivesThere() throws Exception {
        try (LedgerStandIn ledger = new LedgerStandIn()) {
            ledger.serve(SHA, MODULE);
            ArtifactFetcher f = fetcher(ledger.api());
            assertNull(f.find(SHA));
            topic.put(SHA, MODULE);
            clock.advance(Duration.ofSeconds(30));
            assertArrayEquals(MODULE, f.find(SHA));
            assertEquals(List.of(), ledger.requests());
        }
    }

    @Test
    void bytesFromTheLedgerAreStillCheckedBySha256AndSignature(@TempDir Path keys, @TempDir Path otherKeys)
            throws Exception {
        SignedModule signer = new SignedModule(keys);
        ArtifactRef ref = signer.sign("patch-1", "khp_lp_cmdline", MODULE);
        ArtifactCheck check = new ArtifactCheck(SigningKeys.trustedKeys(keys));
        byte[] tampered = MODULE.clone();
        tampered[0] ^= 1;
        try (LedgerStandIn ledger = new LedgerStandIn()) {
            ledger.serve(SHA, tampered);
            ArtifactFetcher f = fetcher(ledger.api());
            f.find(SHA);
            clock.advance(Duration.ofSeconds(5));
            byte[] got = f.find(SHA);
            assertArrayEquals(tampered, got);
            String refusal = check.refusal("patch-1", "khp_lp_cmdline", ref, got);
            assertTrue(refusal != null && refusal.contains(ArtifactSignature.sha256Hex(tampered)), refusal);
        }
        try (LedgerStandIn ledger = new LedgerStandIn()) {
            ledger.serve(SHA, MODULE);
            ArtifactFetcher f = fetcher(ledger.api());
            f.find(SHA);
            clock.advance(Duration.ofSeconds(5));
            byte[] got = f.find(SHA);
            assertNull(check.refusal("patch-1", "khp_lp_cmdline", ref, got), "the real bytes pass");
            ArtifactCheck untrusting = new ArtifactCheck(SigningKeys.trustedKeys(new SignedModule(otherKeys).keys()));
            assertTrue(untrusting.refusal("patch-1", "khp_lp_cmdline", ref, got).contains("not among"));
        }
    }

    @Test
    void aLedgerThatIsDownOrABadShaIsNoArtifact() throws Exception {
        URI down;
        try (LedgerStandIn ledger = new LedgerStandIn()) {
            down = ledger.api();
        }
        ArtifactFetcher f = fetcher(down);
        f.find(SHA);
        clock.advance(Duration.ofSeconds(5));
        assertNull(f.find(SHA));
        try (LedgerStandIn ledger = new LedgerStandIn()) {
            LedgerArtifacts direct = new LedgerArtifacts(URI.create(ledger.api() + "/"));
            assertNull(direct.find("../hosts"));
            assertNull(direct.find(SHA));
            assertEquals(List.of("GET /artifacts/" + SHA), ledger.requests(), "a name that is no sha256 is never sent");
        }
    }

    @Test
    void theCacheKeepsTheArtifactsUsedLastWithinItsBounds() {
        ArtifactCache cache = new ArtifactCache(2, 100);
        cache.put("a", new byte[10]);
        cache.put("b", new byte[10]);
        cache.get("a");
        cache.put("c", new byte[10]);
        assertNull(cache.get("b"), "least recently used goes first");
        assertEquals(2, cache.size());
        cache.put("d", new byte[95]);
        assertEquals(1, cache.size(), "over the byte bound: only the newest stays");
        assertEquals(95, cache.bytes());
        cache.put("e", new byte[200]);
        assertEquals(1, cache.size(), "one artifact larger than the bound is still kept while used");
        assertEquals(200, cache.bytes());
    }
}
