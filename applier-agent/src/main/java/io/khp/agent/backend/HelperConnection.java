package io.khp.agent.backend;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Speaks khp-helper's JSON line protocol (kmodule/helper/PROTOCOL.md): one request at a time, the
 * reply matched by id (replies to other ids, e.g. to a client that went away, are skipped). The
 * channel is opened on first use and again after it broke. Every call has a deadline: a helper that
 * does not answer within it is killed (its channel aborted) and the call fails with
 * {@link BackendException#DEADLINE}, so a hung helper never holds the host's work.
 */
public final class HelperConnection implements AutoCloseable {

    /** Opens a fresh channel to the helper. */
    @FunctionalInterface
    public interface Opener {
        LineChannel open() throws IOException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(HelperConnection.class);
    static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Opener opener;
    private final Duration timeout;
    private final String idPrefix = UUID.randomUUID().toString().substring(0, 8) + "-";
    private final AtomicLong nextId = new AtomicLong(1);
    private LineChannel channel;

    public HelperConnection(String name, Opener opener, Duration timeout) {
        this.name = name;
        this.opener = opener;
        this.timeout = timeout;
    }

    public ObjectNode request(String op) {
        ObjectNode node = JSON.createObjectNode();
        node.put("op", op);
        return node;
    }

    public JsonNode call(ObjectNode request) throws BackendException {
        return call(request, timeout);
    }

    /** Sends the request and returns the reply's {@code result}; a helper error becomes its code. */
    public synchronized JsonNode call(ObjectNode request, Duration wait) throws BackendException {
        String id = idPrefix + nextId.getAndIncrement();
        request.put("id", id);
        String op = request.path("op").asText();
        try {
            if (channel == null || !channel.open()) {
                closeChannel();
                channel = opener.open();
            }
            channel.writeLine(JSON.writeValueAsString(request));
            Instant deadline = Instant.now().plus(wait);
            while (true) {
                Duration left = Duration.between(Instant.now(), deadline);
                String line = left.isNegative() ? null : channel.readLine(left);
                if (line == null) {
                    LOG.warn("{}: no reply to {} within {} ms: killing the helper", name, op, wait.toMillis());
                    abortChannel();
                    throw new BackendException(BackendException.DEADLINE,
                            name + ": no reply to " + op + " within its deadline of " + wait.toMillis() + " ms; the helper was killed");
                }
                JsonNode reply;
                try {
                    reply = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    LOG.warn("{}: skipping a line that is not JSON: {}", name, abbreviate(line));
                    continue;
                }
                if (!id.equals(reply.path("id").asText(null))) {
                    LOG.debug("{}: skipping a reply to another request: {}", name, abbreviate(line));
                    continue;
                }
                if (reply.path("ok").asBoolean(false)) {
                    return reply.path("result");
                }
                JsonNode error = reply.path("error");
                throw new BackendException(error.path("code").asText("UNKNOWN"), error.path("message").asText(""));
            }
        } catch (IOException e) {
            closeChannel();
            throw new BackendException(BackendException.TRANSPORT, name + ": " + e.getMessage(), e);
        }
    }

    private static String abbreviate(String line) {
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }

    private void abortChannel() {
        if (channel != null) {
            channel.abort();
            channel = null;
        }
    }

    /** The channel in use, null when none is open (for tests). */
    synchronized LineChannel channel() {
        return channel;
    }

    private void closeChannel() {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    @Override
    public synchronized void close() {
        closeChannel();
    }
}
