package io.khp.verifier.match;

import io.khp.events.RelocationType;

/**
 * How the x86-64 relocation types khp meets are written into code, read backwards: given the bytes
 * the linker (or module loader) wrote at a field, the symbol address they encode.
 * <ul>
 * <li>PC32, PLT32, GOTPCREL*: field = S + A − P (32-bit, signed), so S = P + field − A;</li>
 * <li>PC64: the same with a 64-bit field;</li>
 * <li>32S: field = S + A, sign-extended; 32: zero-extended; 64: the full 64 bits; S = field − A.</li>
 * </ul>
 * The GOTPCREL family is only meaningful once the linker relaxed the load through the GOT into a
 * direct reference, which is what vmlinux holds (the kernel has no GOT).
 */
public final class RelocationArithmetic {

    private RelocationArithmetic() {
    }

    public static int width(RelocationType type) {
        return switch (type) {
            case R_X86_64_PC32, R_X86_64_PLT32, R_X86_64_32, R_X86_64_32S,
                    R_X86_64_GOTPCREL, R_X86_64_GOTPCRELX, R_X86_64_REX_GOTPCRELX -> 4;
            case R_X86_64_64, R_X86_64_PC64 -> 8;
            case UNKNOWN -> 0;
        };
    }

    /** The symbol address the field at {@code offset} of {@code code} (loaded at {@code base}) encodes. */
    public static long target(RelocationType type, byte[] code, int offset, long base, long addend) {
        long place = base + offset;
        return switch (type) {
            case R_X86_64_PC32, R_X86_64_PLT32, R_X86_64_GOTPCREL, R_X86_64_GOTPCRELX, R_X86_64_REX_GOTPCRELX ->
                    place + readInt(code, offset) - addend;
            case R_X86_64_PC64 -> place + readLong(code, offset) - addend;
            case R_X86_64_32S -> readInt(code, offset) - addend;
            case R_X86_64_32 -> (readInt(code, offset) & 0xffff_ffffL) - addend;
            case R_X86_64_64 -> readLong(code, offset) - addend;
            case UNKNOWN -> throw new IllegalArgumentException("relocation type UNKNOWN has no arithmetic");
        };
    }

    /** The field value that makes {@code target} of the same type give {@code symbolAddress}: for building test code. */
    public static long fieldValue(RelocationType type, long symbolAddress, long base, int offset, long addend) {
        long place = base + offset;
        return switch (type) {
            case R_X86_64_PC32, R_X86_64_PLT32, R_X86_64_GOTPCREL, R_X86_64_GOTPCRELX, R_X86_64_REX_GOTPCRELX,
                    R_X86_64_PC64 -> symbolAddress + addend - place;
            case R_X86_64_32S, R_X86_64_32, R_X86_64_64 -> symbolAddress + addend;
            case UNKNOWN -> throw new IllegalArgumentException("relocation type UNKNOWN has no arithmetic");
        };
    }

    static int readInt(byte[] b, int o) {
        return (b[o] & 0xff) | (b[o + 1] & 0xff) << 8 | (b[o + 2] & 0xff) << 16 | (b[o + 3] & 0xff) << 24;
    }

    static long readLong(byte[] b, int o) {
        return (readInt(b, o) & 0xffff_ffffL) | ((long) readInt(b, o + 4)) << 32;
    }
}
