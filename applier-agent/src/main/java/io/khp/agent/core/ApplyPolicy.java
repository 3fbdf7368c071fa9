package io.khp.agent.core;

import java.time.Duration;

/**
 * How long the agent waits and how often it retries while applying a livepatch. The transition
 * waits follow kpatch: wait {@code firstWait}, signal the tasks still pending, wait
 * {@code secondWait}, then give the transition up (reverse it) unless an operator approved force.
 */
public record ApplyPolicy(
        Duration verifyTimeout,
        Duration artifactTimeout,
        Duration artifactRetry,
        Duration firstWait,
        Duration secondWait,
        Duration reverseTimeout,
        Duration pollInterval,
        Duration backoff,
        Duration busyBackoff,
        int maxAttempts) {

    public ApplyPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
    }

    public static ApplyPolicy defaults() {
        return new ApplyPolicy(Duration.ofMinutes(10), Duration.ofMinutes(2), Duration.ofSeconds(2),
                Duration.ofSeconds(15), Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(1),
                Duration.ofSeconds(10), Duration.ofSeconds(5), 3);
    }

    /** Back-off before attempt {@code attempt + 1}: doubles per attempt, at most 5 minutes. */
    public Duration backoffAfter(int attempt) {
        long factor = 1L << Math.min(Math.max(attempt - 1, 0), 16);
        Duration d = backoff.multipliedBy(factor);
        return d.compareTo(Duration.ofMinutes(5)) > 0 ? Duration.ofMinutes(5) : d;
    }

    public ApplyPolicy withWaits(Duration first, Duration second) {
        return new ApplyPolicy(verifyTimeout, artifactTimeout, artifactRetry, first, second, reverseTimeout,
                pollInterval, backoff, busyBackoff, maxAttempts);
    }

    public ApplyPolicy withVerifyTimeout(Duration timeout) {
        return new ApplyPolicy(timeout, artifactTimeout, artifactRetry, firstWait, secondWait, reverseTimeout,
                pollInterval, backoff, busyBackoff, maxAttempts);
    }

    public ApplyPolicy withRetries(int attempts, Duration backoffBase, Duration busy) {
        return new ApplyPolicy(verifyTimeout, artifactTimeout, artifactRetry, firstWait, secondWait, reverseTimeout,
                pollInterval, backoffBase, busy, attempts);
    }

    public ApplyPolicy withPolling(Duration poll, Duration artifactRetryEvery, Duration artifactGiveUp, Duration reverse) {
        return new ApplyPolicy(verifyTimeout, artifactGiveUp, artifactRetryEvery, firstWait, secondWait, reverse,
                poll, backoff, busyBackoff, maxAttempts);
    }
}
