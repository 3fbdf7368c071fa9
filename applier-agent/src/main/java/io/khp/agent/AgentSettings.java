package io.khp.agent;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import io.khp.agent.core.ApplyPolicy;

/**
 * What every host worker of one agent shares: the apply policy, the heartbeat, what the agent calls
 * itself, and where artifacts come from when the artifacts topic does not have them within
 * {@code artifactTopicWait}: the ledger's HTTP API at {@code ledgerApi}.
 */
public record AgentSettings(ApplyPolicy policy, Duration heartbeat, String agentVersion, Map<String, String> labels,
        URI ledgerApi, Duration artifactTopicWait) {

    public static final String VERSION = "0.1.0";
    public static final URI DEFAULT_LEDGER_API = URI.create("http://127.0.0.1:8083");

    public AgentSettings {
        labels = Map.copyOf(labels);
    }

    public static AgentSettings defaults() {
        return new AgentSettings(ApplyPolicy.defaults(), Duration.ofSeconds(60), VERSION, Map.of(), DEFAULT_LEDGER_API,
                Duration.ofSeconds(10));
    }

    public AgentSettings withPolicy(ApplyPolicy p) {
        return new AgentSettings(p, heartbeat, agentVersion, labels, ledgerApi, artifactTopicWait);
    }

    public AgentSettings withHeartbeat(Duration d) {
        return new AgentSettings(policy, d, agentVersion, labels, ledgerApi, artifactTopicWait);
    }

    public AgentSettings withLedger(URI api, Duration topicWait) {
        return new AgentSettings(policy, heartbeat, agentVersion, labels, api, topicWait);
    }
}
