package io.khp.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "hosts", description = "List the hosts the ledger knows: kernel, boot, last seen, patches.")
final class HostsCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions options;

    @Option(names = "--kernel", description = "Only hosts running this kernel release")
    String kernel;

    @Option(names = "--json")
    boolean json;

    @Override
    public Integer call() {
        List<JsonNode> hosts = new LedgerClient(options.config().api()).hosts(null, null, kernel);
        if (json) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (JsonNode h : hosts) {
                out.add(summary(h));
            }
            System.out.println(Json.write(out));
            return 0;
        }
        System.out.printf("%-16s %-24s %-12s %-9s %-20s %s%n", "HOST", "KERNEL", "FLAVOUR", "BOOT", "LAST SEEN", "PATCHES");
        for (JsonNode h : hosts) {
            Map<String, Object> s = summary(h);
            StringBuilder patches = new StringBuilder();
            for (JsonNode p : h.path("patches")) {
                patches.append(p.path("patchId").asText(p.path("moduleName").asText("?"))).append('=')
                        .append(p.path("state").asText()).append(' ');
            }
            System.out.printf("%-16s %-24s %-12s %-9s %-20s %s%n", s.get("hostId"), s.get("kernel"), s.get("flavour"),
                    shortId((String) s.get("bootId")), s.get("lastSeen"), patches.toString().strip());
        }
        return 0;
    }

    static Map<String, Object> summary(JsonNode h) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("hostId", h.path("hostId").asText());
        s.put("kernel", h.path("kernel").path("release").asText(null));
        s.put("flavour", h.path("kernel").path("flavour").asText(null));
        s.put("bootId", h.path("bootId").asText(null));
        s.put("lastSeen", h.path("lastSeen").isNumber() ? Instant.ofEpochMilli(h.path("lastSeen").asLong()).toString() : null);
        List<Map<String, Object>> patches = new ArrayList<>();
        for (JsonNode p : h.path("patches")) {
            Map<String, Object> patch = new LinkedHashMap<>();
            patch.put("patchId", p.path("patchId").asText(null));
            patch.put("module", p.path("moduleName").asText(null));
            patch.put("state", p.path("state").asText());
            patch.put("attempts", p.path("attempts").asInt());
            patch.put("lastReason", p.path("lastReason").asText(null));
            patches.add(patch);
        }
        s.put("patches", patches);
        return s;
    }

    private static String shortId(String id) {
        return id == null ? "-" : id.substring(0, Math.min(8, id.length()));
    }
}
