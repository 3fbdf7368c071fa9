package io.khp.verifier.match;

import io.khp.events.WildcardKind;

/**
 * What the kernel may have written at each kind of runtime-rewritten site (x86-64, Linux 6.1).
 * The matcher ignores a wildcard's value but still requires one of these shapes, so a site that
 * holds something no rewrite produces is a mismatch, not a silent pass. Kinds whose replacements
 * are arbitrary code (alternatives, retpolines, static calls) accept any bytes.
 */
public final class WildcardShapes {

    private static final byte[] NOP5 = {0x0f, 0x1f, 0x44, 0x00, 0x00};
    private static final byte[] NOP2 = {0x66, (byte) 0x90};
    private static final int CALL_REL32 = 0xe8;
    private static final int JMP_REL32 = 0xe9;
    private static final int JMP_REL8 = 0xeb;
    private static final int RET = 0xc3;
    private static final int INT3 = 0xcc;
    private static final int LOCK = 0xf0;
    private static final int DS = 0x3e;

    private WildcardShapes() {
    }

    /** Null when {@code run[offset, offset+length)} has a shape the kernel writes at a site of {@code kind}; else what is wrong. */
    public static String violation(WildcardKind kind, byte[] run, int offset, int length) {
        return switch (kind) {
            case FENTRY -> length == 5 && (startsWith(run, offset, NOP5) || u(run, offset) == CALL_REL32) ? null
                    : "fentry site holds " + hex(run, offset, length) + ", neither a 5-byte nop nor a call";
            case RETURN_THUNK -> returnThunk(run, offset, length);
            case SMP_LOCK -> length == 1 && (u(run, offset) == LOCK || u(run, offset) == DS) ? null
                    : "lock site holds " + hex(run, offset, length) + ", neither a lock (f0) nor a ds (3e) prefix";
            case JUMP_LABEL -> jumpLabel(run, offset, length);
            case ALTERNATIVE, RETPOLINE, STATIC_CALL, UNKNOWN -> null;
        };
    }

    private static String returnThunk(byte[] run, int offset, int length) {
        int first = u(run, offset);
        if (first == JMP_REL32 && length == 5) {
            return null; // still `jmp __x86_return_thunk` (return thunks in use)
        }
        if (length == 6 && first == 0x0f && (u(run, offset + 1) & 0xf0) == 0x80) {
            return null; // `jcc __x86_return_thunk`, which Linux 6.1 leaves in place
        }
        if (length == 6 && (first & 0xf0) == 0x70 && u(run, offset + 1) == 0x01 && u(run, offset + 2) == RET) {
            return int3Padded(run, offset + 3, offset + length); // jcc rewritten as `j!cc +1; ret` (later kernels)
        }
        if (first == RET) {
            String padding = int3Padded(run, offset + 1, offset + length);
            return padding == null ? null : "return site holds " + hex(run, offset, length) + ": " + padding;
        }
        return "return site holds " + hex(run, offset, length) + ", neither a jmp to the return thunk nor a ret";
    }

    private static String int3Padded(byte[] run, int from, int to) {
        for (int i = from; i < to; i++) {
            if (u(run, i) != INT3) {
                return "ret not padded with int3";
            }
        }
        return null;
    }

    private static String jumpLabel(byte[] run, int offset, int length) {
        int first = u(run, offset);
        boolean ok = switch (length) {
            case 2 -> first == JMP_REL8 || startsWith(run, offset, NOP2);
            case 5 -> first == JMP_REL32 || startsWith(run, offset, NOP5);
            default -> false;
        };
        return ok ? null : "jump label site holds " + hex(run, offset, length) + ", neither a jmp nor a nop of that size";
    }

    private static boolean startsWith(byte[] run, int offset, byte[] prefix) {
        if (offset + prefix.length > run.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (run[offset + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int u(byte[] b, int i) {
        return b[i] & 0xff;
    }

    static String hex(byte[] b, int offset, int length) {
        StringBuilder s = new StringBuilder();
        for (int i = offset; i < offset + length && i < b.length; i++) {
            if (s.length() > 0) {
                s.append(' ');
            }
            s.append(String.format("%02x", b[i] & 0xff));
        }
        return s.toString();
    }
}
