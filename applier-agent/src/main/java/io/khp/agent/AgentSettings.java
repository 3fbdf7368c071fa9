package io.khp.agent;

import java.time.Duration;
import java.util.Map;

import io.khp.agent.core.ApplyPolicy;

/** What every host worker of one agent shares: the apply policy, the heartbeat, what the agent calls itself. */
public record AgentSettings(ApplyPolicy policy, Duration heartbeat, String agentVersion, Map<String, String> labels) {

    public static final String VERSION = "0.1.0";

    public AgentSettings {
        labels = Map.copyOf(labels);
    }

    public static AgentSettings defaults() {
        return new AgentSettings(ApplyPolicy.defaults(), Duration.ofSeconds(60), VERSION, Map.of());
    }

    public AgentSettings withPolicy(ApplyPolicy p) {
        return new AgentSettings(p, heartbeat, agentVersion, labels);
    }

    public AgentSettings withHeartbeat(Duration d) {
        return new AgentSettings(policy, d, agentVersion, labels);
    }
}
