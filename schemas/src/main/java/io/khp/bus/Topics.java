package io.khp.bus;

import java.util.List;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import io.khp.events.KhpEvent;
import io.khp.state.HostState;
import io.khp.state.PatchState;
import io.khp.state.Rejection;

/**
 * The registry of every khp topic. Producers and consumers name topics only through these
 * constants. Per-host topics (co-partition group "host") are keyed by host id and must share one
 * partition count so that a host's events stay together; {@link TopicProvisioner} checks it.
 */
public final class Topics {

    /** Partitions of every per-host topic. */
    public static final int HOST_PARTITIONS = 6;

    private static final Serde<String> KEY = Serdes.String();
    private static final Serde<KhpEvent> EVENT = new KhpEventSerde();

    /** BuildRequested, BuildProgress, PatchBuilt, BuildFailed. Written by operators and builder-service. */
    public static final Topic<String, KhpEvent> BUILDS = new Topic<>("khp.builds", "patch id", KEY, EVENT,
            3, Topic.Retention.FOREVER, null, "build requests, progress and outcomes");

    /** RolloutRequested, RolloutWaveStarted, RolloutHalted, RolloutCompleted. */
    public static final Topic<String, KhpEvent> ROLLOUTS = new Topic<>("khp.rollouts", "patch id", KEY, EVENT,
            3, Topic.Retention.FOREVER, null, "rollout requests and the controller's decisions");

    /** ApplyRequested, RevertRequested: what a host's agent is told to do. */
    public static final Topic<String, KhpEvent> HOST_COMMANDS = new Topic<>("khp.host-commands", "host id", KEY, EVENT,
            HOST_PARTITIONS, Topic.Retention.FOREVER, "host", "per-host commands to agents");

    /**
     * HostReported, RunObjectCaptured, PreRunVerified, ApplyAttempted, Applied, ApplyFailed, Reverted:
     * what happens on and for a host. A host's reports share the log of its lifecycle events, so the
     * ledger reads them in the order the agent sent them, and the ledger's host tasks have two
     * inputs, not three: Kafka Streams formats a log line for every record it takes while one of
     * a task's inputs has nothing buffered, as a third input of reports mostly had.
     */
    public static final Topic<String, KhpEvent> HOST_LIFECYCLE = new Topic<>("khp.host-lifecycle", "host id", KEY, EVENT,
            HOST_PARTITIONS, Topic.Retention.FOREVER, "host", "per-host reports and patch lifecycle");

    /** Module bytes, keyed by their hex sha256. */
    public static final Topic<String, byte[]> ARTIFACTS = new Topic<>("khp.artifacts", "sha256", KEY, Serdes.ByteArray(),
            3, Topic.Retention.COMPACTED, null, "livepatch module bytes", 16 * 1024 * 1024);

    /** Latest state of each host, published by ledger-streams for monitoring. */
    public static final Topic<String, HostState> HOST_STATE = new Topic<>("khp.host-state", "host id", KEY, new AvroRecordSerde<>(HostState.class),
            HOST_PARTITIONS, Topic.Retention.COMPACTED, "host", "ledger: per-host patch state");

    /** Latest state of each patch, published by ledger-streams for monitoring. */
    public static final Topic<String, PatchState> PATCH_STATE = new Topic<>("khp.patch-state", "patch id", KEY, new AvroRecordSerde<>(PatchState.class),
            3, Topic.Retention.COMPACTED, null, "ledger: per-patch build and rollout state");

    /** Events the ledger refused, with the reason. */
    public static final Topic<String, Rejection> REJECTIONS = new Topic<>("khp.rejections", "host id", KEY, new AvroRecordSerde<>(Rejection.class),
            HOST_PARTITIONS, Topic.Retention.THIRTY_DAYS, "host", "ledger: illegal events and why");

    /** Records no khp service could decode, with the error and origin in headers. */
    public static final Topic<byte[], byte[]> DEAD_LETTERS = new Topic<>("khp.dead-letters", "original key", Serdes.ByteArray(),
            Serdes.ByteArray(), 1, Topic.Retention.THIRTY_DAYS, null, "undecodable records");

    private Topics() {
    }

    public static List<Topic<?, ?>> all() {
        return List.of(BUILDS, ROLLOUTS, HOST_COMMANDS, HOST_LIFECYCLE, ARTIFACTS,
                HOST_STATE, PATCH_STATE, REJECTIONS, DEAD_LETTERS);
    }
}
