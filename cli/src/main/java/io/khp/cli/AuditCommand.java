package io.khp.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "audit", description = "A host's history from the log, in order; with --at, as it stood at that instant.")
final class AuditCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions options;

    @Option(names = "--host", required = true)
    String host;

    @Option(names = "--at", description = "ISO-8601 instant, e.g. 2026-11-24T10:00:00Z")
    Instant at;

    @Option(names = "--json")
    boolean json;

    @Override
    public Integer call() {
        LedgerClient ledger = new LedgerClient(options.config().api());
        JsonNode history = ledger.get("/hosts/" + host + "/history", Map.of());
        List<JsonNode> events = new ArrayList<>();
        for (JsonNode e : history.path("events")) {
            if (at == null || !Instant.parse(e.path("occurredAt").asText()).isAfter(at)) {
                events.add(e);
            }
        }
        JsonNode stateThen = null;
        if (at != null) {
            JsonNode fleet = ledger.get("/fleet", Map.of("at", at.toString()));
            for (JsonNode h : fleet.path("hosts")) {
                if (host.equals(h.path("hostId").asText())) {
                    stateThen = h;
                }
            }
        }
        if (json) {
            var out = Json.MAPPER.createObjectNode();
            out.put("hostId", host);
            if (at != null) {
                out.put("at", at.toString());
                out.set("state", stateThen);
            }
            out.set("events", Json.MAPPER.valueToTree(events));
            System.out.println(Json.write(out));
            return 0;
        }
        if (events.isEmpty()) {
            System.out.println("no events of host " + host + (at == null ? "" : " up to " + at));
            return 0;
        }
        for (JsonNode e : events) {
            System.out.printf("%s  %-18s %-26s %-30s %s%n", e.path("occurredAt").asText(), e.path("type").asText(),
                    e.path("patchId").asText("-"), e.path("source").asText(), gist(e.path("payload")));
        }
        if (stateThen != null) {
            System.out.println();
            System.out.println("state at " + at + ":");
            for (JsonNode p : stateThen.path("patches")) {
                System.out.printf("  %-28s %-10s attempts=%d %s%n", p.path("patchId").asText(p.path("moduleName").asText()),
                        p.path("state").asText(), p.path("attempts").asInt(), p.path("lastReason").asText(""));
            }
        }
        return 0;
    }

    /** The payload fields an auditor reads first. */
    private static String gist(JsonNode payload) {
        StringBuilder s = new StringBuilder();
        for (String field : List.of("verdict", "outcome", "attempt", "reasonCode", "detail", "reason", "moduleName", "transitionMs", "durationMs")) {
            JsonNode v = payload.path(field);
            if (!v.isMissingNode() && !v.isNull()) {
                s.append(field).append('=').append(v.asText()).append(' ');
            }
        }
        return s.toString().strip();
    }
}
