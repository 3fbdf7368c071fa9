package io.khp.ledger.streams;

import java.util.List;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import io.khp.bus.AvroRecordSerde;
import io.khp.bus.Topics;
import io.khp.events.ApplyRequested;
import io.khp.state.HostPatchChange;
import io.khp.state.PatchState;
import io.khp.state.RolloutHost;

/**
 * The ledger's Kafka Streams topology:
 * <pre>
 * khp.host-lifecycle (with the reports), khp.host-commands ─▶ hosts (HostProcessor, store "hosts")
 *     ─▶ khp.rejections, host patch changes ─(repartition by patch id)─────────────────────┐
 *     ─▶ before each commit: khp.host-state (each changed host once), summed host counts ─┤
 * khp.builds, khp.rollouts ──────────────────────────────────────────────────────────────┴▶ patches (PatchProcessor)
 *     ─▶ khp.patch-state, khp.rejections, khp.rollouts (decisions), khp.host-commands (Apply/RevertRequested)
 * global stores: "fleet" = khp.host-state (rollout selectors), "patch-catalog" = khp.patch-state (atomic replace, modules)
 * </pre>
 */
public final class LedgerTopology {

    public static final String HOSTS_STORE = "hosts";
    public static final String HELD_STORE = "held-events";
    /** Runs the host side's write-out before each commit ({@link PreCommitHook}). */
    public static final String HOSTS_COMMIT_HOOK = "hosts-commit-hook";
    /** How long a host event waits for the event of the other topic it follows before it is rejected. */
    public static final long DEFAULT_HOLD_MS = 10_000;
    /** How often a task that keeps up commits (what it wrote becomes visible to read_committed consumers). */
    public static final long DEFAULT_PROMPT_COMMIT_MS = 300;
    public static final String PATCHES_STORE = "patches";
    public static final String COMMANDS_STORE = "patch-commands";
    public static final String ROLLOUT_HOSTS_STORE = "rollout-hosts";
    public static final String FLEET_STORE = "fleet";
    public static final String CATALOG_STORE = "patch-catalog";
    public static final String CHANGES = "host-patch-changes";
    /** The host side's inputs, taken in timestamp order per host partition. */
    public static final List<String> HOST_INPUTS = List.of(Topics.HOST_LIFECYCLE.name(), Topics.HOST_COMMANDS.name());

    private static final Serde<String> KEY = Serdes.String();
    private static final AvroRecordSerde<HostPatchChange> CHANGE = new AvroRecordSerde<>(HostPatchChange.class);

    private LedgerTopology() {
    }

    public static Topology build() {
        return build(DEFAULT_HOLD_MS, DEFAULT_PROMPT_COMMIT_MS, new HostStateWatch());
    }

    /**
     * @param promptCommitMs how often a host task that keeps up asks for a commit, and the patch side
     *                       commits after each command or rollout decision it sends; a host task folding
     *                       a backlog commits at Streams' commit interval instead
     * @param watch          told of each host state change, for the API's waiting reads
     */
    public static Topology build(long holdMs, long promptCommitMs, HostStateWatch watch) {
        return build(holdMs, promptCommitMs, watch, LedgerObservers.none());
    }

    /** @param observers told of the global stores' changes and of dead letters and rejections sent, for the metrics */
    public static Topology build(long holdMs, long promptCommitMs, HostStateWatch watch, LedgerObservers observers) {
        StreamsBuilder builder = new StreamsBuilder();
        // global copies keep the encoded states: only what is looked up gets decoded (and each change once, by the census)
        builder.addGlobalStore(globalStore(FLEET_STORE), Topics.HOST_STATE.name(),
                Consumed.with(KEY, Serdes.ByteArray()).withName("fleet-source"), () -> new GlobalStoreUpdater<>(FLEET_STORE, () -> {
                }, observers.fleetListener()));
        StoreChanges catalogChanges = new StoreChanges();
        builder.addGlobalStore(globalStore(CATALOG_STORE), Topics.PATCH_STATE.name(),
                Consumed.with(KEY, Serdes.ByteArray()).withName("patch-catalog-source"),
                () -> new GlobalStoreUpdater<>(CATALOG_STORE, catalogChanges::changed, observers.catalogListener()));

        // host states stay decoded in memory and are written out once per host and commit
        builder.addStateStore(HostStateStore.builder(HOSTS_STORE, watch));
        builder.addStateStore(PreCommitHook.builder(HOSTS_COMMIT_HOOK));
        builder.addStateStore(store(HELD_STORE, Serdes.ByteArray()));
        // a few patch keys take every host change: the cache sends one changelog record per key and commit
        builder.addStateStore(store(PATCHES_STORE, new AvroRecordSerde<>(PatchState.class)).withCachingEnabled());
        builder.addStateStore(store(COMMANDS_STORE, new AvroRecordSerde<>(ApplyRequested.class)));
        builder.addStateStore(store(ROLLOUT_HOSTS_STORE, new AvroRecordSerde<>(RolloutHost.class)).withCachingEnabled());

        KStream<String, byte[]> hostEvents = builder.stream(HOST_INPUTS, Consumed.with(KEY, Serdes.ByteArray()).withName("host-events"));
        KStream<String, Outbound> hostOutput = hostEvents.process(() -> new HostProcessor(holdMs, promptCommitMs, catalogChanges), Named.as("hosts"),
                HOSTS_STORE, HOSTS_COMMIT_HOOK, HELD_STORE);

        KStream<String, Object> changes = hostOutput
                .filter((k, v) -> v.isChange(), Named.as("host-patch-changes-only"))
                .mapValues(Outbound::value, Named.as("host-patch-change-bytes"))
                .repartition(Repartitioned.with(KEY, Serdes.ByteArray()).withName(CHANGES)
                        .withNumberOfPartitions(Topics.BUILDS.partitions()))
                .mapValues(bytes -> HostCountDeltaSerde.isDelta(bytes) ? (Object) HostCountDeltaSerde.decode(bytes)
                        : (Object) CHANGE.decode(bytes), Named.as("host-patch-change-decode"));
        send(hostOutput.filterNot((k, v) -> v.isChange(), Named.as("host-outputs")), "host-sink", observers);

        KStream<String, Object> patchEvents = builder.stream(List.of(Topics.BUILDS.name(), Topics.ROLLOUTS.name()),
                        Consumed.with(KEY, Serdes.ByteArray()).withName("patch-events"))
                .mapValues(bytes -> (Object) bytes, Named.as("patch-event-records"));
        KStream<String, Outbound> patchOutput = patchEvents.merge(changes, Named.as("patch-inputs"))
                .process(PatchProcessor::new, Named.as("patches"), PATCHES_STORE, COMMANDS_STORE, ROLLOUT_HOSTS_STORE);
        send(patchOutput, "patch-sink", observers);
        return builder.build();
    }

    private static void send(KStream<String, Outbound> outputs, String name, LedgerObservers observers) {
        outputs.to((key, value, context) -> {
                    observers.sending(value.topic(), value, context.headers());
                    return value.topic();
                },
                Produced.with(KEY, new OutboundSerde()).withName(name));
    }

    private static <V> StoreBuilder<KeyValueStore<String, V>> store(String name, Serde<V> values) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), KEY, values);
    }

    /** A global copy of a compacted topic, in memory: read again from the topic when the app starts. */
    private static StoreBuilder<KeyValueStore<String, byte[]>> globalStore(String name) {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), KEY, Serdes.ByteArray()).withLoggingDisabled();
    }
}
