package io.khp.agent.backend;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.khp.agent.core.LivepatchState;
import io.khp.events.CaptureRequest;
import io.khp.events.CapturedFunction;
import io.khp.events.HostReported;
import io.khp.events.KernelIdentity;
import io.khp.events.LoadedLivepatch;
import io.khp.events.RunObjectCaptured;
import io.khp.events.StalledTask;
import io.khp.events.SymbolCandidates;

/** A host reached through khp-helper, over whatever channel its connection uses (local process or vm serial). */
public class HelperBackend implements HostBackend {

    private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(120);

    private final String hostId;
    private final HelperConnection helper;

    public HelperBackend(String hostId, HelperConnection helper) {
        this.hostId = hostId;
        this.helper = helper;
    }

    @Override
    public String hostId() {
        return hostId;
    }

    public HelperConnection connection() {
        return helper;
    }

    @Override
    public HostReported report() throws BackendException {
        JsonNode r = helper.call(helper.request("report"));
        String release = r.path("release").asText();
        String version = r.path("version").asText();
        KernelIdentity kernel = HelperBackendFacts.kernel(release, version,
                r.path("build_id").isTextual() ? r.path("build_id").asText() : null);
        List<LoadedLivepatch> patches = new ArrayList<>();
        for (JsonNode p : r.path("livepatches")) {
            List<String> objects = new ArrayList<>();
            p.path("objects").forEach(o -> objects.add(o.asText()));
            patches.add(new LoadedLivepatch(p.path("name").asText(), p.path("enabled").asBoolean(),
                    p.path("transition").asBoolean(), objects));
        }
        return HostReported.newBuilder()
                .setHostname(r.path("hostname").asText())
                .setKernel(kernel)
                .setKernelVersion(version)
                .setBootId(r.path("boot_id").asText())
                .setUptimeSeconds((long) r.path("uptime").asDouble())
                .setLockdown(HelperBackendFacts.lockdown(r.path("lockdown").asText("none")))
                .setLivepatches(patches)
                .setAgentVersion("")
                .setLabels(Map.of())
                .build();
    }

    @Override
    public RunObjectCaptured capture(List<CaptureRequest> requests) throws BackendException {
        ObjectNode request = helper.request("capture");
        ArrayNode functions = request.putArray("functions");
        Set<String> symbols = new LinkedHashSet<>();
        for (CaptureRequest c : requests) {
            ObjectNode f = functions.addObject();
            f.put("symbol", c.getSymbol());
            if (!"vmlinux".equals(c.getObjectName())) {
                f.put("module", c.getObjectName());
            }
            f.put("sympos", c.getSympos() == null ? 0 : c.getSympos());
            f.put("length", c.getLength());
            symbols.addAll(c.getReferencedSymbols());
        }
        ArrayNode names = request.putArray("symbols");
        symbols.forEach(names::add);
        JsonNode r = helper.call(request);
        List<CapturedFunction> captured = new ArrayList<>();
        int i = 0;
        for (JsonNode f : r.path("functions")) {
            CaptureRequest asked = requests.get(i++);
            boolean found = f.path("found").asBoolean(false);
            byte[] bytes = found ? Base64.getDecoder().decode(f.path("bytes").asText("")) : new byte[0];
            captured.add(CapturedFunction.newBuilder()
                    .setObjectName(asked.getObjectName())
                    .setSymbol(asked.getSymbol())
                    .setSympos(asked.getSympos())
                    .setFound(found)
                    .setAddress(found ? address(f.path("address").asText()) : null)
                    .setBytes(java.nio.ByteBuffer.wrap(bytes))
                    .build());
        }
        List<SymbolCandidates> candidates = new ArrayList<>();
        for (JsonNode s : r.path("symbols")) {
            List<Long> addresses = new ArrayList<>();
            s.path("candidates").forEach(c -> addresses.add(address(c.path("address").asText())));
            candidates.add(new SymbolCandidates(s.path("name").asText(), addresses));
        }
        return RunObjectCaptured.newBuilder().setAttempt(1).setFunctions(captured).setSymbols(candidates).build();
    }

    static long address(String hex) {
        String digits = hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
        return Long.parseUnsignedLong(digits, 16);
    }

    @Override
    public LivepatchState load(String name, byte[] module) throws BackendException {
        ObjectNode request = helper.request("load");
        request.put("name", name);
        request.put("module", Base64.getEncoder().encodeToString(module));
        JsonNode r = helper.call(request, LOAD_TIMEOUT);
        JsonNode lp = r.path("livepatch");
        if (lp.isMissingNode() || lp.isNull()) {
            return LivepatchState.absent();
        }
        return new LivepatchState(true, lp.path("enabled").asBoolean(), lp.path("transition").asBoolean(), 0, List.of());
    }

    @Override
    public LivepatchState status(String name) throws BackendException {
        ObjectNode request = helper.request("status");
        request.put("name", name);
        JsonNode r = helper.call(request);
        if (!r.path("present").asBoolean(false)) {
            return LivepatchState.absent();
        }
        List<StalledTask> pending = new ArrayList<>();
        for (JsonNode t : r.path("pending")) {
            List<String> stack = new ArrayList<>();
            t.path("stack").forEach(l -> stack.add(l.asText()));
            pending.add(new StalledTask(t.path("pid").asInt(), t.path("comm").asText(), String.join("\n", stack)));
        }
        return new LivepatchState(true, r.path("enabled").asBoolean(), r.path("transition").asBoolean(),
                r.path("pending_count").asInt(pending.size()), pending);
    }

    @Override
    public void signal(String name) throws BackendException {
        named("signal", name);
    }

    @Override
    public void force(String name) throws BackendException {
        named("force", name);
    }

    @Override
    public void disable(String name) throws BackendException {
        named("disable", name);
    }

    @Override
    public void unload(String name) throws BackendException {
        named("unload", name);
    }

    private void named(String op, String name) throws BackendException {
        ObjectNode request = helper.request(op);
        request.put("name", name);
        helper.call(request);
    }

    @Override
    public KernelLog kmsg(long cursor) throws BackendException {
        ObjectNode request = helper.request("kmsg");
        request.put("cursor", cursor);
        JsonNode r = helper.call(request);
        List<String> lines = new ArrayList<>();
        r.path("lines").forEach(l -> lines.add(l.path("text").asText()));
        return new KernelLog(lines, r.path("cursor").asLong(cursor), r.path("more").asBoolean(false));
    }

    /** Runs a shell command in the host (only when the helper allows exec, i.e. in tests). */
    public JsonNode exec(String command, int timeoutSeconds) throws BackendException {
        ObjectNode request = helper.request("exec");
        request.put("cmd", command);
        request.put("timeout", timeoutSeconds);
        return helper.call(request, Duration.ofSeconds(timeoutSeconds + 10L));
    }

    @Override
    public void close() {
        helper.close();
    }
}
