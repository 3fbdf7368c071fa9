package io.khp.verifier;

import java.time.Duration;
import java.time.Instant;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

import io.khp.bus.KafkaLag;
import io.khp.bus.ServiceMetrics;
import io.khp.events.FunctionVerdict;
import io.khp.events.PreRunVerified;
import io.khp.events.Verdict;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * The verifier's metrics: verdicts per host and per patched function (the run-pre match rate), the
 * time from a host's capture to its verdict, captures waiting for a manifest, verdict cache hits and
 * the consumers' lag. Served on KHP_VERIFIER_METRICS_PORT (default 9482, "off" for none).
 */
final class VerifierMetrics {

    static final int DEFAULT_PORT = 9482;

    final ServiceMetrics service = ServiceMetrics.create("KHP_VERIFIER_METRICS_PORT", DEFAULT_PORT);
    final KafkaLag lag = new KafkaLag();
    private final Counter verdicts = Counter.builder().name("khp_verifier_verdicts_total")
            .help("Run-pre verdicts published, one per host and patch, by verdict").labelNames("verdict").register(service.registry());
    private final Counter functionVerdicts = Counter.builder().name("khp_verifier_function_verdicts_total")
            .help("Run-pre verdicts of single patched functions, by verdict (match rate = MATCH / all)")
            .labelNames("verdict").register(service.registry());
    private final Histogram answerTime = Histogram.builder().name("khp_verifier_answer_duration_seconds")
            .help("From a host's capture (its occurredAt) to the verdict published, manifest waits included")
            .unit(Unit.SECONDS).classicOnly().classicUpperBounds(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 600)
            .register(service.registry());

    VerifierMetrics(IntSupplier waitingCaptures, LongSupplier cacheHits) {
        for (Verdict v : Verdict.values()) {
            verdicts.initLabelValues(v.name());
            functionVerdicts.initLabelValues(v.name());
        }
        GaugeWithCallback.builder().name("khp_verifier_captures_waiting")
                .help("Host captures waiting for their patch's manifest")
                .callback(cb -> cb.call(waitingCaptures.getAsInt())).register(service.registry());
        CounterWithCallback.builder().name("khp_verifier_cache_hits_total")
                .help("Verdicts reused from the verdict cache")
                .callback(cb -> cb.call(cacheHits.getAsLong())).register(service.registry());
        service.registry().register(lag);
    }

    void answered(PreRunVerified verdict, Instant capturedAt, Instant now) {
        verdicts.labelValues(verdict.getVerdict().name()).inc();
        for (FunctionVerdict f : verdict.getFunctions()) {
            functionVerdicts.labelValues(f.getVerdict().name()).inc();
        }
        if (capturedAt != null && !now.isBefore(capturedAt)) {
            answerTime.observe(Duration.between(capturedAt, now).toNanos() / 1e9);
        }
    }
}
