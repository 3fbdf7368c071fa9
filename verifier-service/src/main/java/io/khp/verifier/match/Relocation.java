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

    /**
     * True when the target is a section (its name starts with '.', e.g. {@code .rodata.str1.1}): the
     * object tool names the section when no function or object covers the target (string literals,
     * constant pools). kallsyms has no such name, so the field is skipped, not checked.
     */
    public boolean targetsSection() {
        return symbol.startsWith(".");
    }
}
