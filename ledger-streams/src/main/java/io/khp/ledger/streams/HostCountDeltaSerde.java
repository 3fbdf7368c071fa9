package io.khp.ledger.streams;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import io.khp.ledger.core.HostCountDelta;

/**
 * A {@link HostCountDelta} on the internal host-patch-changes topic and in the "count-deltas" store:
 * a marker byte (Avro single-object records, the other values of that topic, start with 0xC3), the
 * time, then (state name, count) pairs. Internal to one ledger version: never on a khp topic.
 */
final class HostCountDeltaSerde implements Serde<HostCountDelta> {

    private static final byte MARKER = 'D';

    static boolean isDelta(byte[] bytes) {
        return bytes != null && bytes.length > 0 && bytes[0] == MARKER;
    }

    static byte[] encode(HostCountDelta delta) {
        byte[] patch = delta.patchId().getBytes(StandardCharsets.UTF_8);
        int size = 1 + Long.BYTES + Integer.BYTES + patch.length + Integer.BYTES;
        for (String state : delta.counts().keySet()) {
            size += Integer.BYTES + state.length() + Integer.BYTES;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(MARKER).putLong(delta.at()).putInt(patch.length).put(patch).putInt(delta.counts().size());
        delta.counts().forEach((state, n) -> {
            byte[] name = state.getBytes(StandardCharsets.US_ASCII);
            out.putInt(name.length).put(name).putInt(n);
        });
        return out.array();
    }

    static HostCountDelta decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (in.get() != MARKER) {
            throw new IllegalArgumentException("not a host count delta");
        }
        long at = in.getLong();
        String patch = string(in, StandardCharsets.UTF_8);
        int n = in.getInt();
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            String state = string(in, StandardCharsets.US_ASCII);
            counts.put(state, in.getInt());
        }
        return new HostCountDelta(patch, counts, at);
    }

    private static String string(ByteBuffer in, java.nio.charset.Charset charset) {
        byte[] b = new byte[in.getInt()];
        in.get(b);
        return new String(b, charset);
    }

    @Override
    public Serializer<HostCountDelta> serializer() {
        return (topic, delta) -> delta == null ? null : encode(delta);
    }

    @Override
    public Deserializer<HostCountDelta> deserializer() {
        return (topic, bytes) -> bytes == null ? null : decode(bytes);
    }
}
