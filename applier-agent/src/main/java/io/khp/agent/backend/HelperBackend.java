package io.khp.agent.backend;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.khp.agent.core.LivepatchState;
import io.khp.events.CaptureRequest;
import io.khp.events.HostReported;
import io.khp.events.KernelIdentity;
import io.khp.events.LoadedLivepatch;
import io.khp.events.RunObjectCaptured;
import io.khp.events.StalledTask;

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
        CaptureMapping.fill(request, requests);
        return CaptureMapping.captured(requests, helper.call(request));
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
    public boolean signal(String name) throws BackendException {
        return named("signal", name).path("written").asBoolean(true);
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

    private JsonNode named(String op, String name) throws BackendException {
        ObjectNode request = helper.request(op);
        request.put("name", name);
        return helper.call(request);
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
