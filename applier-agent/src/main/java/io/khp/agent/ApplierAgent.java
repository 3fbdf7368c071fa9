package io.khp.agent;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.khp.agent.backend.HelperProcessBackend;
import io.khp.agent.backend.HostBackend;
import io.khp.agent.backend.SerialSocketBackend;
import io.khp.agent.bus.AgentRuntime;
import io.khp.agent.sim.RunObjectFixture;
import io.khp.agent.sim.SimulatedFleet;
import io.khp.agent.sim.TransitionModel;
import io.khp.bus.ClientSettings;
import io.khp.bus.Service;
import io.khp.bus.ServiceLauncher;
import io.khp.bus.ServiceMetrics;
import io.khp.bus.SigningKeys;

/** Applier agent: applies and reverts livepatches on its hosts (see {@link AgentOptions} for the command line). */
public final class ApplierAgent implements Service {

    private static final Logger LOG = LoggerFactory.getLogger(ApplierAgent.class);
    private static final Duration HELPER_TIMEOUT = Duration.ofSeconds(30);

    private final AgentOptions options;
    private final AgentMetrics metrics = new AgentMetrics();
    private AgentRuntime runtime;

    public ApplierAgent(AgentOptions options) {
        this.options = options;
    }

    public static void main(String[] args) {
        AgentOptions options;
        try {
            options = AgentOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        ServiceLauncher.run(new ApplierAgent(options));
    }

    @Override
    public String name() {
        return "applier-agent";
    }

    @Override
    public void start(ClientSettings settings) throws Exception {
        List<HostBackend> hosts = backends(options);
        var keys = SigningKeys.trustedKeys(options.keys());
        if (keys.isEmpty()) {
            LOG.warn("no trusted keys in {}: every artifact will be refused", options.keys());
        }
        runtime = new AgentRuntime(options.name(), settings, hosts, options.settings(), keys, options.threads(),
                Clock.systemUTC(), metrics);
        runtime.awaitStarted(Duration.ofMinutes(10));
    }

    @Override
    public Optional<ServiceMetrics> metrics() {
        return Optional.of(metrics.service);
    }

    static List<HostBackend> backends(AgentOptions o) {
        List<HostBackend> hosts = new ArrayList<>();
        switch (o.backend()) {
            case "local" -> hosts.add(new HelperProcessBackend(o.localHostId(), o.helper(), o.helperArgs(), HELPER_TIMEOUT));
            case "vm" -> o.vmHosts().forEach((id, socket) -> hosts.add(new SerialSocketBackend(id, socket, HELPER_TIMEOUT)));
            case "sim" -> {
                RunObjectFixture fixture = o.simFixture() != null ? RunObjectFixture.read(o.simFixture())
                        : RunObjectFixture.bundled();
                TransitionModel model = TransitionModel.of(Duration.ofMillis(o.simMedianMs()), o.simStallProbability());
                hosts.addAll(new SimulatedFleet(o.simPrefix(), o.simHosts(), fixture, model, Clock.systemUTC(), o.simSeed())
                        .hosts());
            }
            default -> throw new IllegalArgumentException("unknown backend " + o.backend());
        }
        return hosts;
    }

    @Override
    public void stop() {
        if (runtime != null) {
            runtime.close();
            metrics.lag.clear();
            runtime = null;
        }
    }
}
