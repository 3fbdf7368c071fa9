package io.khp.agent.backend;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.khp.events.CaptureRequest;
import io.khp.events.CapturedFunction;
import io.khp.events.RunObjectCaptured;
import io.khp.events.SymbolCandidates;

/**
 * Between the capture requests of an ApplyRequested and khp-helper's {@code capture} op: the
 * request sent to the helper, and its result turned into RunObjectCaptured.
 *
 * <p>The helper lists every kallsyms line of a referenced name, vmlinux's and every module's. sympos
 * counts positions within one object, so each function's referenced symbols keep only the
 * candidates of that function's object: vmlinux's (no module) for a vmlinux function, the module's
 * for a module's function. A module function may also refer to a kernel symbol (printk …), which
 * the module loader resolves against vmlinux: when the module has no symbol of that name, its
 * vmlinux candidates are kept. A name referred to from functions of two objects gets one entry per
 * object.
 */
public final class CaptureMapping {

    static final String VMLINUX = "vmlinux";

    private CaptureMapping() {
    }

    /** The helper's {@code capture} request for these captures. */
    public static void fill(ObjectNode request, List<CaptureRequest> captures) {
        ArrayNode functions = request.putArray("functions");
        Set<String> symbols = new LinkedHashSet<>();
        for (CaptureRequest c : captures) {
            ObjectNode f = functions.addObject();
            f.put("symbol", c.getSymbol());
            if (!VMLINUX.equals(c.getObjectName())) {
                f.put("module", c.getObjectName());
            }
            f.put("sympos", c.getSympos() == null ? 0 : c.getSympos());
            f.put("length", c.getLength());
            symbols.addAll(c.getReferencedSymbols());
        }
        ArrayNode names = request.putArray("symbols");
        symbols.forEach(names::add);
    }

    /** RunObjectCaptured (attempt 1) from the helper's {@code capture} result. */
    public static RunObjectCaptured captured(List<CaptureRequest> captures, JsonNode result) {
        List<CapturedFunction> functions = new ArrayList<>();
        int i = 0;
        for (JsonNode f : result.path("functions")) {
            if (i >= captures.size()) {
                break;
            }
            CaptureRequest asked = captures.get(i++);
            boolean found = f.path("found").asBoolean(false);
            byte[] bytes = found ? Base64.getDecoder().decode(f.path("bytes").asText("")) : new byte[0];
            functions.add(CapturedFunction.newBuilder()
                    .setObjectName(asked.getObjectName())
                    .setSymbol(asked.getSymbol())
                    .setSympos(asked.getSympos())
                    .setFound(found)
                    .setAddress(found ? address(f.path("address").asText()) : null)
                    .setBytes(ByteBuffer.wrap(bytes))
                    .build());
        }
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        for (JsonNode s : result.path("symbols")) {
            byName.putIfAbsent(s.path("name").asText(), s.path("candidates"));
        }
        List<SymbolCandidates> symbols = new ArrayList<>();
        Set<String> done = new LinkedHashSet<>();
        for (CaptureRequest c : captures) {
            for (String name : c.getReferencedSymbols()) {
                if (done.add(c.getObjectName() + "\u0000" + name)) {
                    symbols.add(new SymbolCandidates(name, candidatesIn(c.getObjectName(), byName.get(name))));
                }
            }
        }
        return RunObjectCaptured.newBuilder().setAttempt(1).setFunctions(functions).setSymbols(symbols).build();
    }

    /** The addresses of the candidates of {@code object}, in kallsyms order. */
    static List<Long> candidatesIn(String object, JsonNode candidates) {
        List<Long> own = addressesOf(object, candidates);
        if (own.isEmpty() && !VMLINUX.equals(object)) {
            return addressesOf(VMLINUX, candidates);
        }
        return own;
    }

    private static List<Long> addressesOf(String object, JsonNode candidates) {
        List<Long> addresses = new ArrayList<>();
        if (candidates == null) {
            return addresses;
        }
        for (JsonNode c : candidates) {
            JsonNode module = c.path("module");
            String in = module.isTextual() ? module.asText() : VMLINUX;
            if (in.equals(object)) {
                addresses.add(address(c.path("address").asText()));
            }
        }
        return addresses;
    }

    static long address(String hex) {
        String digits = hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
        return Long.parseUnsignedLong(digits, 16);
    }
}
