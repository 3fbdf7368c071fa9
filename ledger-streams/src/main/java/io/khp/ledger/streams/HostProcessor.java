package io.khp.ledger.streams;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

import io.khp.bus.AvroRecordSerde;
import io.khp.bus.Topics;
import io.khp.events.ApplyRequested;
import io.khp.events.KhpEvent;
import io.khp.ledger.core.HostLedger;
import io.khp.ledger.core.HostStep;
import io.khp.ledger.core.Rejections;
import io.khp.state.HostPatch;
import io.khp.state.HostPatchChange;
import io.khp.state.HostState;
import io.khp.state.PatchStatus;
import io.khp.state.Rejection;

/**
 * Host-keyed processing: folds each host event (reports, lifecycle, commands) into the host's
 * state with {@link HostLedger}, publishes the new state, the rejections, and each patch state
 * change for the patch-keyed side.
 */
final class HostProcessor implements Processor<String, byte[], String, Outbound> {

    private static final AvroRecordSerde<HostState> HOST = new AvroRecordSerde<>(HostState.class);
    private static final AvroRecordSerde<Rejection> REJECTION = new AvroRecordSerde<>(Rejection.class);
    private static final AvroRecordSerde<HostPatchChange> CHANGE = new AvroRecordSerde<>(HostPatchChange.class);

    private ProcessorContext<String, Outbound> context;
    /** Host states, encoded: each new state is encoded once for the store and the host-state topic. */
    private KeyValueStore<String, byte[]> hosts;
    private StorePatchCatalog catalog;

    @Override
    public void init(ProcessorContext<String, Outbound> context) {
        this.context = context;
        this.hosts = context.getStateStore(LedgerTopology.HOSTS_STORE);
        this.catalog = new StorePatchCatalog(context.getStateStore(LedgerTopology.CATALOG_STORE));
    }

    @Override
    public void process(Record<String, byte[]> record) {
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
        byte[] stored = hosts.get(hostId);
        HostState current = stored == null ? null : HOST.decode(stored);
        HostStep step = HostLedger.evolve(current, event, catalog, now);
        if (step.duplicate()) {
            return;
        }
        if (step.rejection() != null) {
            send(record, hostId, Topics.REJECTIONS.name(), REJECTION.encode(step.rejection()));
            reportToRollout(record, current, event);
            return;
        }
        byte[] encoded = HOST.encode(step.state());
        hosts.put(hostId, encoded);
        send(record, hostId, Topics.HOST_STATE.name(), encoded);
        for (HostPatchChange change : step.changes()) {
            if (change.getPatchId() != null) {
                context.forward(record.withKey(change.getPatchId()).withValue(Outbound.change(CHANGE.encode(change))));
            }
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
        context.forward(record.withKey(event.getPatchId()).withValue(Outbound.change(CHANGE.encode(report))));
    }

    private void send(Record<String, byte[]> record, String key, String topic, byte[] value) {
        context.forward(record.withKey(key).withValue(new Outbound(topic, value)));
    }
}
