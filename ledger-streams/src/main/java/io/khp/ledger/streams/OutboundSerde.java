package io.khp.ledger.streams;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Writes an {@link Outbound}'s encoded value; outbound records are never read back as such. */
final class OutboundSerde implements Serde<Outbound> {

    @Override
    public Serializer<Outbound> serializer() {
        return (topic, value) -> value == null ? null : value.value();
    }

    @Override
    public Deserializer<Outbound> deserializer() {
        return (topic, bytes) -> {
            throw new UnsupportedOperationException("outbound records are not read back");
        };
    }
}
