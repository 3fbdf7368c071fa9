package io.khp.bus;

import java.util.Map;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * What one service measures: its own registry (so that several services in one JVM, as in the
 * end-to-end tests, keep their series apart), with the JVM's basics and the dead-letter counter
 * every service shares, and where its process serves them by default.
 *
 * @param portVariable the environment variable naming the port of the service's metrics endpoint
 * @param defaultPort  the port when that variable is unset; {@link MetricsEndpoint#OFF} for none
 */
public record ServiceMetrics(PrometheusRegistry registry, Counter deadLettered, String portVariable, int defaultPort) {

    public static ServiceMetrics create(String portVariable, int defaultPort) {
        PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetrics.builder().register(registry);
        Counter deadLettered = Counter.builder()
                .name("khp_dead_letters_total")
                .help("Records sent to khp.dead-letters because they could not be decoded or handled, by original topic and exception")
                .labelNames("topic", "reason")
                .register(registry);
        return new ServiceMetrics(registry, deadLettered, portVariable, defaultPort);
    }

    /** The port the environment asks for, else the default; {@link MetricsEndpoint#OFF} for none. */
    public int port(Map<String, String> env) {
        return MetricsEndpoint.parsePort(env.get(portVariable), defaultPort, portVariable);
    }
}
