package io.khp.ledger.streams;

import java.util.function.BiConsumer;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.khp.bus.AvroRecordSerde;
import io.khp.bus.DeadLetters;
import io.khp.bus.Topics;
import io.khp.ledger.core.FleetCensus;
import io.khp.ledger.core.RolloutCensus;
import io.khp.state.HostState;
import io.khp.state.PatchState;
import io.khp.state.Rejection;
import io.prometheus.metrics.core.metrics.Counter;

/**
 * What the ledger's topology tells its metrics: the global stores' changes (fleet census, rollouts)
 * and the records it writes to khp.dead-letters (by original topic and exception) and
 * khp.rejections (by event type).
 */
public record LedgerObservers(FleetCensus fleet, RolloutCensus rollouts, Counter deadLettered, Counter rejections) {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerObservers.class);
    private static final AvroRecordSerde<HostState> HOST_STATE = new AvroRecordSerde<>(HostState.class);
    private static final AvroRecordSerde<PatchState> PATCH_STATE = new AvroRecordSerde<>(PatchState.class);
    private static final AvroRecordSerde<Rejection> REJECTION = new AvroRecordSerde<>(Rejection.class);

    /** Observers nobody reads (tests and tools that run the topology without metrics). */
    public static LedgerObservers none() {
        return new LedgerObservers(new FleetCensus(), new RolloutCensus(),
                Counter.builder().name("unread_dead_letters").labelNames("topic", "reason").build(),
                Counter.builder().name("unread_rejections").labelNames("event_type").build());
    }

    public GlobalStoreUpdater.Listener<byte[]> fleetListener() {
        return censusListener("fleet census: host state", HOST_STATE, fleet::put, fleet::clear);
    }

    public GlobalStoreUpdater.Listener<byte[]> catalogListener() {
        return censusListener("rollout census: patch state", PATCH_STATE, rollouts::put, rollouts::clear);
    }

    /**
     * Decodes each change of a global store for a census. A value that does not decode stays in
     * the store as it is; only the census leaves it out.
     */
    private static <S extends SpecificRecord> GlobalStoreUpdater.Listener<byte[]> censusListener(
            String what, AvroRecordSerde<S> serde, BiConsumer<String, S> put, Runnable clear) {
        return new GlobalStoreUpdater.Listener<>() {
            @Override
            public void changed(String key, byte[] state) {
                try {
                    put.accept(key, state == null ? null : serde.decode(state));
                } catch (RuntimeException e) {
                    LOG.warn("{} of {} does not decode; not counted: {}", what, key, e.getMessage());
                    put.accept(key, null);
                }
            }

            @Override
            public void restoring() {
                clear.run();
            }
        };
    }

    /** A record leaves for {@code topic}. */
    void sending(String topic, Outbound out, Headers headers) {
        if (Topics.DEAD_LETTERS.name().equals(topic)) {
            String origin = DeadLetters.header(headers, DeadLetters.ORIGIN_TOPIC);
            String exception = DeadLetters.header(headers, DeadLetters.EXCEPTION);
            deadLettered.labelValues(origin == null ? "unknown" : origin,
                    exception == null ? "unknown" : exception.substring(exception.lastIndexOf('.') + 1)).inc();
        } else if (Topics.REJECTIONS.name().equals(topic)) {
            String eventType;
            try {
                eventType = REJECTION.decode(out.value()).getEventType();
            } catch (RuntimeException e) {
                eventType = "unknown"; // counting must never stop the ledger
            }
            rejections.labelValues(eventType).inc();
        }
    }
}
