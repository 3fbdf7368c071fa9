package io.khp.ledger.core;

import io.khp.bus.Events;
import io.khp.events.KhpEvent;
import io.khp.state.Rejection;

/** Builds the record of a refused event. */
public final class Rejections {

    private Rejections() {
    }

    public static Rejection of(KhpEvent event, String reason, String currentState, long rejectedAt) {
        return Rejection.newBuilder()
                .setEventId(event.getEventId())
                .setEventType(Events.typeOf(event))
                .setHostId(event.getHostId())
                .setPatchId(event.getPatchId())
                .setReason(reason)
                .setCurrentState(currentState)
                .setEventSource(event.getSource())
                .setOccurredAt(event.getOccurredAt().toEpochMilli())
                .setRejectedAt(rejectedAt)
                .build();
    }
}
