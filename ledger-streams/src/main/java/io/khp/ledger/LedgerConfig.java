package io.khp.ledger;

import java.nio.file.Path;
import java.util.Map;

import io.khp.bus.Topics;

/**
 * How one ledger instance runs. From the environment: KHP_LEDGER_APP_ID (default khp-ledger),
 * KHP_LEDGER_HTTP_HOST (address other instances reach this one at, default 127.0.0.1),
 * KHP_LEDGER_HTTP_PORT (default 8083, 0 = any free port), KHP_LEDGER_STATE_DIR (default
 * ~/.local/state/khp/ledger-PORT), KHP_LEDGER_STANDBY_REPLICAS (default 0), KHP_LEDGER_THREADS
 * (stream threads; default one per core, at most one per host partition), KHP_LEDGER_COMMIT_MS (how
 * often the exactly-once transaction commits while the ledger keeps up: what the ledger writes to
 * Kafka becomes visible then, while the API shows each event as soon as it is folded; the commands
 * and rollout decisions of the controller commit at once; default 300),
 * KHP_LEDGER_BACKLOG_COMMIT_MS (how often a host task commits while it folds a backlog, more than
 * {@code CommitPacing.BACKLOG_RECORDS} records since its last commit: each commit writes every
 * changed host once, so committing a backlog less often writes less per event; Kafka Streams'
 * commit interval; default 2000), KHP_LEDGER_INSTANCE_ID (static group membership: a restarted instance takes its
 * partitions back at once; default none), KHP_LEDGER_MAX_TASK_IDLE_MS (how long a task waits for
 * all its topics to have data, to take them in timestamp order; default 0: only for data already on
 * the broker, so that a host's first report is read before its other events after a backlog; -1
 * never waits, which spares Kafka Streams 4.2 a formatted log line per record but refuses events of
 * hosts whose report is still unread),
 * KHP_LEDGER_HOLD_MS (how long a host event taken before the command or lifecycle event it follows
 * is held before it is rejected; default 10000).
 */
public record LedgerConfig(String applicationId, String httpHost, int httpPort, Path stateDir, int standbyReplicas,
        int threads, long commitIntervalMs, long backlogCommitMs, String instanceId, long maxTaskIdleMs, long holdMs) {

    public LedgerConfig {
        if (commitIntervalMs <= 0 || backlogCommitMs <= 0) {
            throw new IllegalArgumentException("KHP_LEDGER_COMMIT_MS and KHP_LEDGER_BACKLOG_COMMIT_MS must be positive (ms), not "
                    + commitIntervalMs + " and " + backlogCommitMs);
        }
    }

    public static LedgerConfig fromEnvironment() {
        return from(System.getenv());
    }

    public static LedgerConfig from(Map<String, String> env) {
        int port = Integer.parseInt(env.getOrDefault("KHP_LEDGER_HTTP_PORT", "8083"));
        Path state = env.containsKey("KHP_LEDGER_STATE_DIR")
                ? Path.of(env.get("KHP_LEDGER_STATE_DIR"))
                : Path.of(System.getProperty("user.home"), ".local", "state", "khp", "ledger-" + port);
        return new LedgerConfig(env.getOrDefault("KHP_LEDGER_APP_ID", "khp-ledger"),
                env.getOrDefault("KHP_LEDGER_HTTP_HOST", "127.0.0.1"), port, state,
                Integer.parseInt(env.getOrDefault("KHP_LEDGER_STANDBY_REPLICAS", "0")),
                Integer.parseInt(env.getOrDefault("KHP_LEDGER_THREADS", Integer.toString(defaultThreads()))),
                Long.parseLong(env.getOrDefault("KHP_LEDGER_COMMIT_MS", "300")),
                Long.parseLong(env.getOrDefault("KHP_LEDGER_BACKLOG_COMMIT_MS", "2000")),
                env.get("KHP_LEDGER_INSTANCE_ID"),
                Long.parseLong(env.getOrDefault("KHP_LEDGER_MAX_TASK_IDLE_MS", "0")),
                Long.parseLong(env.getOrDefault("KHP_LEDGER_HOLD_MS", "10000")));
    }

    /** Kafka Streams' commit interval: the backlog's, as tasks that keep up ask for their commits themselves. */
    public long streamsCommitIntervalMs() {
        return Math.max(commitIntervalMs, backlogCommitMs);
    }

    /** A stream thread per core, up to the host side's tasks (one per host partition). */
    static int defaultThreads() {
        return Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), Topics.HOST_PARTITIONS));
    }

    public LedgerConfig withHttpPort(int port) {
        return new LedgerConfig(applicationId, httpHost, port, stateDir, standbyReplicas, threads, commitIntervalMs, backlogCommitMs, instanceId, maxTaskIdleMs, holdMs);
    }

    public LedgerConfig withStateDir(Path dir) {
        return new LedgerConfig(applicationId, httpHost, httpPort, dir, standbyReplicas, threads, commitIntervalMs, backlogCommitMs, instanceId, maxTaskIdleMs, holdMs);
    }

    public LedgerConfig withApplicationId(String id) {
        return new LedgerConfig(id, httpHost, httpPort, stateDir, standbyReplicas, threads, commitIntervalMs, backlogCommitMs, instanceId, maxTaskIdleMs, holdMs);
    }

    public LedgerConfig withStandbyReplicas(int n) {
        return new LedgerConfig(applicationId, httpHost, httpPort, stateDir, n, threads, commitIntervalMs, backlogCommitMs, instanceId, maxTaskIdleMs, holdMs);
    }
}
