package io.khp.agent.ledger;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.khp.agent.ArtifactSource;

/**
 * Module bytes from the ledger's HTTP API: {@code GET {api}/artifacts/{sha256}} (ledger-streams
 * serves them from khp.artifacts). Null when the ledger has none or cannot be reached; the bytes
 * are not trusted here: the agent checks their sha256 and signature like any others.
 */
public final class LedgerArtifacts implements ArtifactSource {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerArtifacts.class);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final URI api;
    private final HttpClient http;

    public LedgerArtifacts(URI api) {
        String base = api.toString();
        this.api = URI.create(base.endsWith("/") ? base : base + "/");
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    public URI api() {
        return api;
    }

    @Override
    public byte[] find(String sha256) {
        String sha = sha256.toLowerCase();
        if (!SHA256.matcher(sha).matches()) {
            LOG.warn("not asking the ledger for artifact '{}': not a hex sha256", sha256);
            return null;
        }
        URI uri = api.resolve("artifacts/" + sha);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET().build();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() == 200) {
                LOG.info("artifact {} ({} bytes) fetched from the ledger at {}", sha, response.body().length, uri);
                return response.body();
            }
            if (response.statusCode() == 404) {
                LOG.info("the ledger at {} has no artifact {}", api, sha);
            } else {
                LOG.warn("the ledger answered {} to {}", response.statusCode(), uri);
            }
            return null;
        } catch (IOException e) {
            LOG.warn("cannot fetch artifact {} from the ledger at {}: {}", sha, api, e.toString());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
