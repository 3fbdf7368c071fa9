package io.khp.bus;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;

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

    /** The single-object encoding's marker, before the writer schema's fingerprint. */
    private static final byte MARKER_0 = (byte) 0xC3;
    private static final byte MARKER_1 = (byte) 0x01;
    private static final int HEADER_BYTES = 10;

    /** The single-object header of records written with {@code schema}: the marker, then its fingerprint. */
    static byte[] headerOf(Schema schema) {
        return ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN).put(MARKER_0).put(MARKER_1)
                .putLong(SchemaNormalization.parsingFingerprint64(schema)).array();
    }
    /** Reused per thread: decoding reads straight from the record's bytes, through the decoder's buffer. */
    private static final ThreadLocal<BinaryDecoder> DECODERS = new ThreadLocal<>();

    private final BinaryMessageEncoder<KhpEvent> encoder = KhpEvent.getEncoder();
    private final SchemaHistory history;
    /** A reader per writer schema fingerprint, made on first sight of a released schema. */
    private final Map<Long, DatumReader<KhpEvent>> readers = new ConcurrentHashMap<>();

    EventCodec(SchemaHistory history) {
        this.history = history;
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
        if (bytes.length < HEADER_BYTES) {
            throw new UndecodableEventException("truncated header (" + bytes.length + " bytes)", null);
        }
        if (bytes[0] != MARKER_0 || bytes[1] != MARKER_1) {
            throw new UndecodableEventException("not single-object encoded (bad header)", null);
        }
        DatumReader<KhpEvent> reader = readerFor(fingerprintOf(bytes));
        if (reader == null) {
            throw new UndecodableEventException("unknown schema fingerprint", null);
        }
        try {
            BinaryDecoder in = DecoderFactory.get().binaryDecoder(bytes, HEADER_BYTES, bytes.length - HEADER_BYTES, DECODERS.get());
            DECODERS.set(in);
            KhpEvent event = reader.read(null, in);
            if (event.getPayload() == null) {
                throw new UndecodableEventException("event without payload", null);
            }
            return event;
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

    /** The writer schema's fingerprint: 8 bytes little-endian after the marker. */
    private static long fingerprintOf(byte[] bytes) {
        long fingerprint = 0;
        for (int i = HEADER_BYTES - 1; i >= 2; i--) {
            fingerprint = (fingerprint << 8) | (bytes[i] & 0xff);
        }
        return fingerprint;
    }

    /** A reader from a released (or the current) schema into the current classes; null for an unknown fingerprint. */
    private DatumReader<KhpEvent> readerFor(long fingerprint) {
        return readers.computeIfAbsent(fingerprint, f -> {
            Schema writer = history.findByFingerprint(f);
            @SuppressWarnings("unchecked")
            DatumReader<KhpEvent> reader = writer == null ? null
                    : (DatumReader<KhpEvent>) SpecificData.getForClass(KhpEvent.class).createDatumReader(writer, KhpEvent.getClassSchema());
            return reader;
        });
    }
}
