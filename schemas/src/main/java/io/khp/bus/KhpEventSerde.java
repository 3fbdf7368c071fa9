package io.khp.bus;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import io.khp.events.KhpEvent;

/** Kafka serde for khp events (Avro single-object encoding, see {@link EventCodec}). */
public final class KhpEventSerde implements Serde<KhpEvent> {

    private final EventCodec codec = EventCodec.instance();

    @Override
    public Serializer<KhpEvent> serializer() {
        return (topic, event) -> event == null ? null : codec.encode(event);
    }

    /** Throws {@link UndecodableEventException} on anything unreadable; tombstones decode to null. */
    @Override
    public Deserializer<KhpEvent> deserializer() {
        return (topic, bytes) -> bytes == null ? null : codec.decode(bytes);
    }
}
