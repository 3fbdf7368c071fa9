package io.khp.verifier.match;

/**
 * One decoded x86-64 instruction: its length and, for a relative branch, what kind of branch it
 * is and where its displacement lies. A branch's displacement always ends the instruction, so its
 * target is {@code start + length + displacement}.
 *
 * @param length       bytes of the instruction, prefixes included
 * @param branch       the kind of relative branch, {@link Branch#NONE} for any other instruction
 * @param condition    for {@link Branch#JCC}: the condition code (low nibble of {@code 7x} / {@code 0f 8x})
 * @param displacement for a branch: the signed displacement read from the bytes; else 0
 */
public record Instruction(int length, Branch branch, int condition, long displacement) {

    /** Relative branches whose short and near forms are the same operation. */
    public enum Branch {
        NONE,
        /** {@code eb rel8} / {@code e9 rel32} */
        JMP,
        /** {@code 7x rel8} / {@code 0f 8x rel32} */
        JCC,
        /** {@code e8 rel32} (no short form) */
        CALL,
        /** {@code loopne} {@code e0} */
        LOOPNE,
        /** {@code loope} {@code e1} */
        LOOPE,
        /** {@code loop} {@code e2} */
        LOOP,
        /** {@code jrcxz} {@code e3} */
        JRCXZ
    }

    public boolean isBranch() {
        return branch != Branch.NONE;
    }

    /** Bytes of the displacement field at the end of a branch. */
    public int displacementWidth() {
        return switch (branch) {
            case NONE -> 0;
            case JMP, JCC -> length == 2 ? 1 : 4;
            case CALL -> 4;
            case LOOPNE, LOOPE, LOOP, JRCXZ -> 1;
        };
    }

    /** Same operation, whatever the displacement's width: the pair may differ only in its target encoding. */
    public boolean sameBranchAs(Instruction other) {
        return branch != Branch.NONE && branch == other.branch && condition == other.condition;
    }
}
