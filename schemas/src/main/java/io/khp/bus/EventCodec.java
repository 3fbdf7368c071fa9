package io.khp.bus;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;

import io.khp.events.KhpEvent;

/**
 * Avro single-object encoding of {@link KhpEvent}: a 2-byte marker, the 8-byte schema fingerprint,
 * then the Avro binary body. Decodes every released schema version (see {@link SchemaHistory}).
 * Thread-safe.
 */
public final class EventCodec {

    /** Upper bound of one string or bytes field; keeps a corrupt length from allocating gigabytes. */
    private static final String MAX_FIELD_BYTES = Integer.toString(64 * 1024 * 1024);

    static {
        System.setProperty("org.apache.avro.limits.bytes.maxLength",
                System.getProperty("org.apache.avro.limits.bytes.maxLength", MAX_FIELD_BYTES));
        System.setProperty("org.apache.avro.limits.string.maxLength",
                System.getProperty("org.apache.avro.limits.string.maxLength", MAX_FIELD_BYTES));
        AvroClassTrust.install();
    }

    private static final EventCodec INSTANCE = new EventCodec(SchemaHistory.load());

    private final BinaryMessageEncoder<KhpEvent> encoder = KhpEvent.getEncoder();
    private final BinaryMessageDecoder<KhpEvent> decoder;

    EventCodec(SchemaHistory history) {
        decoder = KhpEvent.createDecoder(history);
        history.released().forEach(decoder::addSchema);
    }

    public static EventCodec instance() {
        return INSTANCE;
    }

    public byte[] encode(KhpEvent event) {
        try {
            ByteBuffer buffer = encoder.encode(event);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot encode event " + event.getEventId() + ": " + e.getMessage(), e);
        }
    }

    /** @throws UndecodableEventException with a short reason for anything that is not a readable khp event */
    public KhpEvent decode(byte[] bytes) {
        if (bytes == null) {
            throw new UndecodableEventException("null value", null);
        }
        if (bytes.length < 10) {
            throw new UndecodableEventException("truncated header (" + bytes.length + " bytes)", null);
        }
        try {
            KhpEvent event = decoder.decode(bytes);
            if (event.getPayload() == null) {
                throw new UndecodableEventException("event without payload", null);
            }
            return event;
        } catch (MissingSchemaException e) {
            throw new UndecodableEventException("unknown schema fingerprint", e);
        } catch (BadHeaderException e) {
            throw new UndecodableEventException("not single-object encoded (bad header)", e);
        } catch (IOException e) {
            throw new UndecodableEventException("truncated or corrupt body", e);
        } catch (UndecodableEventException e) {
            throw e;
        } catch (RuntimeException e) {
            // AvroRuntimeException, SystemLimitException, UnsupportedOperationException (absurd lengths),
            // IndexOutOfBounds, ClassCast...: whatever the bytes made the decoder do, the record is corrupt
            throw new UndecodableEventException("corrupt body", e);
        }
    }
}
