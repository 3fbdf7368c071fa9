package io.khp.agent;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.khp.agent.bus.ArtifactCache;

/**
 * Where the agent gets module bytes: the artifacts topic first; when an artifact is still not there
 * {@code topicWait} after it was first asked for, the ledger's HTTP API, asked at most once per
 * {@code retry} for each artifact. Bytes fetched that way are kept in a small cache. Whatever comes
 * back is checked (sha256, signature) by the caller.
 */
public final class ArtifactFetcher implements ArtifactSource {

    private static final int MAX_WAITING = 10_000;

    private final ArtifactSource topic;
    private final ArtifactSource ledger;
    private final ArtifactCache fetched;
    private final Duration topicWait;
    private final Duration retry;
    private final Clock clock;
    private final Map<String, Instant> missingSince = new ConcurrentHashMap<>();
    private final Map<String, Instant> askedLedgerAt = new ConcurrentHashMap<>();

    public ArtifactFetcher(ArtifactSource topic, ArtifactSource ledger, ArtifactCache fetched, Duration topicWait,
            Duration retry, Clock clock) {
        this.topic = topic;
        this.ledger = ledger;
        this.fetched = fetched;
        this.topicWait = topicWait;
        this.retry = retry;
        this.clock = clock;
    }

    @Override
    public byte[] find(String sha256) {
        String sha = sha256.toLowerCase();
        byte[] bytes = topic.find(sha);
        if (bytes == null) {
            bytes = fetched.get(sha);
        }
        if (bytes != null) {
            missingSince.remove(sha);
            askedLedgerAt.remove(sha);
            return bytes;
        }
        Instant now = clock.instant();
        if (missingSince.size() >= MAX_WAITING) {
            missingSince.clear();
            askedLedgerAt.clear();
        }
        Instant since = missingSince.computeIfAbsent(sha, s -> now);
        if (Duration.between(since, now).compareTo(topicWait) < 0) {
            return null;
        }
        return fromLedger(sha, now);
    }

    private synchronized byte[] fromLedger(String sha, Instant now) {
        byte[] bytes = fetched.get(sha);
        if (bytes != null) {
            return bytes;
        }
        Instant last = askedLedgerAt.get(sha);
        if (last != null && Duration.between(last, now).compareTo(retry) < 0) {
            return null;
        }
        askedLedgerAt.put(sha, now);
        bytes = ledger.find(sha);
        if (bytes != null) {
            fetched.put(sha, bytes);
            missingSince.remove(sha);
            askedLedgerAt.remove(sha);
        }
        return bytes;
    }
}
