package io.khp.verifier.match;

import io.khp.events.RelocationType;

/**
 * A relocation field of a function's 'pre' bytes: at {@code offset} the running kernel holds a
 * value that, decoded by {@code type} with {@code addend}, is the address of {@code symbol}.
 */
public record Relocation(int offset, RelocationType type, String symbol, long addend, boolean local) {

    /** Bytes of the field the relocation writes; 0 for a type the matcher cannot decode. */
    public int width() {
        return RelocationArithmetic.width(type);
    }
}
