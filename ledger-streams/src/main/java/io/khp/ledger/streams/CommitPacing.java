package io.khp.ledger.streams;

import java.time.Duration;

/**
 * When a host task asks Kafka Streams for a commit (pure). A task that keeps up asks every
 * {@code promptMs}, so that what it wrote (host states, rejections, counts for the patch side)
 * becomes visible to read_committed consumers that soon. A task that folded more than
 * {@link #BACKLOG_RECORDS} records since its last commit is catching up on a backlog and does not
 * ask: it commits at Streams' longer commit interval. Each commit writes every host changed since
 * the last one, and a backlog changes every host of the task between two commits, so committing
 * it less often writes each host once for more of its events.
 *
 * <p>A thread commits all its tasks together: the first task due asks, and the others take that
 * commit as theirs ({@link #committed} runs for each of them before it).
 */
final class CommitPacing {

    /**
     * More records than this between two prompt commits (over 16,000 a second for one task at
     * 300 ms) is a backlog, not a live fleet's load; a commit writes at most one host per record.
     */
    static final int BACKLOG_RECORDS = 5_000;

    private final long promptMs;
    private long lastCommitAt;
    private int foldedSinceCommit;

    CommitPacing(long promptMs) {
        if (promptMs <= 0) {
            throw new IllegalArgumentException("the prompt commit interval must be positive, not " + promptMs);
        }
        this.promptMs = promptMs;
    }

    /** How often to check {@link #commitDue}: a commit is asked for at most a quarter interval late. */
    Duration checkInterval() {
        return Duration.ofMillis(Math.max(10, promptMs / 4));
    }

    /** A record was taken. */
    void folded() {
        if (foldedSinceCommit < Integer.MAX_VALUE) {
            foldedSinceCommit++;
        }
    }

    /** The task is committing now (its thread's commit, asked for by any of its tasks or due by Streams' interval). */
    void committed(long now) {
        lastCommitAt = now;
        foldedSinceCommit = 0;
    }

    /** Whether to ask for a commit now: the prompt interval passed and the task is not folding a backlog. */
    boolean commitDue(long now) {
        return now - lastCommitAt >= promptMs && foldedSinceCommit <= BACKLOG_RECORDS;
    }
}
