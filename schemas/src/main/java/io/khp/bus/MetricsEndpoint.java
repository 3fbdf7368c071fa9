package io.khp.bus;

import java.io.IOException;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * A process's {@code /metrics} endpoint, served by the Prometheus client's own HTTP exporter. The
 * address comes from {@code KHP_METRICS_HOST} (default 127.0.0.1; 0.0.0.0 for a fleet scraped
 * from elsewhere).
 */
public final class MetricsEndpoint implements AutoCloseable {

    /** A port value meaning: serve no endpoint. */
    public static final int OFF = -1;

    private final HTTPServer server;

    private MetricsEndpoint(HTTPServer server) {
        this.server = server;
    }

    /** Serves {@code registry} on {@code host:port} (port 0: any free port). */
    public static MetricsEndpoint start(PrometheusRegistry registry, String host, int port) throws IOException {
        return new MetricsEndpoint(HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart());
    }

    public static String hostFromEnvironment() {
        return System.getenv().getOrDefault("KHP_METRICS_HOST", "127.0.0.1");
    }

    /** "off" (or an empty value) for none, else a port number 0–65535; null gives the default. */
    static int parsePort(String value, int defaultPort, String what) {
        if (value == null) {
            return defaultPort;
        }
        String v = value.strip();
        if (v.isEmpty() || v.equalsIgnoreCase("off")) {
            return OFF;
        }
        try {
            int port = Integer.parseInt(v);
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be a port (0-65535) or off, not '" + value + "'");
        }
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
