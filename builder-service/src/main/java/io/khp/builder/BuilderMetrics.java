package io.khp.builder;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.khp.bus.ServiceMetrics;
import io.khp.events.BuildFailed;
import io.khp.events.BuildProgress;
import io.khp.events.BuildRequested;
import io.khp.events.KhpEvent;
import io.khp.events.PatchBuilt;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * The builder's metrics, read off the events it takes and publishes: each BuildRequested starts a
 * build, its PatchBuilt or BuildFailed (caused by the request) ends it. Served on
 * KHP_BUILDER_METRICS_PORT (default 9481, "off" for none).
 */
final class BuilderMetrics {

    static final int DEFAULT_PORT = 9481;

    final ServiceMetrics service = ServiceMetrics.create("KHP_BUILDER_METRICS_PORT", DEFAULT_PORT);
    private final Counter builds = Counter.builder().name("khp_builder_builds_total")
            .help("Builds finished, by outcome (built, refused)").labelNames("outcome").register(service.registry());
    private final Histogram duration = Histogram.builder().name("khp_builder_build_duration_seconds")
            .help("From a build request taken to its PatchBuilt or BuildFailed published, by outcome")
            .unit(Unit.SECONDS)
            .classicOnly().classicUpperBounds(0.5, 1, 5, 10, 15, 30, 60, 120, 180, 300, 600, 1200)
            .labelNames("outcome").register(service.registry());
    private final Counter refusals = Counter.builder().name("khp_builder_refusals_total")
            .help("Builds refused, by stage and reason code").labelNames("stage", "reason").register(service.registry());
    private final Histogram stages = Histogram.builder().name("khp_builder_stage_duration_seconds")
            .help("Time of each finished build stage").unit(Unit.SECONDS)
            .classicOnly().classicUpperBounds(0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600)
            .labelNames("stage").register(service.registry());
    private final Gauge inProgress = Gauge.builder().name("khp_builder_builds_in_progress")
            .help("Builds under way").register(service.registry());
    private final Map<String, Long> started = new ConcurrentHashMap<>();

    BuilderMetrics() {
        builds.initLabelValues("built");
        builds.initLabelValues("refused");
    }

    /** Before the handler takes {@code event}. */
    void taking(KhpEvent event) {
        if (event.getPayload() instanceof BuildRequested) {
            started.put(event.getEventId(), System.nanoTime());
            inProgress.inc();
        }
    }

    /** For each event the builder publishes. */
    void published(KhpEvent event) {
        Object payload = event.getPayload();
        if (payload instanceof BuildProgress progress) {
            if (progress.getFinished() && progress.getElapsedMs() > 0) {
                stages.labelValues(progress.getStage().name()).observe(progress.getElapsedMs() / 1000.0);
            }
            return;
        }
        String outcome;
        if (payload instanceof PatchBuilt) {
            outcome = "built";
        } else if (payload instanceof BuildFailed failed) {
            outcome = "refused";
            refusals.labelValues(failed.getStage().name(), failed.getReasonCode()).inc();
        } else {
            return;
        }
        builds.labelValues(outcome).inc();
        Long start = event.getCausationId() == null ? null : started.remove(event.getCausationId());
        if (start != null) {
            duration.labelValues(outcome).observe((System.nanoTime() - start) / 1e9);
            inProgress.dec();
        }
    }
}
