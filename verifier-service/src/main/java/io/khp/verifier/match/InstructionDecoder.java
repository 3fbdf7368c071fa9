package io.khp.verifier.match;

import io.khp.verifier.match.Instruction.Branch;

/**
 * An x86-64 instruction length decoder for kernel code (64-bit mode): legacy prefixes, REX, the
 * one-byte map and the {@code 0f}, {@code 0f 38}, {@code 0f 3a} maps, ModRM/SIB/displacement,
 * immediates, VEX ({@code c4}/{@code c5}) and EVEX ({@code 62}). It classifies relative branches
 * ({@link Instruction.Branch}); it does not name other instructions. Opcodes that are invalid in
 * 64-bit mode, and bytes running past the end of the code, are undecodable: {@link #decode}
 * returns null and the caller must treat the code as not understood.
 */
public final class InstructionDecoder {

    /** The architectural limit: a longer sequence faults (#GP), so it is not an instruction. */
    static final int MAX_LENGTH = 15;

    private InstructionDecoder() {
    }

    /** The instruction at {@code offset} of {@code code}, reading no byte at or after {@code end}; null when undecodable. */
    public static Instruction decode(byte[] code, int offset, int end) {
        int limit = Math.min(end, offset + MAX_LENGTH);
        int i = offset;
        boolean operand16 = false;
        boolean address32 = false;
        boolean prefixed = false;
        while (i < limit && isLegacyPrefix(u(code, i))) {
            operand16 |= u(code, i) == 0x66;
            address32 |= u(code, i) == 0x67;
            prefixed = true;
            i++;
        }
        boolean rexW = false;
        if (i < limit && (u(code, i) & 0xf0) == 0x40) {
            rexW = (u(code, i) & 0x08) != 0;
            prefixed = true;
            i++;
        }
        if (i >= limit) {
            return null;
        }
        int op = u(code, i++);
        int length;
        switch (op) {
            case 0x0f -> {
                if (i >= limit) {
                    return null;
                }
                int op2 = u(code, i++);
                if (op2 == 0x38 || op2 == 0x3a) {
                    // three-byte maps: every opcode has ModRM; those of 0f 3a an imm8
                    length = i < limit ? modrmAndImmediate(code, offset, i + 1, limit, true, op2 == 0x3a ? 1 : 0) : -1;
                } else if ((op2 & 0xf0) == 0x80) {
                    length = fits(i + 4, limit) ? i + 4 - offset : -1;
                    if (length > 0 && !prefixed) {
                        return new Instruction(length, Branch.JCC, op2 & 0x0f, readInt(code, i));
                    }
                } else {
                    length = twoByte(code, offset, i, limit, op2);
                }
            }
            case 0xc4, 0xc5 -> length = vex(code, offset, i, limit, op == 0xc4);
            case 0x62 -> length = evex(code, offset, i, limit);
            default -> {
                int rel = relativeBranchWidth(op);
                if (rel > 0) {
                    if (!fits(i + rel, limit)) {
                        return null;
                    }
                    length = i + rel - offset;
                    if (!prefixed) {
                        long displacement = rel == 1 ? code[i] : readInt(code, i);
                        return new Instruction(length, branchOf(op), (op & 0xf0) == 0x70 ? op & 0x0f : 0, displacement);
                    }
                } else {
                    length = oneByte(code, offset, i, limit, op, operand16, address32, rexW);
                }
            }
        }
        return length <= 0 ? null : new Instruction(length, Branch.NONE, 0, 0);
    }

    private static boolean isLegacyPrefix(int b) {
        return switch (b) {
            case 0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65, 0x66, 0x67 -> true;
            default -> false;
        };
    }

    /** Displacement bytes of a relative branch opcode of the one-byte map, 0 for others. */
    private static int relativeBranchWidth(int op) {
        if ((op & 0xf0) == 0x70 || op == 0xeb || (op >= 0xe0 && op <= 0xe3)) {
            return 1;
        }
        return op == 0xe8 || op == 0xe9 ? 4 : 0;
    }

    private static Branch branchOf(int op) {
        return switch (op) {
            case 0xeb, 0xe9 -> Branch.JMP;
            case 0xe8 -> Branch.CALL;
            case 0xe0 -> Branch.LOOPNE;
            case 0xe1 -> Branch.LOOPE;
            case 0xe2 -> Branch.LOOP;
            case 0xe3 -> Branch.JRCXZ;
            default -> Branch.JCC;
        };
    }

    private static int oneByte(byte[] code, int offset, int i, int limit, int op,
            boolean operand16, boolean address32, boolean rexW) {
        int immz = operand16 ? 2 : 4;
        if (op < 0x40) {
            int low = op & 0x07;
            if (low <= 3) {
                return modrmAndImmediate(code, offset, i, limit, true, 0);
            }
            if (low == 4) {
                return immediate(offset, i, limit, 1);
            }
            if (low == 5) {
                return immediate(offset, i, limit, immz);
            }
            return -1; // push/pop of segment registers, daa/das/aaa/aas; 0f, 26, 2e, 36, 3e were taken before
        }
        if (op >= 0x50 && op <= 0x5f) {
            return i - offset;
        }
        if (op >= 0x90 && op <= 0x9f) {
            return op == 0x9a ? -1 : i - offset;
        }
        if (op >= 0xb0 && op <= 0xb7) {
            return immediate(offset, i, limit, 1);
        }
        if (op >= 0xb8 && op <= 0xbf) {
            return immediate(offset, i, limit, rexW ? 8 : immz);
        }
        if (op >= 0xd8 && op <= 0xdf) {
            return modrmAndImmediate(code, offset, i, limit, true, 0); // x87
        }
        return switch (op) {
            case 0x63, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
                    0xd0, 0xd1, 0xd2, 0xd3, 0xfe, 0xff -> modrmAndImmediate(code, offset, i, limit, true, 0);
            case 0x69, 0x81, 0xc7 -> modrmAndImmediate(code, offset, i, limit, true, immz);
            case 0x6b, 0x80, 0x83, 0xc0, 0xc1, 0xc6 -> modrmAndImmediate(code, offset, i, limit, true, 1);
            case 0xf6, 0xf7 -> {
                if (i >= limit) {
                    yield -1;
                }
                int reg = (u(code, i) >> 3) & 7;
                int imm = reg <= 1 ? (op == 0xf6 ? 1 : immz) : 0; // test r/m, imm; the others have none
                yield modrmAndImmediate(code, offset, i, limit, true, imm);
            }
            case 0x68 -> immediate(offset, i, limit, immz);
            case 0x6a, 0xa8, 0xcd, 0xe4, 0xe5, 0xe6, 0xe7 -> immediate(offset, i, limit, 1);
            case 0xa9 -> immediate(offset, i, limit, immz);
            case 0xa0, 0xa1, 0xa2, 0xa3 -> immediate(offset, i, limit, address32 ? 4 : 8); // mov moffs
            case 0xc2, 0xca -> immediate(offset, i, limit, 2);
            case 0xc8 -> immediate(offset, i, limit, 3); // enter imm16, imm8
            case 0x6c, 0x6d, 0x6e, 0x6f, 0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
                    0xc3, 0xc9, 0xcb, 0xcc, 0xcf, 0xd7, 0xec, 0xed, 0xee, 0xef,
                    0xf1, 0xf4, 0xf5, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd -> i - offset;
            default -> -1; // 60-62 (62 is EVEX, taken before), 82, c4/c5 (VEX), ce, d4-d6, ea
        };
    }

    private static int twoByte(byte[] code, int offset, int i, int limit, int op) {
        if ((op >= 0x10 && op <= 0x23) || (op >= 0x28 && op <= 0x2f) || (op >= 0x40 && op <= 0x6f)
                || (op >= 0x74 && op <= 0x76) || op == 0x78 || op == 0x79 || (op >= 0x7c && op <= 0x7f)
                || (op >= 0x90 && op <= 0x9f) || (op >= 0xd0 && op <= 0xff) || (op >= 0xb0 && op <= 0xb9)
                || (op >= 0xbb && op <= 0xc1)) {
            return modrmAndImmediate(code, offset, i, limit, true, 0);
        }
        if ((op >= 0xc8 && op <= 0xcf) || (op >= 0x30 && op <= 0x35) || op == 0x37) {
            return i - offset; // bswap, wrmsr, rdtsc, rdmsr, rdpmc, sysenter, sysexit, getsec
        }
        return switch (op) {
            case 0x00, 0x01, 0x02, 0x03, 0x0d, 0xa3, 0xa5, 0xab, 0xad, 0xae, 0xaf, 0xc3, 0xc7 ->
                    modrmAndImmediate(code, offset, i, limit, true, 0);
            case 0x70, 0x71, 0x72, 0x73, 0xa4, 0xac, 0xba, 0xc2, 0xc4, 0xc5, 0xc6, 0x0f ->
                    modrmAndImmediate(code, offset, i, limit, true, 1); // 0f 0f: 3DNow! suffix byte
            case 0x05, 0x06, 0x07, 0x08, 0x09, 0x0b, 0x0e, 0x77, 0xa0, 0xa1, 0xa2, 0xa8, 0xa9, 0xaa -> i - offset;
            default -> -1;
        };
    }

    /** VEX: {@code c5 RvvvvLpp} (map 0f) or {@code c4 RXBmmmmm WvvvvLpp}, then opcode and ModRM. */
    private static int vex(byte[] code, int offset, int i, int limit, boolean threeByte) {
        int map = 1;
        if (threeByte) {
            if (i >= limit) {
                return -1;
            }
            map = u(code, i) & 0x1f;
            i += 2;
        } else {
            i += 1;
        }
        if (i >= limit) {
            return -1;
        }
        return vectorOpcode(code, offset, i, limit, map);
    }

    /** EVEX: {@code 62 P0 P1 P2}, map in P0's low bits, then opcode and ModRM (disp8 is scaled, not longer). */
    private static int evex(byte[] code, int offset, int i, int limit) {
        if (i + 3 >= limit) {
            return -1;
        }
        int map = u(code, i) & 0x07;
        if ((u(code, i + 1) & 0x04) == 0) {
            return -1; // P1 bit 2 is fixed to 1
        }
        return vectorOpcode(code, offset, i + 3, limit, map);
    }

    private static int vectorOpcode(byte[] code, int offset, int i, int limit, int map) {
        int op = u(code, i++);
        return switch (map) {
            case 1 -> {
                if (op == 0x77) {
                    yield i - offset; // vzeroupper / vzeroall: no ModRM
                }
                boolean imm8 = (op >= 0x70 && op <= 0x73) || op == 0xc2 || op == 0xc4 || op == 0xc5 || op == 0xc6;
                yield modrmAndImmediate(code, offset, i, limit, true, imm8 ? 1 : 0);
            }
            case 2 -> modrmAndImmediate(code, offset, i, limit, true, 0);
            case 3 -> modrmAndImmediate(code, offset, i, limit, true, 1);
            default -> -1;
        };
    }

    /** Length from {@code offset} through a ModRM operand at {@code i} (when {@code modrm}) and an immediate. */
    private static int modrmAndImmediate(byte[] code, int offset, int i, int limit, boolean modrm, int immediate) {
        if (modrm) {
            if (i >= limit) {
                return -1;
            }
            int m = u(code, i++);
            int mod = m >> 6;
            int rm = m & 7;
            if (mod != 3) {
                int base = rm;
                if (rm == 4) {
                    if (i >= limit) {
                        return -1;
                    }
                    base = u(code, i++) & 7;
                }
                if (mod == 1) {
                    i += 1;
                } else if (mod == 2 || (mod == 0 && (rm == 5 || (rm == 4 && base == 5)))) {
                    i += 4; // disp32, rip-relative when rm is 5
                }
            }
        }
        return immediate(offset, i, limit, immediate);
    }

    private static int immediate(int offset, int i, int limit, int bytes) {
        return fits(i + bytes, limit) ? i + bytes - offset : -1;
    }

    private static boolean fits(int end, int limit) {
        return end <= limit;
    }

    private static int u(byte[] b, int i) {
        return b[i] & 0xff;
    }

    private static int readInt(byte[] b, int o) {
        return RelocationArithmetic.readInt(b, o);
    }
}
