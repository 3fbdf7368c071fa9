package io.khp.agent;

import io.khp.events.KhpEvent;

/** Where the agent's events go: the lifecycle and report topics (keyed by host id). */
public interface AgentOutput {

    void lifecycle(KhpEvent event);

    void report(KhpEvent event);
}
