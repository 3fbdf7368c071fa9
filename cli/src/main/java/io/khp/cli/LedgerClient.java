package io.khp.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;

/** Reads the ledger's HTTP API (ledger-streams). */
final class LedgerClient {

    /** The ledger answered with an error status. */
    static final class LedgerError extends RuntimeException {
        final int status;

        LedgerError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    LedgerClient(String base) {
        this.base = base;
    }

    JsonNode get(String path, Map<String, String> query) {
        String q = query.entrySet().stream().filter(e -> e.getValue() != null)
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        URI uri = URI.create(base + path + (q.isEmpty() ? "" : "?" + q));
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body = response.body().isEmpty() ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(response.body());
            if (response.statusCode() != 200) {
                throw new LedgerError(response.statusCode(), body.path("error").asText("HTTP " + response.statusCode()));
            }
            return body;
        } catch (ConnectException e) {
            throw new IllegalStateException("the ledger API at " + base + " does not answer (is `khp up` running? set --api or $KHP_API)", e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + uri + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    Optional<JsonNode> find(String path) {
        try {
            return Optional.of(get(path, Map.of()));
        } catch (LedgerError e) {
            if (e.status == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Every host matching the filters, all pages. */
    List<JsonNode> hosts(String patch, String state, String kernel) {
        List<JsonNode> hosts = new ArrayList<>();
        int offset = 0;
        while (true) {
            Map<String, String> query = new java.util.HashMap<>();
            query.put("patch", patch);
            query.put("state", state);
            query.put("kernel", kernel);
            query.put("offset", Integer.toString(offset));
            query.put("limit", "500");
            JsonNode page = get("/hosts", query);
            page.path("hosts").forEach(hosts::add);
            offset += page.path("hosts").size();
            if (page.path("hosts").isEmpty() || offset >= page.path("total").asInt()) {
                return hosts;
            }
        }
    }
}
