package io.khp.agent;

import io.khp.events.KhpEvent;

/** Where the agent's events go: the lifecycle and report topics (keyed by host id). */
public interface AgentOutput {

    void lifecycle(KhpEvent event);

    void report(KhpEvent event);

    /** Publishes {@code answer}, a lifecycle event answering {@code command}. */
    default void answer(KhpEvent command, KhpEvent answer) {
        lifecycle(answer);
    }

    /** This output, with every answer also counted in {@code metrics}. */
    default AgentOutput measuredBy(AgentMetrics metrics) {
        AgentOutput out = this;
        return new AgentOutput() {
            @Override
            public void lifecycle(KhpEvent event) {
                out.lifecycle(event);
            }

            @Override
            public void report(KhpEvent event) {
                out.report(event);
            }

            @Override
            public void answer(KhpEvent command, KhpEvent answer) {
                out.answer(command, answer);
                metrics.answered(command, answer);
            }
        };
    }
}
