package io.khp.agent.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.khp.events.CaptureRequest;
import io.khp.events.CapturedFunction;
import io.khp.events.RunObjectCaptured;
import io.khp.events.SymbolCandidates;

/** The capture request and the mapping of the helper's reply, on a reply with same-name symbols in vmlinux and a module. */
class CaptureMappingTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static final CaptureRequest CMDLINE = new CaptureRequest("vmlinux", "cmdline_proc_show", null, 4,
            List.of("show_val", "khp_helper", "not_in_kernel"));
    static final CaptureRequest STALL = new CaptureRequest("khp_stall", "khp_stall_sleep", 2, 2,
            List.of("show_val", "khp_helper", "_printk", "show_val"));

    /** kallsyms order: module lines interleaved with vmlinux lines of the same name. */
    static final String REPLY = """
            {"functions": [
               {"symbol": "cmdline_proc_show", "module": null, "sympos": 0, "length": 4, "found": true,
                "address": "0xffffffff918105a0", "type": "t", "candidates": 1, "bytes": "AQIDBA=="},
               {"symbol": "khp_stall_sleep", "module": "khp_stall", "sympos": 2, "length": 2, "found": false,
                "candidates": 1, "error": {"code": "BAD_SYMPOS", "message": "only 1 symbols"}}],
             "symbols": [
               {"name": "show_val", "candidates": [
                  {"address": "0xffffffff81000010", "type": "t", "module": null},
                  {"address": "0xffffffffc0001000", "type": "t", "module": "khp_stall"},
                  {"address": "0xffffffff81000020", "type": "t", "module": null},
                  {"address": "0xffffffffc0202000", "type": "t", "module": "other_mod"}]},
               {"name": "khp_helper", "candidates": [
                  {"address": "0xffffffffc0001100", "type": "t", "module": "khp_stall"},
                  {"address": "0xffffffff81000030", "type": "T", "module": null},
                  {"address": "0xffffffffc0001200", "type": "t", "module": "khp_stall"}]},
               {"name": "not_in_kernel", "candidates": []},
               {"name": "_printk", "candidates": [
                  {"address": "0xffffffff81000040", "type": "T", "module": null}]}]}
            """;

    static long a(String hex) {
        return Long.parseUnsignedLong(hex, 16);
    }

    static List<Long> addresses(RunObjectCaptured r, int i) {
        return r.getSymbols().get(i).getAddresses();
    }

    @Test
    void theRequestNamesModulesAndEachReferencedSymbolOnce() {
        ObjectNode request = JSON.createObjectNode();
        CaptureMapping.fill(request, List.of(CMDLINE, STALL));
        assertFalse(request.path("functions").get(0).has("module"), "vmlinux is no module");
        assertEquals("khp_stall", request.path("functions").get(1).path("module").asText());
        assertEquals(2, request.path("functions").get(1).path("sympos").asInt());
        assertEquals(0, request.path("functions").get(0).path("sympos").asInt());
        assertEquals(JSON.createArrayNode().add("show_val").add("khp_helper").add("not_in_kernel").add("_printk"),
                request.path("symbols"));
    }

    @Test
    void eachFunctionKeepsOnlyTheCandidatesOfItsObjectInKallsymsOrder() throws Exception {
        JsonNode reply = JSON.readTree(REPLY);
        RunObjectCaptured r = CaptureMapping.captured(List.of(CMDLINE, STALL), reply);

        List<String> names = r.getSymbols().stream().map(SymbolCandidates::getSymbol).toList();
        assertEquals(List.of("show_val", "khp_helper", "not_in_kernel", "show_val", "khp_helper", "_printk"), names);
        // vmlinux function: vmlinux's lines only, other modules' same-name lines left out
        assertEquals(List.of(a("ffffffff81000010"), a("ffffffff81000020")), addresses(r, 0));
        assertEquals(List.of(a("ffffffff81000030")), addresses(r, 1));
        assertEquals(List.of(), addresses(r, 2));
        // module function: that module's lines only
        assertEquals(List.of(a("ffffffffc0001000")), addresses(r, 3));
        assertEquals(List.of(a("ffffffffc0001100"), a("ffffffffc0001200")), addresses(r, 4));
        // a kernel symbol the module has none of: resolved against vmlinux, like the module loader does
        assertEquals(List.of(a("ffffffff81000040")), addresses(r, 5));
    }

    @Test
    void functionsKeepTheRequestedIdentityAndTheirBytes() throws Exception {
        RunObjectCaptured r = CaptureMapping.captured(List.of(CMDLINE, STALL), JSON.readTree(REPLY));
        assertEquals(1, r.getAttempt());
        CapturedFunction cmdline = r.getFunctions().get(0);
        assertTrue(cmdline.getFound());
        assertEquals("vmlinux", cmdline.getObjectName());
        assertEquals(a("ffffffff918105a0"), cmdline.getAddress());
        byte[] bytes = new byte[cmdline.getBytes().remaining()];
        cmdline.getBytes().duplicate().get(bytes);
        assertArrayEquals(new byte[] {1, 2, 3, 4}, bytes);
        CapturedFunction stall = r.getFunctions().get(1);
        assertFalse(stall.getFound());
        assertEquals("khp_stall", stall.getObjectName());
        assertEquals(2, stall.getSympos());
        assertNull(stall.getAddress());
        assertEquals(0, stall.getBytes().remaining());
    }
}
