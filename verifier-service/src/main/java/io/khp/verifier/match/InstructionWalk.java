package io.khp.verifier.match;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Walks a function's 'pre' instructions and its run code in lock step and says where they
 * correspond (ksplice's run-pre, at instruction level). The rules, unit by unit of
 * {@link PreInstructions}, with p the 'pre' offset and q the run offset of the unit:
 * <ol>
 * <li>A wildcard unit of n bytes corresponds to run bytes [q, q+n), which must hold a shape the
 * kernel writes at that kind of site ({@link WildcardShapes}).</li>
 * <li>A relative branch (jmp, jcc, call, loop*, jrcxz, without prefix) corresponds to the run
 * instruction at q, which must be the same branch (same operation, same condition), of either
 * displacement width. Its target must be the same: when 'pre' has a relocation at the displacement,
 * the run target minus (addend + 4) is the symbol's address, checked like any relocation; else the
 * 'pre' target is an offset of the function and the run target must be the run offset that offset
 * corresponds to (a unit's start, or inside a unit of equal length, or the end).</li>
 * <li>Any other instruction of n bytes corresponds to run bytes [q, q+n), equal to the 'pre' bytes
 * outside relocation fields; each relocation field is read at its run place.</li>
 * <li>Trailing padding after the last other unit (int3, nops) is not compared.</li>
 * </ol>
 * The walk stops at the first unit that does not correspond. Pure: no I/O.
 */
final class InstructionWalk {

    /** A relocation's symbol address as the run code encodes it, at run offset {@code runOffset}. */
    record Observation(Relocation relocation, long symbolAddress, int runOffset) {
    }

    /** Where the walk found the code not to correspond; {@code unsupported} when it could not tell. */
    record Problem(int preOffset, int runOffset, String detail, boolean unsupported) {
    }

    record Outcome(List<Observation> observations, Problem problem) {
    }

    private InstructionWalk() {
    }

    static Outcome walk(FunctionManifest f, byte[] run, long base) {
        if (f.identicalCodeIsIdentityWalk() && run.length >= f.length() && f.sameOutsideFields(run)) {
            return identity(f, run, base);
        }
        return lockStep(f, run, base);
    }

    /** The walk itself, unit by unit (what {@link #walk} computes when the shortcut does not apply). */
    static Outcome lockStep(FunctionManifest f, byte[] run, long base) {
        PreInstructions units = f.instructions();
        byte[] pre = f.pre();
        List<Observation> observations = new ArrayList<>(f.relocations().size());
        if (units.undecodableAt >= 0) {
            return new Outcome(observations, new Problem(units.undecodableAt, units.undecodableAt,
                    "cannot decode the 'pre' code at +" + hex(units.undecodableAt) + ": " + units.undecodableReason, true));
        }
        int[] runStart = new int[units.count + 1];
        // intra-function branches, checked once their targets are mapped: pre offset, run offset, pre target, run target
        int[] pending = new int[16];
        int pendingCount = 0;
        List<Relocation> relocations = f.relocations();
        int nextRelocation = 0;
        Problem problem = null;
        int q = 0;
        int u = 0;
        for (; u < units.count; u++) {
            int p = units.start[u];
            int preLength = units.start[u + 1] - p;
            runStart[u] = q;
            while (nextRelocation < relocations.size() && relocations.get(nextRelocation).offset() < p) {
                nextRelocation++;
            }
            if (units.wildcard[u] != null) {
                if (q + preLength > run.length) {
                    problem = tooShort(p, q, run);
                    break;
                }
                problem = wrongShape(f.wildcards(), p, preLength, run, q);
                if (problem != null) {
                    break;
                }
                q += preLength;
                continue;
            }
            Instruction insn = units.instruction[u];
            int field = p + preLength - insn.displacementWidth();
            if (insn.isBranch() && (f.role(field) == 0 || isBranchRelocation(relocations, nextRelocation, field))) {
                Instruction r = InstructionDecoder.decode(run, q, run.length);
                if (r == null || !r.sameBranchAs(insn)) {
                    problem = r == null && q + preLength > run.length ? tooShort(p, q, run)
                            : differs(p, q, pre, preLength, run, r == null ? Math.min(preLength, run.length - q) : r.length(),
                                    r == null ? "the run bytes are no x86-64 instruction" : "not the same branch");
                    break;
                }
                long runTarget = base + q + r.length() + r.displacement();
                if (f.role(field) == 1) {
                    Relocation reloc = relocations.get(nextRelocation);
                    observations.add(new Observation(reloc, runTarget - reloc.addend() - 4, q + r.length() - r.displacementWidth()));
                } else if (f.role(field) == 0) {
                    long preTarget = (long) p + preLength + insn.displacement();
                    if (preTarget < 0 || preTarget > pre.length) {
                        // leaves the function without a relocation: only identical bytes keep the meaning
                        if (r.length() != preLength || !equalOutsideFields(f, pre, p, preLength, run, q)) {
                            problem = differs(p, q, pre, preLength, run, r.length(), "a branch out of the function differs");
                            break;
                        }
                    } else {
                        if (pendingCount * 4 == pending.length) {
                            pending = Arrays.copyOf(pending, pending.length * 2);
                        }
                        pending[pendingCount * 4] = p;
                        pending[pendingCount * 4 + 1] = q;
                        pending[pendingCount * 4 + 2] = (int) preTarget;
                        pending[pendingCount * 4 + 3] = (int) (runTarget - base);
                        pendingCount++;
                    }
                }
                q += r.length();
                continue;
            }
            if (q + preLength > run.length) {
                problem = tooShort(p, q, run);
                break;
            }
            if (!equalOutsideFields(f, pre, p, preLength, run, q)) {
                problem = differs(p, q, pre, preLength, run, preLength, "");
                break;
            }
            for (int i = nextRelocation; i < relocations.size() && relocations.get(i).offset() < p + preLength; i++) {
                Relocation reloc = relocations.get(i);
                int place = q + reloc.offset() - p;
                observations.add(new Observation(reloc,
                        RelocationArithmetic.target(reloc.type(), run, place, base, reloc.addend()), place));
            }
            q += preLength;
        }
        runStart[u] = q;
        int mapped = u; // units [0, mapped) and the start of unit `mapped` are mapped
        for (int i = 0; i < pendingCount; i++) {
            int p = pending[i * 4];
            int preTarget = pending[i * 4 + 2];
            if (problem != null && p >= problem.preOffset()) {
                break;
            }
            int expected = runOffsetOf(units, runStart, mapped, preTarget);
            if (expected == Integer.MIN_VALUE) {
                if (problem != null && preTarget >= problem.preOffset()) {
                    continue; // the walk did not get there: the earlier problem stands
                }
                problem = branchProblem(p, pending[i * 4 + 1], units, pre,
                        "its 'pre' target +" + hex(preTarget) + " is not an instruction the run code has");
                break;
            }
            if (expected != pending[i * 4 + 3]) {
                problem = branchProblem(p, pending[i * 4 + 1], units, pre,
                        "it reaches run +" + hex(pending[i * 4 + 3]) + ", but 'pre' +" + hex(preTarget) + " is run +" + hex(expected));
                break;
            }
        }
        return new Outcome(observations, problem);
    }

    /**
     * The walk's outcome when the run code equals 'pre' outside relocation fields and wildcards (and
     * no branch targets the trailing padding): every unit corresponds at its own offset, every branch
     * reaches its own target, so only the wildcard shapes and the relocation fields remain, up to
     * the first wrong wildcard. Equal to what the walk computes, without decoding the run code.
     */
    private static Outcome identity(FunctionManifest f, byte[] run, long base) {
        Problem problem = wrongShape(f.wildcards(), 0, f.length(), run, 0);
        List<Observation> observations = new ArrayList<>(f.relocations().size());
        for (Relocation r : f.relocations()) {
            if (problem != null && r.offset() > problem.preOffset()) {
                break;
            }
            observations.add(new Observation(r, RelocationArithmetic.target(r.type(), run, r.offset(), base, r.addend()), r.offset()));
        }
        return new Outcome(observations, problem);
    }

    /** The first wildcard of 'pre' [p, p+length), all at run q + (offset − p), whose run bytes have no shape of its kind. */
    private static Problem wrongShape(List<Wildcard> wildcards, int p, int length, byte[] run, int q) {
        for (Wildcard w : wildcards) {
            if (w.offset() < p || w.offset() >= p + length) {
                continue;
            }
            int at = q + w.offset() - p;
            String wrong = WildcardShapes.violation(w.kind(), run, at, w.length());
            if (wrong != null) {
                return new Problem(w.offset(), at, wrong + at(w.offset(), at), false);
            }
        }
        return null;
    }

    /** Run offset of 'pre' offset {@code t}, MIN_VALUE when it has none (inside a unit whose length changed, or not walked). */
    private static int runOffsetOf(PreInstructions units, int[] runStart, int mapped, int t) {
        if (t >= units.end()) {
            return Integer.MIN_VALUE; // the end or the trailing padding: no instruction to reach
        }
        if (t == units.start[mapped]) {
            return runStart[mapped];
        }
        int u = units.unitOf(t);
        if (u < 0 || u >= mapped) {
            return Integer.MIN_VALUE;
        }
        int offsetInUnit = t - units.start[u];
        if (offsetInUnit == 0) {
            return runStart[u];
        }
        int preLength = units.start[u + 1] - units.start[u];
        return runStart[u + 1] - runStart[u] == preLength ? runStart[u] + offsetInUnit : Integer.MIN_VALUE;
    }

    private static boolean isBranchRelocation(List<Relocation> relocations, int next, int field) {
        if (next >= relocations.size()) {
            return false;
        }
        Relocation r = relocations.get(next);
        return r.offset() == field && switch (r.type()) {
            case R_X86_64_PC32, R_X86_64_PLT32 -> true;
            default -> false;
        };
    }

    private static boolean equalOutsideFields(FunctionManifest f, byte[] pre, int p, int length, byte[] run, int q) {
        for (int i = 0; i < length; i++) {
            if (pre[p + i] != run[q + i] && f.role(p + i) == 0) {
                return false;
            }
        }
        return true;
    }

    private static Problem differs(int p, int q, byte[] pre, int preLength, byte[] run, int runLength, String why) {
        return new Problem(p, q, "instruction at +" + hex(p) + at(p, q) + " differs" + (why.isEmpty() ? "" : " (" + why + ")")
                + ": expected " + WildcardShapes.hex(pre, p, preLength) + ", found " + WildcardShapes.hex(run, q, runLength), false);
    }

    private static Problem branchProblem(int p, int q, PreInstructions units, byte[] pre, String why) {
        int u = units.unitOf(p);
        int length = units.start[u + 1] - p;
        return new Problem(p, q, "branch at +" + hex(p) + at(p, q) + " (" + WildcardShapes.hex(pre, p, length)
                + ") has another target: " + why, false);
    }

    private static Problem tooShort(int p, int q, byte[] run) {
        return new Problem(p, q, "the capture ends at run +" + hex(run.length) + ", inside the code of 'pre' +" + hex(p), true);
    }

    private static String at(int p, int q) {
        return p == q ? "" : " (run +" + hex(q) + ")";
    }

    static String hex(int offset) {
        return "0x" + Integer.toHexString(offset);
    }
}
