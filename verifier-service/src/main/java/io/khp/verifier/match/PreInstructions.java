package io.khp.verifier.match;

import java.util.ArrayList;
import java.util.List;

/**
 * The 'pre' code of a function cut into units, in order: each wildcard site is one unit (the kernel
 * rewrites it in place, so it keeps its length; overlapping sites are one unit), everything else is decoded instruction by
 * instruction. A lock prefix recorded as a 1-byte wildcard is a unit of its own and the instruction
 * after it decodes without it (the prefix does not change an instruction's length). Instructions
 * after the last one that is not padding (int3, nop) are the trailing padding: never executed, not
 * compared. Decoded once per manifest.
 */
final class PreInstructions {

    /** Start offset of each unit; one more entry at the end: where the compared code ends. */
    final int[] start;
    /** The decoded instruction of each unit, null for a wildcard unit. */
    final Instruction[] instruction;
    /** The first wildcard of each unit, null for an instruction unit (a unit spans its overlapping wildcards). */
    final Wildcard[] wildcard;
    /** Number of units compared (the trailing padding excluded). */
    final int count;
    /** Offset where decoding failed, -1 when the whole function decoded. */
    final int undecodableAt;
    final String undecodableReason;

    private PreInstructions(List<Integer> starts, List<Instruction> instructions, List<Wildcard> wildcards,
            int count, int end, int undecodableAt, String undecodableReason) {
        this.start = new int[count + 1];
        for (int i = 0; i < count; i++) {
            this.start[i] = starts.get(i);
        }
        this.start[count] = end;
        this.instruction = instructions.subList(0, count).toArray(new Instruction[0]);
        this.wildcard = wildcards.subList(0, count).toArray(new Wildcard[0]);
        this.count = count;
        this.undecodableAt = undecodableAt;
        this.undecodableReason = undecodableReason;
    }

    /** Where the compared 'pre' code ends (the trailing padding's start, or the function's length). */
    int end() {
        return start[count];
    }

    static PreInstructions decode(byte[] pre, List<Wildcard> sortedWildcards) {
        List<Integer> starts = new ArrayList<>();
        List<Instruction> instructions = new ArrayList<>();
        List<Wildcard> wildcards = new ArrayList<>();
        int nextWildcard = 0;
        int lastNonPadding = -1;
        for (int p = 0; p < pre.length; ) {
            while (nextWildcard < sortedWildcards.size() && sortedWildcards.get(nextWildcard).end() <= p) {
                nextWildcard++;
            }
            Wildcard w = nextWildcard < sortedWildcards.size() ? sortedWildcards.get(nextWildcard) : null;
            starts.add(p);
            if (w != null && w.offset() == p) {
                // overlapping sites (a lock prefix inside an alternative…) make one unit
                int end = w.end();
                for (int i = nextWildcard + 1; i < sortedWildcards.size() && sortedWildcards.get(i).offset() < end; i++) {
                    end = Math.max(end, sortedWildcards.get(i).end());
                }
                instructions.add(null);
                wildcards.add(w);
                lastNonPadding = starts.size() - 1;
                p = end;
                continue;
            }
            if (w != null && w.offset() < p) {
                return undecodable(starts, instructions, wildcards, p, "a " + w.kind() + " site at +0x"
                        + Integer.toHexString(w.offset()) + " ends inside an instruction");
            }
            int limit = w != null ? w.offset() : pre.length;
            Instruction insn = InstructionDecoder.decode(pre, p, limit);
            if (insn == null) {
                return undecodable(starts, instructions, wildcards, p, w != null && InstructionDecoder.decode(pre, p, pre.length) != null
                        ? "an instruction runs into the " + w.kind() + " site at +0x" + Integer.toHexString(w.offset())
                        : "no x86-64 instruction starts with " + WildcardShapes.hex(pre, p, Math.min(8, pre.length - p)));
            }
            instructions.add(insn);
            wildcards.add(null);
            if (!isPadding(pre, p, insn)) {
                lastNonPadding = starts.size() - 1;
            }
            p += insn.length();
        }
        int count = lastNonPadding + 1;
        int end = count < starts.size() ? starts.get(count) : pre.length;
        return new PreInstructions(starts, instructions, wildcards, count, end, -1, null);
    }

    /**
     * True when a branch without a relocation at its displacement targets the trailing padding or
     * the end: the walk rejects that, so code identical outside fields is not matched without it.
     */
    boolean branchIntoPadding(byte[] role) {
        for (int u = 0; u < count; u++) {
            Instruction insn = instruction[u];
            if (insn == null || !insn.isBranch()) {
                continue;
            }
            int end = start[u + 1];
            long target = end + insn.displacement();
            if (role[end - insn.displacementWidth()] == 0 && target >= end() && target <= role.length) {
                return true;
            }
        }
        return false;
    }

    /** The unit holding 'pre' offset {@code offset} among the compared ones, -1 when none does (padding, undecoded). */
    int unitOf(int offset) {
        int lo = 0;
        int hi = count - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (start[mid + 1] <= offset) {
                lo = mid + 1;
            } else if (start[mid] > offset) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    /** A function the matcher cannot walk: nothing of it is compared. */
    static PreInstructions undecodable(String reason, int at) {
        return new PreInstructions(List.of(), List.of(), List.of(), 0, at, at, reason);
    }

    private static PreInstructions undecodable(List<Integer> starts, List<Instruction> instructions, List<Wildcard> wildcards,
            int at, String reason) {
        starts.remove(starts.size() - 1);
        return new PreInstructions(starts, instructions, wildcards, starts.size(), at, at, reason);
    }

    /** int3, nop, and the multi-byte nops ({@code 66 90}, {@code [66…] [2e] 0f 1f /0}) compilers and linkers pad with. */
    static boolean isPadding(byte[] code, int p, Instruction insn) {
        if (insn.isBranch()) {
            return false;
        }
        int end = p + insn.length();
        int i = p;
        while (i < end && ((code[i] & 0xff) == 0x66 || (code[i] & 0xff) == 0x2e)) {
            i++;
        }
        if (i == end) {
            return false;
        }
        int op = code[i] & 0xff;
        if (i + 1 == end) {
            return (op == 0xcc || op == 0x90);
        }
        return op == 0x0f && (code[i + 1] & 0xff) == 0x1f && i + 2 < end && ((code[i + 2] >> 3) & 7) == 0;
    }
}
