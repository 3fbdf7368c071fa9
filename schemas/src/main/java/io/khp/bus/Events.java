package io.khp.bus;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

import io.khp.events.KhpEvent;

/**
 * Builds event envelopes for one source. Event ids are random UUIDs, or, for events that must be
 * published exactly once even when a service restarts and repeats itself, derived deterministically
 * from what identifies them ({@link #deterministicId}).
 */
public final class Events {

    private final String source;
    private final Clock clock;

    public Events(String source, Clock clock) {
        this.source = source;
        this.clock = clock;
    }

    public Events(String source) {
        this(source, Clock.systemUTC());
    }

    public String source() {
        return source;
    }

    /** A new envelope: random id, now, this source; the caller sets ids and payload. */
    public KhpEvent.Builder envelope() {
        return KhpEvent.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setOccurredAt(Instant.ofEpochMilli(clock.millis()))
                .setSource(source);
    }

    /** An envelope answering {@code cause}: same correlation, host and patch, causation = its id. */
    public KhpEvent.Builder answering(KhpEvent cause) {
        return envelope()
                .setCorrelationId(cause.getCorrelationId())
                .setCausationId(cause.getEventId())
                .setHostId(cause.getHostId())
                .setPatchId(cause.getPatchId());
    }

    /** A name-based (version 3) UUID of the parts: the same parts always give the same id. */
    public static String deterministicId(String... parts) {
        return UUID.nameUUIDFromBytes(String.join("\u001f", parts).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** The payload's type name, e.g. "PatchBuilt". */
    public static String typeOf(KhpEvent event) {
        return event.getPayload() == null ? "none" : event.getPayload().getClass().getSimpleName();
    }
}
