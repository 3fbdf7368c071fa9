package io.khp.verifier.match;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import io.khp.events.PatchedFunction;
import io.khp.events.RelocationType;

/**
 * One patched function as the build saw it: 'pre' bytes, relocation fields and wildcard sites,
 * validated and prepared for matching. Relocations that lie inside a wildcard are dropped (the
 * kernel rewrote the instruction, e.g. the fentry call's field). Immutable; the byte array is
 * owned by this object.
 */
public final class FunctionManifest {

    private final String objectName;
    private final String symbol;
    private final int sympos;
    private final String sourceFile;
    private final byte[] pre;
    private final List<Relocation> relocations;
    private final List<Wildcard> wildcards;
    private final int comparedBytes;
    private final int sectionRelocations;
    /** Per byte: 0 compared, 1 relocation field, 2 wildcard. */
    private final byte[] role;
    private final PreInstructions instructions;
    /** Pairs [start, end) of the byte ranges outside relocation fields and wildcards, in increasing order. */
    private final int[] comparedRanges;
    /** When the run code equals 'pre' outside fields, the walk maps every offset to itself. */
    private final boolean identicalCodeIsIdentityWalk;

    public FunctionManifest(String objectName, String symbol, int sympos, String sourceFile, byte[] pre,
            List<Relocation> relocations, List<Wildcard> wildcards) throws InvalidManifestException {
        String name = objectName + ":" + symbol;
        if (pre.length == 0) {
            throw new InvalidManifestException(name + ": no 'pre' bytes");
        }
        if (sympos < 0) {
            throw new InvalidManifestException(name + ": negative sympos " + sympos);
        }
        List<Wildcard> sortedWildcards = new ArrayList<>(wildcards);
        sortedWildcards.sort(Comparator.comparingInt(Wildcard::offset));
        // 0 = compared, 1 = relocation field, 2 = wildcard
        byte[] role = new byte[pre.length];
        for (Wildcard w : sortedWildcards) {
            if (w.offset() < 0 || w.length() <= 0 || w.end() > pre.length) {
                throw new InvalidManifestException(name + ": " + w.kind() + " wildcard at +" + hex(w.offset())
                        + " length " + w.length() + " is outside the " + pre.length + " 'pre' bytes");
            }
            for (int i = w.offset(); i < w.end(); i++) {
                role[i] = 2;
            }
        }
        List<Relocation> kept = new ArrayList<>();
        int unchecked = 0;
        List<Relocation> sorted = new ArrayList<>(relocations);
        sorted.sort(Comparator.comparingInt(Relocation::offset));
        for (Relocation r : sorted) {
            int width = r.width();
            if (r.type() == RelocationType.UNKNOWN) {
                throw new InvalidManifestException(name + ": relocation at +" + hex(r.offset()) + " to " + r.symbol()
                        + " has an unknown type");
            }
            if (r.symbol() == null || r.symbol().isEmpty()) {
                throw new InvalidManifestException(name + ": relocation at +" + hex(r.offset()) + " names no symbol");
            }
            if (r.offset() < 0 || r.offset() + width > pre.length) {
                throw new InvalidManifestException(name + ": " + r.type() + " field at +" + hex(r.offset())
                        + " is outside the " + pre.length + " 'pre' bytes");
            }
            boolean inWildcard = false;
            for (int i = r.offset(); i < r.offset() + width; i++) {
                if (role[i] == 2) {
                    inWildcard = true;
                } else if (role[i] == 1) {
                    throw new InvalidManifestException(name + ": relocation fields overlap at +" + hex(i));
                }
            }
            if (inWildcard) {
                continue;
            }
            for (int i = r.offset(); i < r.offset() + width; i++) {
                role[i] = 1;
            }
            if (r.targetsSection()) {
                unchecked++;
                continue;
            }
            kept.add(r);
        }
        List<Integer> ranges = new ArrayList<>();
        int compared = 0;
        for (int i = 0; i < role.length; ) {
            if (role[i] != 0) {
                i++;
                continue;
            }
            int start = i;
            while (i < role.length && role[i] == 0) {
                i++;
            }
            ranges.add(start);
            ranges.add(i);
            compared += i - start;
        }
        PreInstructions decoded = PreInstructions.decode(pre, sortedWildcards);
        for (int i = 0; i < sorted.size() && decoded.undecodableAt < 0; i++) {
            Relocation r = sorted.get(i);
            int unit = decoded.unitOf(r.offset());
            if (unit >= 0 && decoded.wildcard[unit] == null && r.offset() + r.width() > decoded.start[unit + 1]) {
                decoded = PreInstructions.undecodable(r.type() + " field at +" + hex(r.offset())
                        + " crosses the end of the instruction at +" + hex(decoded.start[unit]), r.offset());
            }
        }
        this.objectName = objectName;
        this.symbol = symbol;
        this.sympos = sympos;
        this.sourceFile = sourceFile;
        this.pre = pre.clone();
        this.relocations = List.copyOf(kept);
        this.wildcards = List.copyOf(sortedWildcards);
        this.comparedBytes = compared;
        this.sectionRelocations = unchecked;
        this.role = role;
        this.instructions = decoded;
        this.comparedRanges = ranges.stream().mapToInt(Integer::intValue).toArray();
        this.identicalCodeIsIdentityWalk = decoded.undecodableAt < 0 && !decoded.branchIntoPadding(role);
    }

    /** From the event contract. */
    public static FunctionManifest from(PatchedFunction f) throws InvalidManifestException {
        if (f.getPreBytes() == null || f.getSymbol() == null || f.getObjectName() == null) {
            throw new InvalidManifestException("patched function without object, symbol or 'pre' bytes");
        }
        List<Relocation> relocations = new ArrayList<>();
        for (var r : f.getRelocations()) {
            relocations.add(new Relocation(r.getOffset(), r.getType(), r.getSymbol(), r.getAddend(), r.getLocal()));
        }
        List<Wildcard> wildcards = new ArrayList<>();
        for (var w : f.getWildcards()) {
            wildcards.add(new Wildcard(w.getOffset(), w.getLength(), w.getKind()));
        }
        return new FunctionManifest(f.getObjectName(), f.getSymbol(), f.getSympos(),
                f.getSourceFile(), bytes(f.getPreBytes()), relocations, wildcards);
    }

    static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    static String hex(int offset) {
        return "0x" + Integer.toHexString(offset);
    }

    public String objectName() {
        return objectName;
    }

    public String symbol() {
        return symbol;
    }

    public int sympos() {
        return sympos;
    }

    public String sourceFile() {
        return sourceFile;
    }

    public int length() {
        return pre.length;
    }

    /** The byte at {@code offset} of the 'pre' code. */
    public byte preByte(int offset) {
        return pre[offset];
    }

    byte[] pre() {
        return pre;
    }

    /** The relocations checked against kallsyms, by offset (not those inside wildcards, nor those to sections). */
    public List<Relocation> relocations() {
        return relocations;
    }

    public List<Wildcard> wildcards() {
        return wildcards;
    }

    /** 0 when byte {@code offset} is compared literally, 1 in a relocation field, 2 in a wildcard. */
    byte role(int offset) {
        return role[offset];
    }

    /** True when {@code run} equals the 'pre' bytes outside relocation fields and wildcards. */
    boolean sameOutsideFields(byte[] run) {
        for (int i = 0; i < comparedRanges.length; i += 2) {
            if (Arrays.mismatch(pre, comparedRanges[i], comparedRanges[i + 1], run, comparedRanges[i], comparedRanges[i + 1]) >= 0) {
                return false;
            }
        }
        return true;
    }

    boolean identicalCodeIsIdentityWalk() {
        return identicalCodeIsIdentityWalk;
    }

    PreInstructions instructions() {
        return instructions;
    }

    /** Relocation fields to sections (string literals…): skipped, their targets are not in kallsyms. */
    public int sectionRelocations() {
        return sectionRelocations;
    }

    /** Bytes outside relocation fields and wildcards (compared literally unless a branch's displacement). */
    public int comparedBytes() {
        return comparedBytes;
    }

    @Override
    public String toString() {
        return objectName + ":" + symbol + (sympos == 0 ? "" : "," + sympos) + " (" + pre.length + " bytes)";
    }
}
