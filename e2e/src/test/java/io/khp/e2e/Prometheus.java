package io.khp.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.DoublePredicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A real Prometheus server (Debian's `prometheus`) scraping the given jobs every second with khp's
 * alert rules loaded, asked through its HTTP query API.
 */
final class Prometheus implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Path dir;
    private final Process process;
    private final int port;

    /** @param jobs job name → host:port targets serving /metrics */
    Prometheus(Map<String, List<String>> jobs) throws IOException, InterruptedException {
        dir = Files.createTempDirectory("khp-e2e-prometheus");
        StringBuilder config = new StringBuilder("""
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                scrape_configs:
                """.formatted(Processes.repo().resolve("infra/prometheus/khp-rules.yml")));
        jobs.forEach((job, targets) -> config.append("  - job_name: ").append(job).append('\n')
                .append("    static_configs:\n      - targets: [")
                .append(String.join(", ", targets.stream().map(t -> "'" + t + "'").toList())).append("]\n"));
        Path file = dir.resolve("prometheus.yml");
        Files.writeString(file, config);
        port = freePort();
        process = new ProcessBuilder("prometheus", "--config.file=" + file, "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        Instant deadline = Instant.now().plusSeconds(60);
        while (!ready()) {
            if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("prometheus did not become ready:\n" + Files.readString(dir.resolve("prometheus.log")));
            }
            pace();
        }
    }

    /** The instant query's result: one entry per series (labels, value). */
    List<Map.Entry<JsonNode, Double>> query(String promql) {
        JsonNode body = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        if (!"success".equals(body.path("status").asText())) {
            throw new AssertionError(promql + ": " + body);
        }
        List<Map.Entry<JsonNode, Double>> out = new ArrayList<>();
        for (JsonNode r : body.path("data").path("result")) {
            out.add(Map.entry(r.path("metric"), Double.parseDouble(r.path("value").get(1).asText())));
        }
        return out;
    }

    /**
     * Asks {@code promql} (one series expected) until its value satisfies {@code expected} or the
     * deadline passes; gives the last value.
     */
    double await(String promql, DoublePredicate expected, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        List<Map.Entry<JsonNode, Double>> last = List.of();
        while (true) {
            last = query(promql);
            if (last.size() == 1 && expected.test(last.get(0).getValue())) {
                return last.get(0).getValue();
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("Prometheus: " + promql + " gave " + last + " until the deadline");
            }
            pace();
        }
    }

    /** Between two polls: a new answer needs a new scrape (every second) anyway; fails if Prometheus died. */
    private void pace() {
        try {
            if (process.waitFor(250, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new AssertionError("prometheus exited " + process.exitValue() + ":\n" + Files.readString(dir.resolve("prometheus.log")));
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private boolean ready() throws InterruptedException {
        try {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    private JsonNode get(String path) {
        try {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("Prometheus at " + port + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
