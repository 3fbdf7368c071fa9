package io.khp.verifier.match;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.khp.events.CapturedFunction;
import io.khp.events.RunObjectCaptured;
import io.khp.events.SymbolCandidates;

/**
 * What a host's agent read from its running kernel for one patch: the patched functions' code and,
 * for every symbol the relocations name, every kallsyms address of that name in kallsyms order.
 * {@code captureError} is set when the host refused or failed the capture (e.g. lockdown).
 */
public record HostCapture(List<CapturedCode> functions, Map<String, long[]> candidates, String captureError) {

    public HostCapture {
        functions = List.copyOf(functions);
        candidates = Map.copyOf(candidates);
    }

    public static HostCapture refused(String error) {
        return new HostCapture(List.of(), Map.of(), error);
    }

    /** From the event contract. */
    public static HostCapture from(RunObjectCaptured event) {
        List<CapturedCode> functions = new ArrayList<>();
        for (CapturedFunction f : event.getFunctions()) {
            byte[] bytes = f.getBytes() == null ? new byte[0] : FunctionManifest.bytes(f.getBytes());
            functions.add(new CapturedCode(f.getObjectName(), f.getSymbol(), f.getSympos(), f.getFound(),
                    f.getAddress(), bytes));
        }
        Map<String, long[]> candidates = new HashMap<>();
        for (SymbolCandidates s : event.getSymbols()) {
            long[] addresses = s.getAddresses().stream().mapToLong(Long::longValue).toArray();
            candidates.merge(s.getSymbol(), addresses, (a, b) -> a.length >= b.length ? a : b);
        }
        return new HostCapture(functions, candidates, event.getCaptureError());
    }

    /** The captured code of {@code f}, or null when the host sent none. */
    public CapturedCode codeOf(FunctionManifest f) {
        for (CapturedCode c : functions) {
            if (c.objectName().equals(f.objectName()) && c.symbol().equals(f.symbol())
                    && (c.sympos() == null || c.sympos() == f.sympos())) {
                return c;
            }
        }
        return null;
    }

    /** Every kallsyms address of {@code symbol}, in kallsyms order; empty when the kernel has none. */
    public long[] candidatesOf(String symbol) {
        long[] a = candidates.get(symbol);
        return a == null ? new long[0] : a;
    }
}
