package io.khp.agent;

import java.time.Duration;
import java.time.Instant;

import io.khp.bus.KafkaLag;
import io.khp.bus.MetricsEndpoint;
import io.khp.bus.ServiceMetrics;
import io.khp.events.ApplyAttempted;
import io.khp.events.ApplyFailed;
import io.khp.events.ApplyFailureReason;
import io.khp.events.ApplyOutcome;
import io.khp.events.Applied;
import io.khp.events.KhpEvent;
import io.khp.events.Reverted;
import io.khp.events.RunObjectCaptured;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * The agent's metrics, read off each answer it publishes to a command: apply results and their
 * time from the request, livepatch transition times, attempts (stalled ones and retries), reverts
 * and captures. No host label: one agent process may run 10,000 simulated hosts. Served on
 * KHP_AGENT_METRICS_PORT (default off: several agents share a machine in the test fleet; `khp
 * fleet up` gives each its own port).
 */
public final class AgentMetrics {

    public final ServiceMetrics service = ServiceMetrics.create("KHP_AGENT_METRICS_PORT", MetricsEndpoint.OFF);
    public final KafkaLag lag = new KafkaLag();
    private final Counter applies = Counter.builder().name("khp_agent_applies_total")
            .help("Apply commands finished, by result (applied, failed) and failure reason (none when applied)")
            .labelNames("result", "reason").register(service.registry());
    private final Histogram applyTime = Histogram.builder().name("khp_agent_apply_duration_seconds")
            .help("From the ApplyRequested command to its Applied or ApplyFailed, by result").unit(Unit.SECONDS)
            .classicOnly().classicUpperBounds(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)
            .labelNames("result").register(service.registry());
    private final Histogram transitionTime = Histogram.builder().name("khp_agent_transition_duration_seconds")
            .help("Livepatch transition time of applied patches, from load to transition done").unit(Unit.SECONDS)
            .classicOnly().classicUpperBounds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
            .register(service.registry());
    private final Counter attempts = Counter.builder().name("khp_agent_apply_attempts_total")
            .help("Load attempts, by outcome (APPLIED, STALLED_REVERSED, LOAD_ERROR, BUSY)")
            .labelNames("outcome").register(service.registry());
    private final Counter stalled = Counter.builder().name("khp_agent_stalled_transitions_total")
            .help("Transitions that stalled and were reversed").register(service.registry());
    private final Counter retries = Counter.builder().name("khp_agent_apply_retries_total")
            .help("Load attempts after the first of a command").register(service.registry());
    private final Counter reverts = Counter.builder().name("khp_agent_reverts_total")
            .help("Patches reverted").register(service.registry());
    private final Histogram revertTime = Histogram.builder().name("khp_agent_revert_duration_seconds")
            .help("Revert time: disable, transition, unload").unit(Unit.SECONDS)
            .classicOnly().classicUpperBounds(0.1, 0.5, 1, 5, 10, 30, 60, 300)
            .register(service.registry());
    private final Counter captures = Counter.builder().name("khp_agent_captures_total")
            .help("Run objects captured for the verifier, by result (ok, error)").labelNames("result").register(service.registry());
    private final Gauge hosts = Gauge.builder().name("khp_agent_hosts")
            .help("Hosts this agent process serves").register(service.registry());

    public AgentMetrics() {
        applies.initLabelValues("applied", "none");
        for (ApplyOutcome o : ApplyOutcome.values()) {
            attempts.initLabelValues(o.name());
        }
        for (ApplyFailureReason r : ApplyFailureReason.values()) {
            applies.initLabelValues("failed", r.name());
        }
        captures.initLabelValues("ok");
        captures.initLabelValues("error");
        service.registry().register(lag);
    }

    public void hosts(int n) {
        hosts.set(n);
    }

    /** {@code answer} was published for {@code command}. */
    void answered(KhpEvent command, KhpEvent answer) {
        Object payload = answer.getPayload();
        if (payload instanceof Applied applied) {
            applies.labelValues("applied", "none").inc();
            observeSince(command, answer, "applied");
            transitionTime.observe(applied.getTransitionMs() / 1000.0);
        } else if (payload instanceof ApplyFailed failed) {
            applies.labelValues("failed", failed.getReasonCode().name()).inc();
            observeSince(command, answer, "failed");
        } else if (payload instanceof ApplyAttempted attempt) {
            attempts.labelValues(attempt.getOutcome().name()).inc();
            if (attempt.getOutcome() == ApplyOutcome.STALLED_REVERSED) {
                stalled.inc();
            }
            if (attempt.getAttempt() > 1) {
                retries.inc();
            }
        } else if (payload instanceof Reverted reverted) {
            reverts.inc();
            revertTime.observe(reverted.getDurationMs() / 1000.0);
        } else if (payload instanceof RunObjectCaptured capture) {
            captures.labelValues(capture.getCaptureError() == null ? "ok" : "error").inc();
        }
    }

    private void observeSince(KhpEvent command, KhpEvent answer, String result) {
        Instant requested = command.getOccurredAt();
        Instant done = answer.getOccurredAt();
        if (requested != null && done != null && !done.isBefore(requested)) {
            applyTime.labelValues(result).observe(Duration.between(requested, done).toNanos() / 1e9);
        }
    }
}
