package io.khp.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;

import io.khp.agent.AgentOptions;
import io.khp.agent.ApplierAgent;
import io.khp.builder.BuilderService;
import io.khp.builder.Components;
import io.khp.bus.ClientSettings;
import io.khp.bus.MetricsEndpoint;
import io.khp.bus.Service;
import io.khp.bus.SigningKeys;
import io.khp.bus.TopicProvisioner;
import io.khp.bus.Topics;
import io.khp.ledger.LedgerApp;
import io.khp.ledger.LedgerConfig;
import io.khp.verifier.VerifierService;
import io.khp.verifier.VerifierSettings;

/**
 * khp's services running in this JVM against one broker, as `khp up` runs them on a machine:
 * the ledger (with its HTTP API on a free port), the builder and the verifier, plus one applier
 * agent per fleet VM. Each run has its own signing keys, state and consumer groups.
 */
final class Pipeline implements AutoCloseable {

    final ClientSettings settings;
    final Path keys;
    private final Path state;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final List<Service> services = new ArrayList<>();
    private final List<MetricsEndpoint> endpoints = new ArrayList<>();
    /** Prometheus job → the host:port of each /metrics endpoint of that kind of service. */
    private final Map<String, List<String>> scrapeTargets = new java.util.TreeMap<>();
    private LedgerApp ledger;
    private ApplierAgent agent;

    Pipeline(String bootstrap) throws IOException {
        settings = ClientSettings.of(bootstrap);
        state = Files.createTempDirectory("khp-e2e-state");
        keys = state.resolve("keys");
        SigningKeys.generate(keys);
        try (Admin admin = Admin.create(settings.common())) {
            new TopicProvisioner(admin, (short) 1).ensure(Topics.all());
        }
    }

    void startServices() throws Exception {
        ledger = new LedgerApp(settings, LedgerConfig.from(Map.of(
                "KHP_LEDGER_APP_ID", "khp-ledger-e2e-" + run,
                "KHP_LEDGER_HTTP_PORT", "0",
                "KHP_LEDGER_STATE_DIR", state.resolve("ledger").toString())));
        ledger.start();
        scrapeTargets.put("khp-ledger", List.of("127.0.0.1:" + ledger.httpPort()));
        start(new BuilderService(Components.with(keys, state.resolve("builds")), 2), "khp-builder");
        start(new VerifierService(new VerifierSettings("verifier-e2e-" + run, Duration.ofSeconds(120), keys, 1000), Clock.systemUTC()),
                "khp-verifier");
    }

    /** One agent for the given VMs (host id → helper socket), with short transition waits. */
    void startAgent(Map<String, String> sockets) throws Exception {
        List<String> args = new ArrayList<>(List.of("--backend", "vm", "--keys", keys.toString(), "--name", "agent-e2e-" + run,
                "--first-wait", "5", "--second-wait", "10", "--max-attempts", "2", "--backoff", "1",
                "--heartbeat", "5", "--poll-ms", "200", "--verify-timeout", "180"));
        sockets.forEach((host, socket) -> args.addAll(List.of("--host", host + "=" + socket)));
        agent = new ApplierAgent(AgentOptions.parse(args.toArray(String[]::new)));
        start(agent, "khp-agent");
    }

    /** Stops the agent: its hosts no longer answer (as when its machine's agent died). */
    void stopAgent() {
        if (agent != null) {
            agent.stop();
            services.remove(agent);
            agent = null;
        }
    }

    String api() {
        return "http://127.0.0.1:" + ledger.httpPort();
    }

    /** The /metrics endpoints by Prometheus job, as `khp up` and `khp fleet up` serve them (here on free ports). */
    Map<String, List<String>> scrapeTargets() {
        return scrapeTargets;
    }

    private void start(Service service, String job) throws Exception {
        service.start(settings);
        services.add(service);
        if (service.metrics().isPresent()) {
            MetricsEndpoint endpoint = MetricsEndpoint.start(service.metrics().get().registry(), "127.0.0.1", 0);
            endpoints.add(endpoint);
            scrapeTargets.computeIfAbsent(job, j -> new ArrayList<>()).add("127.0.0.1:" + endpoint.port());
        }
    }

    @Override
    public void close() {
        endpoints.forEach(MetricsEndpoint::close);
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).stop();
        }
        if (ledger != null) {
            ledger.close();
        }
    }
}
