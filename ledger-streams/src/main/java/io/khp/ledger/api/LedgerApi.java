package io.khp.ledger.api;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ExecutorService;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.khp.bus.AvroRecordSerde;
import io.khp.bus.Events;
import io.khp.events.KhpEvent;
import io.khp.ledger.core.FleetReplay;
import io.khp.ledger.streams.HostStateWatch;
import io.khp.ledger.streams.LedgerTopology;
import io.khp.state.HostPatch;
import io.khp.state.HostState;
import io.khp.state.PatchState;

/**
 * The ledger's HTTP JSON API (JDK http server). Lists come from the global stores every instance
 * holds; a single host or patch is read from the instance that owns its key (Streams metadata),
 * forwarding the request there when it is another instance. History, past fleet states and
 * artifacts are read from the log. {@code GET /hosts/{id}?after=VERSION&wait=MS} waits (at most
 * {@code wait}, default 10 s) for a state newer than {@code VERSION}, for watchers that would poll.
 */
public final class LedgerApi implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DEFAULT_LIMIT = 100;
    private static final long DEFAULT_WAIT_MS = 10_000;
    private static final long MAX_WAIT_MS = 60_000;
    private static final AvroRecordSerde<HostState> HOST_STATE = new AvroRecordSerde<>(HostState.class);
    private static final AvroRecordSerde<PatchState> PATCH_STATE = new AvroRecordSerde<>(PatchState.class);

    private final KafkaStreams streams;
    private final HostInfo self;
    private final LogReader log;
    private final HostStateWatch watch;
    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** @param server bound, not started; its address is what {@code self} advertises to the other instances */
    public LedgerApi(KafkaStreams streams, HostInfo self, HttpServer server, LogReader log, HostStateWatch watch) {
        this.streams = streams;
        this.self = self;
        this.log = log;
        this.watch = watch;
        this.server = server;
        // waiting reads hold a thread each
        this.executor = Executors.newFixedThreadPool(32, r -> {
            Thread t = new Thread(r, "ledger-api");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    public void start() {
        server.start();
        LOG.info("ledger API on {}", server.getAddress());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private record Reply(int status, String contentType, byte[] body) {
        static Reply json(int status, JsonNode node) {
            try {
                return new Reply(status, "application/json", JSON.writeValueAsBytes(node));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        static Reply error(int status, String message) {
            return json(status, JSON.createObjectNode().put("error", message));
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        Reply reply;
        try {
            if (!"GET".equals(exchange.getRequestMethod())) {
                reply = Reply.error(405, "only GET");
            } else {
                reply = route(exchange.getRequestURI());
            }
        } catch (InvalidStateStoreException e) {
            reply = Reply.error(503, "state not available yet (" + streams.state() + "): " + e.getMessage());
        } catch (IllegalArgumentException e) {
            reply = Reply.error(400, e.getMessage());
        } catch (Exception e) {
            LOG.warn("{} failed", exchange.getRequestURI(), e);
            reply = Reply.error(500, e.toString());
        }
        exchange.getResponseHeaders().set("Content-Type", reply.contentType());
        exchange.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(reply.body());
        }
    }

    private Reply route(URI uri) throws Exception {
        String[] path = uri.getPath().replaceAll("^/+|/+$", "").split("/");
        Map<String, String> query = query(uri);
        boolean local = "true".equals(query.get("local"));
        switch (path[0]) {
            case "health":
                KafkaStreams.State state = streams.state();
                boolean alive = state != KafkaStreams.State.ERROR && state != KafkaStreams.State.NOT_RUNNING
                        && state != KafkaStreams.State.PENDING_ERROR;
                return Reply.json(alive ? 200 : 503, JSON.createObjectNode().put("state", state.name()));
            case "ready":
                boolean ready = streams.state() == KafkaStreams.State.RUNNING;
                return Reply.json(ready ? 200 : 503, JSON.createObjectNode().put("state", streams.state().name()));
            case "hosts":
                if (path.length == 1) {
                    return hosts(query);
                }
                if (path.length == 2) {
                    return query.containsKey("after") ? newerHost(path[1], uri, query, local)
                            : owned(LedgerTopology.HOSTS_STORE, path[1], uri, local);
                }
                if (path.length == 3 && path[2].equals("history")) {
                    return history(path[1]);
                }
                break;
            case "patches":
                if (path.length == 1) {
                    ArrayNode patches = JSON.createArrayNode();
                    forEach(LedgerTopology.CATALOG_STORE, PATCH_STATE, (String id, PatchState p) -> patches.add(AvroJson.of(p)));
                    return Reply.json(200, JSON.createObjectNode().set("patches", patches));
                }
                if (path.length == 2) {
                    return owned(LedgerTopology.PATCHES_STORE, path[1], uri, local);
                }
                break;
            case "rollouts":
                if (path.length == 2) {
                    return rollout(path[1], local);
                }
                break;
            case "fleet":
                return fleet(query.get("at"));
            case "artifacts":
                if (path.length == 2) {
                    Optional<byte[]> bytes = log.artifact(path[1]);
                    return bytes.map(b -> new Reply(200, "application/octet-stream", b))
                            .orElseGet(() -> Reply.error(404, "no artifact " + path[1]));
                }
                break;
            default:
                break;
        }
        return Reply.error(404, "no such resource: " + uri.getPath());
    }

    /** All hosts (from the global copy), filtered by patch, state and kernel release, a page at a time. */
    private Reply hosts(Map<String, String> query) {
        String patch = query.get("patch");
        String state = query.get("state");
        String kernel = query.get("kernel");
        int offset = intParam(query, "offset", 0);
        int limit = intParam(query, "limit", DEFAULT_LIMIT);
        ArrayNode page = JSON.createArrayNode();
        int[] matched = {0};
        forEach(LedgerTopology.FLEET_STORE, HOST_STATE, (String id, HostState h) -> {
            if (kernel != null && (h.getKernel() == null || !kernel.equals(h.getKernel().getRelease()))) {
                return;
            }
            if (patch != null || state != null) {
                boolean any = false;
                for (HostPatch p : h.getPatches()) {
                    if ((patch == null || patch.equals(p.getPatchId())) && (state == null || state.equalsIgnoreCase(p.getState().name()))) {
                        any = true;
                        break;
                    }
                }
                if (!any) {
                    return;
                }
            }
            if (matched[0] >= offset && page.size() < limit) {
                page.add(AvroJson.of(h));
            }
            matched[0]++;
        });
        ObjectNode reply = JSON.createObjectNode();
        reply.put("total", matched[0]).put("offset", offset).put("limit", limit);
        reply.set("hosts", page);
        return Reply.json(200, reply);
    }

    /** One key of a store that Streams partitions: read here if this instance owns it, else ask the owner. */
    private Reply owned(String store, String key, URI uri, boolean local) throws Exception {
        Reply elsewhere = elsewhere(store, key, uri, local);
        return elsewhere != null ? elsewhere : here(store, key, read(store, key));
    }

    /** Null when this instance owns the key; else the owner's answer, or why there is none. */
    private Reply elsewhere(String store, String key, URI uri, boolean local) throws Exception {
        KeyQueryMetadata owner = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            return Reply.error(503, "no instance owns " + store + "/" + key + " yet");
        }
        if (owner.activeHost().equals(self)) {
            return null;
        }
        if (local) {
            return Reply.error(503, "instance " + self + " does not own " + key + " (owner " + owner.activeHost() + ")");
        }
        return forward(owner.activeHost(), uri);
    }

    private Object read(String store, String key) {
        ReadOnlyKeyValueStore<String, Object> kv = streams.store(StoreQueryParameters.fromNameAndType(store,
                QueryableStoreTypes.<String, Object>keyValueStore()));
        return kv.get(key);
    }

    /** The reply for a value of a key this instance owns. */
    private Reply here(String store, String key, Object value) {
        if (value == null) {
            return Reply.error(404, "unknown " + ("hosts".equals(store) ? "host " : "patch ") + key);
        }
        ObjectNode node = (ObjectNode) AvroJson.of(value);
        node.put("servedBy", self.host() + ":" + self.port());
        return Reply.json(200, node);
    }

    /**
     * The host's state once its version is above {@code after}, or as it is when the wait is over;
     * waited for on the instance owning the host.
     */
    private Reply newerHost(String hostId, URI uri, Map<String, String> query, boolean local) throws Exception {
        long after;
        try {
            after = Long.parseLong(query.get("after"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("after must be a host state version (an integer), not " + query.get("after"));
        }
        long waitMs = Math.min(MAX_WAIT_MS, intParam(query, "wait", (int) DEFAULT_WAIT_MS));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        while (true) {
            CompletableFuture<Void> change = watch.nextChange(hostId);
            Reply elsewhere = elsewhere(LedgerTopology.HOSTS_STORE, hostId, uri, local);
            if (elsewhere != null) {
                return elsewhere;
            }
            Object value = read(LedgerTopology.HOSTS_STORE, hostId);
            long left = deadline - System.nanoTime();
            if (left <= 0 || value instanceof HostState h && h.getVersion() > after) {
                return here(LedgerTopology.HOSTS_STORE, hostId, value);
            }
            try {
                change.get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                // the wait is over: answer with the state as it is
            }
        }
    }

    private Reply forward(HostInfo owner, URI uri) throws Exception {
        String q = uri.getRawQuery();
        URI target = URI.create("http://" + owner.host() + ":" + owner.port() + uri.getRawPath() + "?" + (q == null ? "" : q + "&") + "local=true");
        HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(target).timeout(Duration.ofMillis(30_000 + MAX_WAIT_MS)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        return new Reply(response.statusCode(), response.headers().firstValue("Content-Type").orElse("application/json"), response.body());
    }

    private Reply rollout(String rolloutId, boolean local) throws Exception {
        String[] patchId = {null};
        forEach(LedgerTopology.CATALOG_STORE, PATCH_STATE, (String id, PatchState p) -> {
            if (p.getRollouts().stream().anyMatch(r -> r.getRolloutId().equals(rolloutId))) {
                patchId[0] = id;
            }
        });
        if (patchId[0] == null) {
            return Reply.error(404, "unknown rollout " + rolloutId);
        }
        Reply patch = owned(LedgerTopology.PATCHES_STORE, patchId[0], URI.create("/patches/" + patchId[0]), local);
        if (patch.status() != 200) {
            return patch;
        }
        JsonNode rollouts = JSON.readTree(patch.body()).get("rollouts");
        for (JsonNode r : rollouts) {
            if (rolloutId.equals(r.get("rolloutId").asText())) {
                return Reply.json(200, r);
            }
        }
        return Reply.error(404, "unknown rollout " + rolloutId);
    }

    private Reply history(String hostId) {
        ArrayNode events = JSON.createArrayNode();
        for (LogReader.LoggedEvent e : log.hostHistory(hostId)) {
            events.add(logged(e));
        }
        return Reply.json(200, JSON.createObjectNode().put("hostId", hostId).set("events", events));
    }

    private static ObjectNode logged(LogReader.LoggedEvent e) {
        KhpEvent event = e.event();
        ObjectNode node = JSON.createObjectNode();
        node.put("type", Events.typeOf(event)).put("eventId", event.getEventId()).put("occurredAt", event.getOccurredAt().toString())
                .put("source", event.getSource()).put("patchId", event.getPatchId()).put("correlationId", event.getCorrelationId())
                .put("topic", e.topic()).put("partition", e.partition()).put("offset", e.offset());
        node.set("payload", AvroJson.of(event.getPayload()));
        return node;
    }

    /** The fleet as of an instant: the host events that had occurred by then, replayed through the ledger's fold. */
    private Reply fleet(String at) {
        Instant instant;
        try {
            instant = at == null ? Instant.now() : Instant.parse(at);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("at must be an ISO-8601 instant, e.g. 2026-11-24T10:00:00Z");
        }
        List<KhpEvent> builds = new ArrayList<>();
        log.builds().forEach(e -> {
            if (!e.event().getOccurredAt().isAfter(instant)) {
                builds.add(e.event());
            }
        });
        List<KhpEvent> hostEvents = new ArrayList<>();
        log.fleetHistory().forEach(e -> {
            if (!e.event().getOccurredAt().isAfter(instant)) {
                hostEvents.add(e.event());
            }
        });
        Map<String, HostState> hosts = FleetReplay.replay(builds, hostEvents);
        Map<String, Map<String, Integer>> patches = new TreeMap<>();
        ArrayNode list = JSON.createArrayNode();
        for (HostState h : hosts.values()) {
            list.add(AvroJson.of(h));
            for (HostPatch p : h.getPatches()) {
                if (p.getPatchId() != null) {
                    patches.computeIfAbsent(p.getPatchId(), k -> new TreeMap<>()).merge(p.getState().name(), 1, Integer::sum);
                }
            }
        }
        ObjectNode reply = JSON.createObjectNode();
        reply.put("at", instant.toString()).put("events", hostEvents.size()).put("hostCount", hosts.size());
        reply.set("patches", JSON.valueToTree(patches));
        reply.set("hosts", list);
        return Reply.json(200, reply);
    }

    private interface Visitor<V> {
        void visit(String key, V value);
    }

    /** Every readable entry of a global store (they keep encoded states). */
    private <V extends org.apache.avro.specific.SpecificRecord> void forEach(String store, AvroRecordSerde<V> serde, Visitor<V> visitor) {
        ReadOnlyKeyValueStore<String, byte[]> kv = streams.store(StoreQueryParameters.fromNameAndType(store,
                QueryableStoreTypes.<String, byte[]>keyValueStore()));
        try (KeyValueIterator<String, byte[]> all = kv.all()) {
            while (all.hasNext()) {
                var entry = all.next();
                V value;
                try {
                    value = serde.decode(entry.value);
                } catch (io.khp.bus.UndecodableEventException e) {
                    continue;
                }
                visitor.visit(entry.key, value);
            }
        }
    }

    private static int intParam(Map<String, String> query, String name, int fallback) {
        String v = query.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a non-negative integer, not " + v);
        }
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> params = new HashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(k, v);
        }
        return params;
    }
}
