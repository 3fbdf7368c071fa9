package io.khp.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import com.fasterxml.jackson.databind.JsonNode;

import io.khp.bus.Events;
import io.khp.bus.KhpEventSerde;
import io.khp.bus.Topics;
import io.khp.events.ApplyFailed;
import io.khp.events.KhpEvent;
import io.khp.events.RevertRequested;
import io.khp.events.Reverted;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "revert", description = "Revert a patch: disable, wait for the transition, unload (default: every host where it is applied).")
final class RevertCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions options;

    @Parameters(index = "0", paramLabel = "PATCH_ID")
    String patchId;

    @Option(names = "--hosts", split = ",", description = "Only these hosts")
    List<String> hosts;

    @Option(names = "--wait", description = "Wait until every host answered: exit 0 if all reverted, 1 otherwise, 3 on timeout")
    boolean await;

    @Option(names = "--timeout", defaultValue = "PT10M")
    Duration timeout;

    @Option(names = "--json")
    boolean json;

    @Override
    public Integer call() throws Exception {
        KhpConfig config = options.config();
        LedgerClient ledger = new LedgerClient(config.api());
        JsonNode patch = ledger.find("/patches/" + patchId)
                .orElseThrow(() -> new IllegalArgumentException("the ledger knows no patch " + patchId));
        String module = patch.path("manifest").path("moduleName").asText(null);
        if (module == null) {
            throw new IllegalArgumentException("patch " + patchId + " was never built: nothing to revert");
        }
        List<String> targets = hosts != null ? hosts
                : ledger.hosts(patchId, "APPLIED", null).stream().map(h -> h.path("hostId").asText()).toList();
        if (targets.isEmpty()) {
            System.out.println(json ? Json.object("patchId", patchId, "hosts", Map.of()) : "no host has " + patchId + " applied");
            return 0;
        }
        Events cli = new Events("khp-cli");
        Map<String, String> outcome = new LinkedHashMap<>();
        try (EventWatch watch = await ? new EventWatch(config.kafka(), List.of(Topics.HOST_LIFECYCLE.name())) : null;
             var producer = new KafkaProducer<>(config.kafka().producer("khp-cli"), new StringSerializer(), new KhpEventSerde().serializer())) {
            for (String host : targets) {
                KhpEvent request = cli.envelope().setHostId(host).setPatchId(patchId).setCorrelationId(patchId)
                        .setPayload(RevertRequested.newBuilder().setModuleName(module).setReason("operator").build()).build();
                producer.send(new ProducerRecord<>(Topics.HOST_COMMANDS.name(), host, request)).get();
                outcome.put(host, "requested");
            }
            if (!json) {
                System.out.println("revert of " + patchId + " requested on " + String.join(", ", targets));
            }
            if (!await) {
                if (json) {
                    System.out.println(Json.object("patchId", patchId, "hosts", outcome));
                }
                return 0;
            }
            List<String> waiting = new ArrayList<>(targets);
            watch.until(timeout, event -> {
                if (patchId.equals(event.getPatchId()) && waiting.contains(event.getHostId())) {
                    String result = event.getPayload() instanceof Reverted ? "reverted"
                            : event.getPayload() instanceof ApplyFailed f ? "failed: " + f.getDetail() : null;
                    if (result != null) {
                        waiting.remove(event.getHostId());
                        outcome.put(event.getHostId(), result);
                        if (!json) {
                            System.out.println("  " + event.getHostId() + " " + result);
                        }
                    }
                }
                return waiting.isEmpty() ? Optional.of(true) : Optional.empty();
            });
        }
        if (json) {
            System.out.println(Json.object("patchId", patchId, "hosts", outcome));
        }
        if (outcome.containsValue("requested")) {
            return BuildCommand.TIMED_OUT;
        }
        return outcome.values().stream().allMatch("reverted"::equals) ? 0 : 1;
    }
}
