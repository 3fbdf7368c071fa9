package io.khp.verifier.match;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.khp.events.FunctionVerdict;
import io.khp.events.PreRunVerified;
import io.khp.events.ResolvedSymbol;
import io.khp.events.Verdict;

/**
 * ksplice's run-pre check: is the code a host runs the code a patch was built against?
 * <p>
 * For each patched function the 'pre' instructions and the run code are walked in lock step
 * ({@link InstructionWalk}): instructions must be equal outside relocation fields, a branch may
 * have the other displacement width (rel8/rel32) when it is the same branch to the same target,
 * each wildcard must hold a shape the kernel writes there ({@link WildcardShapes}), and each
 * relocation field, read at its run place ({@link RelocationArithmetic}), must give an address that
 * kallsyms lists for the relocation's symbol. One symbol must resolve to one address across every
 * site of every function (local symbols per source file: two files' statics of one name are
 * distinct), and the candidate it resolves to gives its sympos (position among same-name symbols
 * in kallsyms order, 0 when the name is unique). The rules are written out in the README.
 * <p>
 * Verdict of the patch: MISMATCH if any function mismatches, else UNSUPPORTED if any function could not
 * be checked (not found, too few bytes, undecodable 'pre' code, capture refused), else MATCH. Pure: no
 * I/O, no state.
 */
public final class RunPreMatcher {

    /** Bytes of 'pre' and run code shown around a difference. */
    static final int SHOWN_BYTES = 16;

    private record Resolution(String symbol, long address, int sympos, String site) {
    }

    /** At 'pre' offset {@code offset}, run offset {@code runOffset}. */
    private record Problem(int offset, int runOffset, String detail) {
    }

    public PreRunVerified match(List<FunctionManifest> manifest, HostCapture capture) {
        if (capture.captureError() != null) {
            return verdict(Verdict.UNSUPPORTED, "capture refused by the host: " + capture.captureError(), List.of(), List.of());
        }
        if (manifest.isEmpty()) {
            return verdict(Verdict.UNSUPPORTED, "the manifest lists no patched function", List.of(), List.of());
        }
        Map<String, Resolution> resolved = new LinkedHashMap<>();
        List<FunctionVerdict> functions = new ArrayList<>(manifest.size());
        FunctionVerdict firstMismatch = null;
        FunctionVerdict firstUnsupported = null;
        for (FunctionManifest f : manifest) {
            FunctionVerdict v = matchFunction(f, capture, resolved);
            functions.add(v);
            if (v.getVerdict() == Verdict.MISMATCH && firstMismatch == null) {
                firstMismatch = v;
            } else if (v.getVerdict() == Verdict.UNSUPPORTED && firstUnsupported == null) {
                firstUnsupported = v;
            }
        }
        List<ResolvedSymbol> symbols = new ArrayList<>(resolved.size());
        for (Resolution r : resolved.values()) {
            symbols.add(ResolvedSymbol.newBuilder().setSymbol(r.symbol()).setAddress(r.address()).setSympos(r.sympos()).build());
        }
        if (firstMismatch != null) {
            return verdict(Verdict.MISMATCH, name(firstMismatch) + ": " + firstMismatch.getDetail(), functions, symbols);
        }
        if (firstUnsupported != null) {
            return verdict(Verdict.UNSUPPORTED, name(firstUnsupported) + ": " + firstUnsupported.getDetail(), functions, symbols);
        }
        int bytes = manifest.stream().mapToInt(FunctionManifest::comparedBytes).sum();
        return verdict(Verdict.MATCH, manifest.size() + " function(s) match: " + bytes + " bytes compared, "
                + symbols.size() + " symbol(s) resolved", functions, symbols);
    }

    private FunctionVerdict matchFunction(FunctionManifest f, HostCapture capture, Map<String, Resolution> resolved) {
        FunctionVerdict.Builder v = FunctionVerdict.newBuilder().setObjectName(f.objectName()).setSymbol(f.symbol());
        CapturedCode code = capture.codeOf(f);
        if (code == null) {
            return v.setVerdict(Verdict.UNSUPPORTED).setDetail("the host sent no capture of this function").build();
        }
        if (!code.found() || code.address() == null) {
            return v.setVerdict(Verdict.UNSUPPORTED).setDetail("function not found in the running kernel").build();
        }
        v.setAddress(code.address());
        byte[] run = code.bytes();
        if (run.length < f.length()) {
            return v.setVerdict(Verdict.UNSUPPORTED).setDetail("captured " + run.length
                    + " bytes, the manifest has " + f.length()).build();
        }
        InstructionWalk.Outcome walk = InstructionWalk.walk(f, run, code.address());
        Problem problem = walk.problem() == null ? null
                : new Problem(walk.problem().preOffset(), walk.problem().runOffset(), walk.problem().detail());
        if (walk.problem() != null && walk.problem().unsupported()) {
            return v.setVerdict(Verdict.UNSUPPORTED).setDetail(walk.problem().detail()).build();
        }
        List<Resolution> pending = new ArrayList<>(f.relocations().size());
        List<String> keys = new ArrayList<>(f.relocations().size());
        for (InstructionWalk.Observation o : walk.observations()) {
            Relocation r = o.relocation();
            if (problem != null && problem.offset() <= r.offset()) {
                break;
            }
            long target = o.symbolAddress();
            long[] candidates = capture.candidatesOf(r.symbol());
            int index = indexOf(candidates, target);
            if (index < 0) {
                problem = new Problem(r.offset(), o.runOffset(), describe(r, o) + " points at 0x" + Long.toHexString(target)
                        + pointee(capture, target) + ", " + kallsyms(r.symbol(), candidates));
                break;
            }
            String key = scopeOf(f, r);
            int sympos = candidates.length > 1 ? index + 1 : 0;
            Resolution earlier = resolved.get(key);
            if (earlier == null) {
                earlier = find(pending, keys, key);
            }
            if (earlier != null && earlier.address() != target) {
                problem = new Problem(r.offset(), o.runOffset(), describe(r, o) + " resolves " + r.symbol() + " to 0x"
                        + Long.toHexString(target) + position(sympos) + " but " + earlier.site() + " resolves it to 0x"
                        + Long.toHexString(earlier.address()) + position(earlier.sympos()));
                break;
            }
            if (earlier == null) {
                keys.add(key);
                pending.add(new Resolution(r.symbol(), target, sympos, f.symbol() + "+0x" + Integer.toHexString(r.offset())));
            }
        }
        if (problem != null) {
            int from = problem.offset();
            int runFrom = Math.min(problem.runOffset(), run.length);
            return v.setVerdict(Verdict.MISMATCH)
                    .setFirstDifferenceOffset(from)
                    .setExpected(ByteBuffer.wrap(Arrays.copyOfRange(f.pre(), from, Math.min(f.length(), from + SHOWN_BYTES))))
                    .setFound(ByteBuffer.wrap(Arrays.copyOfRange(run, runFrom, Math.min(run.length, runFrom + SHOWN_BYTES))))
                    .setDetail(problem.detail())
                    .build();
        }
        for (int i = 0; i < keys.size(); i++) {
            resolved.put(keys.get(i), pending.get(i));
        }
        return v.setVerdict(Verdict.MATCH).build();
    }

    private static Resolution find(List<Resolution> pending, List<String> keys, String key) {
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i).equals(key)) {
                return pending.get(i);
            }
        }
        return null;
    }

    /** Statics of one name in different source files are different symbols; globals are one. */
    private static String scopeOf(FunctionManifest f, Relocation r) {
        if (!r.local()) {
            return r.symbol();
        }
        return f.objectName() + '\u0000' + (f.sourceFile() == null ? "" : f.sourceFile()) + '\u0000' + r.symbol();
    }

    private static int indexOf(long[] candidates, long address) {
        for (int i = 0; i < candidates.length; i++) {
            if (candidates[i] == address) {
                return i;
            }
        }
        return -1;
    }

    private static String describe(Relocation r, InstructionWalk.Observation o) {
        return String.format("%s field at +0x%x%s (%s%+d)", r.type(), r.offset(),
                o.runOffset() == r.offset() ? "" : String.format(" (run +0x%x)", o.runOffset()), r.symbol(), r.addend());
    }

    private static String pointee(HostCapture capture, long target) {
        for (Map.Entry<String, long[]> e : capture.candidates().entrySet()) {
            if (indexOf(e.getValue(), target) >= 0) {
                return " = " + e.getKey();
            }
        }
        return "";
    }

    private static String kallsyms(String symbol, long[] candidates) {
        if (candidates.length == 0) {
            return "and kallsyms has no " + symbol;
        }
        StringBuilder s = new StringBuilder("not at ").append(symbol).append(" (kallsyms: ");
        for (int i = 0; i < candidates.length; i++) {
            s.append(i == 0 ? "" : ", ").append("0x").append(Long.toHexString(candidates[i]));
        }
        return s.append(')').toString();
    }

    private static String position(int sympos) {
        return sympos == 0 ? "" : " (sympos " + sympos + ")";
    }

    private static String name(FunctionVerdict v) {
        return v.getObjectName() + ":" + v.getSymbol();
    }

    private static PreRunVerified verdict(Verdict verdict, String reason, List<FunctionVerdict> functions, List<ResolvedSymbol> symbols) {
        return PreRunVerified.newBuilder().setVerdict(verdict).setReason(reason)
                .setFunctions(functions).setResolvedSymbols(symbols).build();
    }
}
