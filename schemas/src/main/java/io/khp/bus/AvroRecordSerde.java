package io.khp.bus;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde of one generated Avro record type in single-object encoding (marker, schema
 * fingerprint, binary body), for topics that carry something other than the {@code KhpEvent}
 * envelope (the ledger's state topics). Decodes only the current schema of the type.
 */
public final class AvroRecordSerde<T extends SpecificRecord> implements Serde<T> {

    private final Class<T> type;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    public AvroRecordSerde(Class<T> type) {
        AvroClassTrust.install();
        this.type = type;
        SpecificData model = withCustomCoders(type);
        var schema = model.getSchema(type);
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema);
    }

    /**
     * The type's model with the coders generated into the record classes switched on (Avro leaves
     * them off by default): encoding and decoding a state, the ledger's costliest steps, take a
     * fraction of the time of the generic, reflective path.
     */
    private static SpecificData withCustomCoders(Class<?> type) {
        SpecificData generated = SpecificData.getForClass(type);
        SpecificData model = new SpecificData(type.getClassLoader());
        generated.getConversions().forEach(model::addLogicalTypeConversion);
        model.setCustomCoders(true);
        return model;
    }

    public byte[] encode(T value) {
        try {
            ByteBuffer buffer = encoder.encode(value);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** @throws UndecodableEventException when the bytes are not a readable record of this type */
    public T decode(byte[] bytes) {
        try {
            return decoder.decode(bytes);
        } catch (IOException | AvroRuntimeException | IllegalArgumentException | IndexOutOfBoundsException
                 | ClassCastException | NegativeArraySizeException e) {
            throw new UndecodableEventException("not a " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> value == null ? null : encode(value);
    }

    /** Tombstones decode to null. */
    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> bytes == null ? null : decode(bytes);
    }
}
