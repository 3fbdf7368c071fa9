package io.khp.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.khp.bus.Events;
import io.khp.events.ApplyAttempted;
import io.khp.events.ApplyFailed;
import io.khp.events.ApplyFailureReason;
import io.khp.events.ApplyOutcome;
import io.khp.events.Applied;
import io.khp.events.KhpEvent;
import io.khp.events.RevertRequested;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

class AgentMetricsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final AgentMetrics metrics = new AgentMetrics();
    private final List<KhpEvent> sent = new java.util.ArrayList<>();
    private final AgentOutput out = new AgentOutput() {
        @Override
        public void lifecycle(KhpEvent event) {
            sent.add(event);
        }

        @Override
        public void report(KhpEvent event) {
            sent.add(event);
        }
    }.measuredBy(metrics);

    private static Events at(long seconds) {
        return new Events("test", Clock.fixed(T0.plusSeconds(seconds), ZoneOffset.UTC));
    }

    @Test
    void answersAreCountedAndTimedFromTheirCommand() {
        KhpEvent command = at(0).envelope().setHostId("h1").setPatchId("p1")
                .setPayload(RevertRequested.newBuilder().setModuleName("m").build()).build();
        out.answer(command, at(3).answering(command).setPayload(attempt(1, ApplyOutcome.STALLED_REVERSED)).build());
        out.answer(command, at(9).answering(command).setPayload(attempt(2, ApplyOutcome.APPLIED)).build());
        out.answer(command, at(10).answering(command).setPayload(new Applied("m", 1500L, 2)).build());
        KhpEvent other = at(20).envelope().setHostId("h2").setPatchId("p1")
                .setPayload(RevertRequested.newBuilder().setModuleName("m").build()).build();
        out.answer(other, at(21).answering(other).setPayload(new ApplyFailed(ApplyFailureReason.MISMATCH, "differs", 0)).build());

        assertEquals(4, sent.size(), "every answer is still published");
        assertEquals(1, counter("khp_agent_applies", Labels.of("reason", "none", "result", "applied")));
        assertEquals(1, counter("khp_agent_applies", Labels.of("reason", "MISMATCH", "result", "failed")));
        assertEquals(1, counter("khp_agent_stalled_transitions", Labels.EMPTY));
        assertEquals(1, counter("khp_agent_apply_retries", Labels.EMPTY));
        assertEquals(1, counter("khp_agent_apply_attempts", Labels.of("outcome", "APPLIED")));
        HistogramSnapshot.HistogramDataPointSnapshot applyTime = histogram("khp_agent_apply_duration_seconds", Labels.of("result", "applied"));
        assertEquals(1, applyTime.getCount());
        assertEquals(10.0, applyTime.getSum(), 1e-9, "from the command's occurredAt to Applied's");
        assertEquals(1.5, histogram("khp_agent_transition_duration_seconds", Labels.EMPTY).getSum(), 1e-9);
    }

    private static ApplyAttempted attempt(int n, ApplyOutcome outcome) {
        return ApplyAttempted.newBuilder().setAttempt(n).setOutcome(outcome).setDurationMs(100).build();
    }

    private MetricSnapshot snapshot(String name) {
        return metrics.service.registry().scrape().stream().filter(s -> s.getMetadata().getName().equals(name)).findFirst().orElseThrow();
    }

    private double counter(String name, Labels labels) {
        return ((CounterSnapshot) snapshot(name)).getDataPoints().stream().filter(p -> p.getLabels().equals(labels))
                .findFirst().orElseThrow().getValue();
    }

    private HistogramSnapshot.HistogramDataPointSnapshot histogram(String name, Labels labels) {
        return ((HistogramSnapshot) snapshot(name)).getDataPoints().stream().filter(p -> p.getLabels().equals(labels))
                .findFirst().orElseThrow();
    }
}
