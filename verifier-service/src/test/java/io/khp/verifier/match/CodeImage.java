package io.khp.verifier.match;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.khp.events.RelocationType;
import io.khp.events.WildcardKind;

/**
 * Test helper: writes x86-64 code the way the compiler leaves it in an object file (relocation
 * fields zero, as RELA objects have them), records relocations and wildcards like the object tool
 * does, and "links" it at an address the way the kernel's linker and module loader do.
 */
public final class CodeImage {

    private final ByteArrayOutputStream code = new ByteArrayOutputStream();
    private final List<Relocation> relocations = new ArrayList<>();
    private final List<Wildcard> wildcards = new ArrayList<>();
    private final Map<Integer, Integer> marks = new HashMap<>();

    public CodeImage bytes(int... b) {
        for (int x : b) {
            code.write(x);
        }
        return this;
    }

    /** A zero relocation field of the type's width at the current offset. */
    public CodeImage field(RelocationType type, String symbol, long addend) {
        return field(type, symbol, addend, false);
    }

    public CodeImage localField(RelocationType type, String symbol, long addend) {
        return field(type, symbol, addend, true);
    }

    private CodeImage field(RelocationType type, String symbol, long addend, boolean local) {
        relocations.add(new Relocation(code.size(), type, symbol, addend, local));
        for (int i = 0; i < RelocationArithmetic.width(type); i++) {
            code.write(0);
        }
        return this;
    }

    /** Marks the next {@code length} bytes (written by the caller) as a wildcard of {@code kind}. */
    public CodeImage wildcard(WildcardKind kind, int length) {
        wildcards.add(new Wildcard(code.size(), length, kind));
        return this;
    }

    public int offset() {
        return code.size();
    }

    public byte[] pre() {
        return code.toByteArray();
    }

    public List<Relocation> relocations() {
        return relocations;
    }

    public List<Wildcard> wildcards() {
        return wildcards;
    }

    FunctionManifest manifest(String symbol) throws InvalidManifestException {
        return manifest("vmlinux", symbol, null);
    }

    FunctionManifest manifest(String object, String symbol, String sourceFile) throws InvalidManifestException {
        return new FunctionManifest(object, symbol, 0, sourceFile, pre(), relocations, wildcards);
    }

    FunctionManifest manifestWithout(String symbol, WildcardKind kind) throws InvalidManifestException {
        return new FunctionManifest("vmlinux", symbol, 0, null, pre(), relocations,
                wildcards.stream().filter(w -> w.kind() != kind).toList());
    }

    /** The code as the running kernel holds it at {@code base}, every relocation resolved through {@code symbols}. */
    public byte[] link(long base, Map<String, Long> symbols) {
        byte[] run = pre();
        for (Relocation r : relocations) {
            Long s = symbols.get(r.symbol());
            if (s == null) {
                throw new IllegalArgumentException("no address for " + r.symbol());
            }
            write(run, r.offset(), RelocationArithmetic.width(r.type()),
                    RelocationArithmetic.fieldValue(r.type(), s, base, r.offset(), r.addend()));
        }
        return run;
    }

    public static void write(byte[] code, int offset, int width, long value) {
        for (int i = 0; i < width; i++) {
            code[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    public static void put(byte[] code, int offset, int... bytes) {
        for (int i = 0; i < bytes.length; i++) {
            code[offset + i] = (byte) bytes[i];
        }
    }
}
