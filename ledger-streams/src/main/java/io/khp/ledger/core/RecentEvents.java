package io.khp.ledger.core;

import java.nio.ByteBuffer;

/**
 * The hashes of a host's latest event ids, as the host state keeps them: 8 bytes each, oldest
 * first, in one byte string (a list of boxed numbers cost more to search, store and encode than
 * the rest of the state).
 */
final class RecentEvents {

    static final ByteBuffer NONE = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private RecentEvents() {
    }

    static boolean contains(ByteBuffer recent, long hash) {
        for (int i = recent.position(); i + Long.BYTES <= recent.limit(); i += Long.BYTES) {
            if (recent.getLong(i) == hash) {
                return true;
            }
        }
        return false;
    }

    /** The hashes with {@code hash} added last, keeping the latest {@code max}. */
    static ByteBuffer plus(ByteBuffer recent, long hash, int max) {
        int held = Math.min(recent.remaining() / Long.BYTES, max - 1);
        ByteBuffer next = ByteBuffer.allocate((held + 1) * Long.BYTES);
        for (int i = recent.limit() - held * Long.BYTES; i < recent.limit(); i += Long.BYTES) {
            next.putLong(recent.getLong(i));
        }
        next.putLong(hash);
        return next.flip();
    }

    static int size(ByteBuffer recent) {
        return recent.remaining() / Long.BYTES;
    }
}
