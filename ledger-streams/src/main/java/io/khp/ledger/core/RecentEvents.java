package io.khp.ledger.core;

import java.nio.ByteBuffer;

/**
 * The hashes of a host's latest event ids, as the host state keeps them: 8 bytes each, oldest
 * first, in one byte string (a list of boxed numbers cost more to search, store and encode than
 * the rest of the state).
 *
 * <p>Each event makes a new window, and copying the whole window for each was a third of what the
 * fold allocates. So windows are views of a shared backing array with room to grow: adding a hash
 * writes it just past the newest view and returns a view shifted by one, leaving every earlier
 * view's bytes as they were. The backing array records at its start how far the newest view
 * reaches; a window that is not the newest of its array (a second event folded into the same
 * earlier state) gets a fresh array instead, so no view ever sees its bytes change.
 */
final class RecentEvents {

    static final ByteBuffer NONE = ByteBuffer.allocate(0).asReadOnlyBuffer();

    /** Hashes a backing array holds before its windows move to a new one. */
    private static final int BACKING_HASHES = 64;
    /**
     * The newest view's end (8 bytes), the hashes, and one spare byte: an odd length, so that no
     * buffer of whole hashes, decoded or built elsewhere, is ever taken for a backing array.
     */
    private static final int BACKING_BYTES = Long.BYTES + BACKING_HASHES * Long.BYTES + 1;
    private static final int LAST_HASH_END = Long.BYTES + BACKING_HASHES * Long.BYTES;

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

    /** The hashes with {@code hash} added last, keeping the latest {@code max}; {@code recent} never changes. */
    static ByteBuffer plus(ByteBuffer recent, long hash, int max) {
        int held = Math.min(recent.remaining() / Long.BYTES, max - 1);
        if (held + 1 > BACKING_HASHES / 2) {
            return copied(recent, held, hash);
        }
        int end = recent.hasArray() ? recent.arrayOffset() + recent.limit() : -1;
        if (recent.hasArray() && !recent.isReadOnly() && recent.array().length == BACKING_BYTES
                && newestEnd(recent.array()) == end && end + Long.BYTES <= LAST_HASH_END) {
            return append(recent.array(), end, held, hash);
        }
        byte[] backing = new byte[BACKING_BYTES];
        ByteBuffer fresh = ByteBuffer.wrap(backing);
        int at = Long.BYTES;
        for (int i = recent.limit() - held * Long.BYTES; i < recent.limit(); i += Long.BYTES, at += Long.BYTES) {
            fresh.putLong(at, recent.getLong(i));
        }
        return append(backing, at, held, hash);
    }

    /** A window too large to share a backing array: a copy of its own. */
    private static ByteBuffer copied(ByteBuffer recent, int held, long hash) {
        ByteBuffer next = ByteBuffer.allocate((held + 1) * Long.BYTES);
        for (int i = recent.limit() - held * Long.BYTES; i < recent.limit(); i += Long.BYTES) {
            next.putLong(recent.getLong(i));
        }
        return next.putLong(hash).flip();
    }

    /** Writes {@code hash} at {@code end} and returns the view of it and the {@code held} hashes before it. */
    private static ByteBuffer append(byte[] backing, int end, int held, long hash) {
        ByteBuffer whole = ByteBuffer.wrap(backing);
        whole.putLong(end, hash);
        int newEnd = end + Long.BYTES;
        whole.putLong(0, newEnd);
        int start = newEnd - (held + 1) * Long.BYTES;
        return whole.position(start).limit(newEnd).slice();
    }

    private static long newestEnd(byte[] backing) {
        return ByteBuffer.wrap(backing).getLong(0);
    }

    static int size(ByteBuffer recent) {
        return recent.remaining() / Long.BYTES;
    }
}
