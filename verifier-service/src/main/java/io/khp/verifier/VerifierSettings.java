package io.khp.verifier;

import java.nio.file.Path;
import java.time.Duration;

import io.khp.bus.SigningKeys;

/**
 * How a verifier instance runs: its consumer group on the lifecycle topic, how long a capture waits
 * for its patch's manifest, where the trusted signing keys are, how many verdicts it remembers.
 */
public record VerifierSettings(String groupId, Duration manifestWait, Path trustedKeys, int cacheSize) {

    /** KHP_VERIFIER_GROUP, KHP_VERIFIER_MANIFEST_WAIT_MS (default 30000), KHP_KEYS, KHP_VERIFIER_CACHE (default 10000). */
    public static VerifierSettings fromEnvironment() {
        var env = System.getenv();
        return new VerifierSettings(
                env.getOrDefault("KHP_VERIFIER_GROUP", "verifier-service"),
                Duration.ofMillis(Long.parseLong(env.getOrDefault("KHP_VERIFIER_MANIFEST_WAIT_MS", "30000"))),
                SigningKeys.defaultDirectory(),
                Integer.parseInt(env.getOrDefault("KHP_VERIFIER_CACHE", "10000")));
    }
}
