package io.khp.ledger.streams;

import java.time.Instant;

import io.khp.bus.Events;
import io.khp.events.KhpEvent;

/**
 * Envelopes of the events the rollout controller writes. Ids are derived from what the event
 * decides (rollout, kind, wave, host), so a decision replayed after a crash has the same id and the
 * events are timestamped with the event that caused them: replaying the log gives the same output.
 */
final class LedgerEvents {

    static final String SOURCE = "ledger-streams";

    private LedgerEvents() {
    }

    static KhpEvent envelope(String cause, Instant at, String rolloutId, String hostId, String patchId, Object payload,
            String... idParts) {
        return KhpEvent.newBuilder()
                .setEventId(Events.deterministicId(idParts))
                .setOccurredAt(at)
                .setSource(SOURCE)
                .setCorrelationId(rolloutId)
                .setCausationId(cause)
                .setHostId(hostId)
                .setPatchId(patchId)
                .setPayload(payload)
                .build();
    }
}
