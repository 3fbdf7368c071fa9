package io.khp.ledger.streams;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import io.khp.bus.AvroRecordSerde;
import io.khp.bus.Topics;
import io.khp.events.ApplyRequested;
import io.khp.events.KhpEvent;
import io.khp.ledger.core.HostLedger;
import io.khp.ledger.core.HostCountDelta;
import io.khp.ledger.core.HostCountSum;
import io.khp.ledger.core.HostInbox;
import io.khp.ledger.core.HostInbox.Held;
import io.khp.ledger.core.Rejections;
import io.khp.state.HostPatch;
import io.khp.state.HostPatchChange;
import io.khp.state.HostState;
import io.khp.state.PatchStatus;
import io.khp.state.Rejection;

/**
 * Host-keyed processing: folds each host event (reports, lifecycle, commands) into the host's
 * state with {@link HostLedger} and sends the rejections and each patch state change for the
 * patch-keyed side. Events taken before the event of the other topic they follow are held per
 * host ({@link HostInbox}) and rejected when held longer than the hold time.
 *
 * <p>What changes on every event stays in memory until the task commits ({@link PreCommitHook}):
 * the hosts' new states ({@link HostStateStore}), written out and published on khp.host-state
 * once per host and commit, and the summed host count changes, sent to the patch side. The task
 * asks for those commits itself while it keeps up, and leaves a backlog to Streams' longer commit
 * interval ({@link CommitPacing}).
 */
final class HostProcessor implements Processor<String, byte[], String, Outbound> {

    private static final AvroRecordSerde<Rejection> REJECTION = new AvroRecordSerde<>(Rejection.class);
    private static final AvroRecordSerde<HostPatchChange> CHANGE = new AvroRecordSerde<>(HostPatchChange.class);

    private final long holdMs;
    private final CommitPacing pacing;
    private ProcessorContext<String, Outbound> context;
    private HostStateStore hosts;
    /** Events held until an event of the other topic makes them legal ({@link HostInbox}). */
    private KeyValueStore<String, byte[]> heldStore;
    /** The hosts with held events (a copy of the held store's keys, so other hosts never read it). */
    private final SortedSet<String> holding = new TreeSet<>();
    private StorePatchCatalog catalog;
    /** Count changes outside rollouts, summed per patch until the next commit. */
    private final Map<String, HostCountSum> countSums = new LinkedHashMap<>();

    private final StoreChanges catalogChanges;

    HostProcessor(long holdMs, long promptCommitMs, StoreChanges catalogChanges) {
        this.holdMs = holdMs;
        this.pacing = new CommitPacing(promptCommitMs);
        this.catalogChanges = catalogChanges;
    }

    @Override
    public void init(ProcessorContext<String, Outbound> context) {
        this.context = context;
        this.hosts = context.getStateStore(LedgerTopology.HOSTS_STORE);
        this.heldStore = context.getStateStore(LedgerTopology.HELD_STORE);
        this.catalog = new StorePatchCatalog(context.getStateStore(LedgerTopology.CATALOG_STORE), catalogChanges);
        countSums.clear();
        PreCommitHook hook = context.getStateStore(LedgerTopology.HOSTS_COMMIT_HOOK);
        hook.register(context, this::beforeCommit);
        try (KeyValueIterator<String, byte[]> all = heldStore.all()) {
            all.forEachRemaining(kv -> holding.add(kv.key));
        }
        context.schedule(Duration.ofMillis(Math.max(10, Math.min(1000, holdMs / 4))), PunctuationType.WALL_CLOCK_TIME,
                this::expireHeld);
        pacing.committed(context.currentSystemTimeMs());
        context.schedule(pacing.checkInterval(), PunctuationType.WALL_CLOCK_TIME, now -> {
            if (pacing.commitDue(now)) {
                context.commit();
            }
        });
    }

    /** Writes out and publishes the changed host states, and sends the summed count changes. */
    private void beforeCommit(long now) {
        pacing.committed(now);
        hosts.writeChanged((hostId, encoded) ->
                context.forward(new Record<>(hostId, new Outbound(Topics.HOST_STATE.name(), encoded), now)));
        Record<String, byte[]> atCommit = new Record<>(null, null, now);
        countSums.values().forEach(sum -> forwardSum(atCommit, sum));
        countSums.clear();
    }

    @Override
    public void process(Record<String, byte[]> record) {
        pacing.folded();
        KhpEvent event = EventDecoding.decode(context, record, record.value()).orElse(null);
        if (event == null) {
            return;
        }
        String hostId = record.key() != null ? record.key() : event.getHostId();
        long now = context.currentSystemTimeMs();
        if (hostId == null) {
            send(record, event.getEventId(), Topics.REJECTIONS.name(),
                    REJECTION.encode(Rejections.of(event, "host event without a host id", null, now)));
            return;
        }
        if (!hostId.equals(event.getHostId())) {
            event = KhpEvent.newBuilder(event).setHostId(hostId).build();
        }
        List<Held> held = holding.contains(hostId) ? HeldEventsSerde.decode(heldStore.get(hostId)) : List.of();
        HostState current = hosts.current(hostId);
        publish(record, hostId, held, HostInbox.receive(current, held, event, catalog, now));
    }

    /** Rejects the events held too long, as of the wall clock. */
    private void expireHeld(long now) {
        for (String hostId : List.copyOf(holding)) {
            List<Held> held = HeldEventsSerde.decode(heldStore.get(hostId));
            HostInbox.Outcome outcome = HostInbox.expire(hosts.current(hostId), held, catalog, now, holdMs);
            if (outcome.heldChanged(held)) {
                publish(new Record<>(hostId, (byte[]) null, now), hostId, held, outcome);
            }
        }
    }

    private void publish(Record<String, byte[]> record, String hostId, List<Held> held, HostInbox.Outcome outcome) {
        for (HostInbox.Refusal refusal : outcome.refusals()) {
            send(record, hostId, Topics.REJECTIONS.name(), REJECTION.encode(refusal.rejection()));
            reportToRollout(record, refusal.state(), refusal.event());
        }
        if (outcome.heldChanged(held)) {
            if (outcome.held().isEmpty()) {
                heldStore.delete(hostId);
                holding.remove(hostId);
            } else {
                heldStore.put(hostId, HeldEventsSerde.encode(outcome.held()));
                holding.add(hostId);
            }
        }
        if (!outcome.changed()) {
            return;
        }
        hosts.update(hostId, outcome.state());
        for (HostPatchChange change : outcome.changes()) {
            if (HostCountDelta.summable(change)) {
                countSums.computeIfAbsent(change.getPatchId(), HostCountSum::new).add(change);
            } else if (change.getPatchId() != null) {
                forwardChange(record, change);
            }
        }
    }

    /** A change one by one, after the summed changes of its patch so that the patch side sees them in order. */
    private void forwardChange(Record<String, byte[]> record, HostPatchChange change) {
        HostCountSum pending = countSums.remove(change.getPatchId());
        if (pending != null) {
            forwardSum(record, pending);
        }
        context.forward(record.withKey(change.getPatchId()).withValue(Outbound.change(CHANGE.encode(change))));
    }

    /** A patch's summed count changes for the patch side, unless they net out to nothing. */
    private void forwardSum(Record<String, byte[]> record, HostCountSum sum) {
        HostCountDelta delta = sum.delta();
        if (!delta.counts().isEmpty()) {
            context.forward(record.withKey(delta.patchId()).withValue(Outbound.change(HostCountDeltaSerde.encode(delta))));
        }
    }

    /**
     * A rollout's ApplyRequested that the host refused (unknown host, patch already applied or
     * under way) must still count in its wave: tell the rollout the host's state as it is (FAILED
     * for a host the ledger does not know), as a change from that state to itself.
     */
    private void reportToRollout(Record<String, byte[]> record, HostState host, KhpEvent event) {
        if (!(event.getPayload() instanceof ApplyRequested request) || request.getRolloutId() == null || event.getPatchId() == null) {
            return;
        }
        HostPatch entry = HostLedger.patch(host, event.getPatchId()).orElse(null);
        PatchStatus state = entry == null ? PatchStatus.FAILED : entry.getState();
        HostPatchChange report = HostPatchChange.newBuilder()
                .setHostId(event.getHostId())
                .setPatchId(event.getPatchId())
                .setRolloutId(request.getRolloutId())
                .setWave(request.getWave())
                .setPrevious(state)
                .setCurrent(state)
                .setAt(event.getOccurredAt().toEpochMilli())
                .setEventId(event.getEventId())
                .build();
        forwardChange(record.withKey(event.getPatchId()), report);
    }

    private void send(Record<String, byte[]> record, String key, String topic, byte[] value) {
        context.forward(record.withKey(key).withValue(new Outbound(topic, value)));
    }
}
