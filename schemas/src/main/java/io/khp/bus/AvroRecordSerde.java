package io.khp.bus;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
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
    /** The single-object header: marker and the schema's fingerprint. */
    private final byte[] header;
    private final DatumWriter<T> writer;
    private final BinaryMessageDecoder<T> decoder;
    /** A thread's output buffer and encoder, used again for each value it encodes. */
    private final ThreadLocal<Output> outputs = ThreadLocal.withInitial(Output::new);

    public AvroRecordSerde(Class<T> type) {
        AvroClassTrust.install();
        this.type = type;
        SpecificData model = withCustomCoders(type);
        var schema = model.getSchema(type);
        this.header = EventCodec.headerOf(schema);
        @SuppressWarnings("unchecked")
        DatumWriter<T> w = (DatumWriter<T>) model.createDatumWriter(schema);
        this.writer = w;
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

    /**
     * The value in single-object encoding, as Avro's {@link BinaryMessageEncoder} writes it, through a
     * buffered encoder (Avro's message encoder writes each field to a synchronized stream, which cost
     * more than the encoding itself).
     */
    public byte[] encode(T value) {
        Output out = outputs.get();
        try {
            // the encoder first: taking it again flushes what a failed encoding left in its buffer
            out.encoder = EncoderFactory.get().binaryEncoder(out, out.encoder);
            out.reset();
            out.write(header);
            writer.write(value, out.encoder);
            out.encoder.flush();
            return out.toByteArray();
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

    /** A byte buffer without the locking of {@link ByteArrayOutputStream}, and its encoder. */
    private static final class Output extends OutputStream {
        private byte[] bytes = new byte[1024];
        private int size;
        BinaryEncoder encoder;

        void reset() {
            size = 0;
        }

        @Override
        public void write(int b) {
            ensure(1);
            bytes[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, bytes, size, len);
            size += len;
        }

        private void ensure(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }

        byte[] toByteArray() {
            return Arrays.copyOf(bytes, size);
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
