package io.khp.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status", description = "Per host, each patch's state, attempts and last reason (like `kpatch list`, fleet-wide).")
final class StatusCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions options;

    static final class Scope {
        @Option(names = "--host", description = "One host")
        String host;

        @Option(names = "--patch", description = "One patch, on every host that has it")
        String patch;
    }

    @ArgGroup(exclusive = true)
    Scope scope = new Scope();

    @Option(names = "--json")
    boolean json;

    @Override
    public Integer call() {
        LedgerClient ledger = new LedgerClient(options.config().api());
        List<JsonNode> hosts;
        if (scope.host != null) {
            hosts = ledger.find("/hosts/" + scope.host).map(List::of)
                    .orElseThrow(() -> new IllegalArgumentException("the ledger knows no host " + scope.host));
        } else {
            hosts = ledger.hosts(scope.patch, null, null);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (JsonNode h : hosts) {
            for (JsonNode p : h.path("patches")) {
                String patchId = p.path("patchId").asText(null);
                if (scope.patch != null && !scope.patch.equals(patchId)) {
                    continue;
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("hostId", h.path("hostId").asText());
                row.put("patchId", patchId);
                row.put("module", p.path("moduleName").asText(null));
                row.put("state", p.path("state").asText());
                row.put("attempts", p.path("attempts").asInt());
                row.put("lastOutcome", p.path("lastOutcome").asText(null));
                row.put("lastReason", p.path("lastReason").asText(null));
                rows.add(row);
            }
        }
        if (json) {
            System.out.println(Json.write(rows));
            return 0;
        }
        System.out.printf("%-16s %-28s %-10s %8s  %s%n", "HOST", "PATCH", "STATE", "ATTEMPTS", "LAST");
        for (Map<String, Object> r : rows) {
            String last = r.get("lastReason") != null ? (String) r.get("lastReason") : (String) r.get("lastOutcome");
            System.out.printf("%-16s %-28s %-10s %8s  %s%n", r.get("hostId"), r.get("patchId") == null ? r.get("module") : r.get("patchId"),
                    r.get("state"), r.get("attempts"), last == null ? "" : last);
        }
        if (rows.isEmpty()) {
            System.out.println("(no patches)");
        }
        return 0;
    }
}
