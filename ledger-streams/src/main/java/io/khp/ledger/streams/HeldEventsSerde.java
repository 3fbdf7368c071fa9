package io.khp.ledger.streams;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import io.khp.bus.EventCodec;
import io.khp.ledger.core.HostInbox.Held;

/**
 * A host's held events in the "held-events" store: a count, then per event the time it was held and
 * its encoded envelope (the same bytes as on the topics, so schema evolution follows the events').
 */
final class HeldEventsSerde {

    private static final EventCodec CODEC = EventCodec.instance();

    private HeldEventsSerde() {
    }

    static byte[] encode(List<Held> held) {
        List<byte[]> events = new ArrayList<>(held.size());
        int size = Integer.BYTES;
        for (Held h : held) {
            byte[] e = CODEC.encode(h.event());
            events.add(e);
            size += Long.BYTES + Integer.BYTES + e.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putInt(held.size());
        for (int i = 0; i < held.size(); i++) {
            out.putLong(held.get(i).heldAt());
            out.putInt(events.get(i).length);
            out.put(events.get(i));
        }
        return out.array();
    }

    static List<Held> decode(byte[] bytes) {
        if (bytes == null) {
            return List.of();
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        int n = in.getInt();
        List<Held> held = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long at = in.getLong();
            byte[] e = new byte[in.getInt()];
            in.get(e);
            held.add(new Held(CODEC.decode(e), at));
        }
        return held;
    }
}
