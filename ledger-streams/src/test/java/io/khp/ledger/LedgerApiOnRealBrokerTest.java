package io.khp.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.khp.bus.DeadLetters;
import io.khp.bus.Topics;
import io.khp.events.HostSelector;
import io.khp.events.KhpEvent;
import io.khp.testkit.RealKafka;
import io.khp.testkit.TestKafka;

/**
 * Two ledger instances of one application on the real broker: every key answered by both (the
 * non-owner forwards to the owner), lists, filters and paging, history from the log, artifacts,
 * dead letters, waiting reads, and the fleet replayed from the log equal to the live state.
 */
@RealKafka
class LedgerApiOnRealBrokerTest {

    private final Http http = new Http();

    /** The sum of the samples in the ledger's /metrics whose line starts with {@code series} and holds every label given. */
    private double sample(int port, String series, String... labels) {
        Http.Response r = http.get(port, "/metrics");
        assertEquals(200, r.status());
        double sum = 0;
        for (String line : new String(r.body(), StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith(series) && java.util.Arrays.stream(labels).allMatch(line::contains)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    @Test
    void twoInstancesAnswerEveryKeyAndTheReplayEqualsTheLiveState(TestKafka kafka) {
        String run = UUID.randomUUID().toString().substring(0, 6);
        TestEvents e = new TestEvents(Instant.now().minusSeconds(3600));
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            hosts.add("api-" + run + "-h" + i);
        }
        String patch = "api-" + run + "-p1";
        try (RealBroker broker = new RealBroker(kafka)) {
            LedgerApp a = broker.startLedger();
            LedgerApp b = broker.startLedger();
            broker.awaitRunning(a, b);

            broker.sendRaw(Topics.HOST_LIFECYCLE.name(), hosts.get(0), "garbage".getBytes(StandardCharsets.UTF_8), e.now());
            for (String h : hosts) {
                broker.send(e.reported(h, "boot-" + h));
            }
            broker.send(e.patchBuilt(patch, false));
            byte[] module = ("module bytes of " + patch).getBytes(StandardCharsets.UTF_8);
            broker.sendRaw(Topics.ARTIFACTS.name(), "sha-" + patch, module, e.now());
            // hosts 0..11 apply the patch by hand, 0..3 revert it
            for (int i = 0; i < 12; i++) {
                broker.send(e.applyRequested(hosts.get(i), patch));
                broker.send(e.applySucceeds(hosts.get(i), patch));
            }
            for (int i = 0; i < 4; i++) {
                broker.send(e.revertRequested(hosts.get(i), patch), e.reverted(hosts.get(i), patch));
            }
            Eventually.await(Duration.ofSeconds(60), "hosts in the fleet view", () ->
                    http.get(a.httpPort(), "/hosts?patch=" + patch + "&state=REVERTED").json().get("total").asInt() == 4
                            && http.get(a.httpPort(), "/hosts?kernel=" + TestEvents.RELEASE + "&limit=100000").json().get("hosts")
                            .findValuesAsText("hostId").containsAll(hosts));
            // the fleet-wide gauges, counted from the host states as they change, on every instance
            Eventually.await(Duration.ofSeconds(60), "the fleet census in /metrics", () ->
                    sample(a.httpPort(), "khp_host_patches{", "patch=\"" + patch + "\"", "state=\"REVERTED\"") == 4
                            && sample(b.httpPort(), "khp_host_patches{", "patch=\"" + patch + "\"", "state=\"APPLIED\"") == 8);
            assertEquals(1.0, sample(a.httpPort(), "khp_ledger_stream_state{", "state=\"RUNNING\""));
            assertTrue(sample(a.httpPort(), "khp_hosts{", "release=\"" + TestEvents.RELEASE + "\"") >= hosts.size());
            // the garbage record was dead-lettered by whichever instance owns its partition
            assertTrue(sample(a.httpPort(), "khp_dead_letters_total{", "topic=\"" + Topics.HOST_LIFECYCLE.name() + "\"")
                    + sample(b.httpPort(), "khp_dead_letters_total{", "topic=\"" + Topics.HOST_LIFECYCLE.name() + "\"") >= 1);
            Instant beforeRollout = e.now();
            // a rollout of the rest, in two waves; the agent side answers each command
            broker.send(e.rolloutRequested(patch, "r-" + run, HostSelector.newBuilder().setHosts(hosts.subList(12, 24)).build(),
                    0.0, false, TestEvents.percent(50)));
            Set<String> answered = new HashSet<>();
            Eventually.await(Duration.ofSeconds(60), "both waves applied", () -> {
                JsonNode page = http.get(a.httpPort(), "/hosts?patch=" + patch + "&state=REQUESTED&limit=1000").json();
                for (JsonNode h : page.get("hosts")) {
                    String id = h.get("hostId").asText();
                    if (answered.add(id)) {
                        broker.send(e.applySucceeds(id, patch));
                    }
                }
                return answered.size() == 12;
            });
            Eventually.await(Duration.ofSeconds(60), "rollout completed", () ->
                    http.get(b.httpPort(), "/rollouts/r-" + run).json().path("status").asText().equals("COMPLETED"));

            // every key from both instances, each served by its owner
            Set<String> servers = new HashSet<>();
            Map<String, JsonNode> live = new HashMap<>();
            for (String h : hosts) {
                JsonNode fromA = Eventually.await(Duration.ofSeconds(30), h + " via a", () -> ok(a.httpPort(), "/hosts/" + h));
                JsonNode fromB = Eventually.await(Duration.ofSeconds(30), h + " via b", () -> ok(b.httpPort(), "/hosts/" + h));
                assertEquals(fromA, fromB, "both instances give the owner's state of " + h);
                servers.add(fromA.get("servedBy").asText());
                live.put(h, fromA);
            }
            assertEquals(2, servers.size(), "the keys are spread over both instances");
            JsonNode patchFromA = ok(a.httpPort(), "/patches/" + patch);
            assertEquals(patchFromA, ok(b.httpPort(), "/patches/" + patch));
            assertEquals(20, patchFromA.get("hostCounts").get("APPLIED").asInt());
            assertEquals(4, patchFromA.get("hostCounts").get("REVERTED").asInt());
            assertEquals(404, http.get(a.httpPort(), "/hosts/nobody-" + run).status());

            // lists, filters, paging
            JsonNode reverted = http.get(b.httpPort(), "/hosts?patch=" + patch + "&state=REVERTED").json();
            assertEquals(4, reverted.get("total").asInt());
            JsonNode page1 = http.get(a.httpPort(), "/hosts?patch=" + patch + "&limit=10").json();
            JsonNode page3 = http.get(a.httpPort(), "/hosts?patch=" + patch + "&limit=10&offset=20").json();
            assertEquals(24, page1.get("total").asInt());
            assertEquals(10, page1.get("hosts").size());
            assertEquals(4, page3.get("hosts").size());
            assertTrue(http.get(a.httpPort(), "/hosts?kernel=" + TestEvents.RELEASE).json().get("total").asInt() >= 24);
            assertEquals(0, http.get(a.httpPort(), "/hosts?kernel=no-such-release&patch=" + patch).json().get("total").asInt());
            assertTrue(http.get(a.httpPort(), "/patches").json().get("patches").size() >= 1);
            JsonNode rollout = ok(a.httpPort(), "/rollouts/r-" + run);
            assertEquals(2, rollout.get("waves").size());
            assertEquals(12, rollout.get("targeted").asInt());

            // history of one host, in order, from the log
            JsonNode history = ok(a.httpPort(), "/hosts/" + hosts.get(0) + "/history").get("events");
            List<String> types = new ArrayList<>();
            history.forEach(ev -> types.add(ev.get("type").asText()));
            assertEquals(List.of("HostReported", "ApplyRequested", "RunObjectCaptured", "PreRunVerified", "ApplyAttempted",
                    "Applied", "RevertRequested", "Reverted"), types);

            // artifacts, health
            Http.Response artifact = http.get(b.httpPort(), "/artifacts/sha-" + patch);
            assertEquals(200, artifact.status());
            assertArrayEquals(module, artifact.body());
            assertEquals(404, http.get(b.httpPort(), "/artifacts/nope-" + run).status());
            assertEquals(200, http.get(a.httpPort(), "/health").status());
            assertEquals(200, http.get(b.httpPort(), "/ready").status());

            // the fleet replayed from the log equals the live state; before the rollout, none of its hosts had the patch
            JsonNode fleet = ok(a.httpPort(), "/fleet");
            Map<String, JsonNode> replayed = new HashMap<>();
            fleet.get("hosts").forEach(h -> replayed.put(h.get("hostId").asText(), h));
            for (String h : hosts) {
                JsonNode expected = ((com.fasterxml.jackson.databind.node.ObjectNode) live.get(h).deepCopy()).without("servedBy");
                assertEquals(expected, replayed.get(h), "replayed state of " + h);
            }
            JsonNode past = ok(a.httpPort(), "/fleet?at=" + beforeRollout);
            Map<String, JsonNode> then = new HashMap<>();
            past.get("hosts").forEach(h -> then.put(h.get("hostId").asText(), h));
            assertEquals(0, then.get(hosts.get(20)).get("patches").size());
            assertEquals("APPLIED", then.get(hosts.get(8)).get("patches").get(0).get("state").asText());
            assertEquals(400, http.get(a.httpPort(), "/fleet?at=yesterday").status());

            // waiting reads: a state newer than a version, or the state as it is when the wait is over
            String watched = hosts.get(5);
            long version = live.get(watched).get("version").asLong();
            JsonNode unchanged = ok(a.httpPort(), "/hosts/" + watched + "?after=" + version + "&wait=200");
            assertEquals(version, unchanged.get("version").asLong(), "nothing happened to " + watched + " during the wait");
            CompletableFuture<Http.Response> newer = CompletableFuture.supplyAsync(() ->
                    http.get(b.httpPort(), "/hosts/" + watched + "?after=" + version + "&wait=30000"));
            broker.send(e.reported(watched, "boot-" + watched));
            JsonNode next = newer.join().json();
            assertTrue(next.get("version").asLong() > version, "the waiting read answered with a newer state: " + next);
            assertEquals(400, http.get(a.httpPort(), "/hosts/" + watched + "?after=soon").status());

            // the garbage record went to the dead letters with its origin
            assertTrue(deadLettered(kafka, hosts.get(0)), "garbage record dead-lettered");
        }
    }

    private JsonNode ok(int port, String path) {
        Http.Response r = http.get(port, path);
        if (r.status() != 200) {
            throw new AssertionError(path + " -> " + r.status() + " " + new String(r.body(), StandardCharsets.UTF_8));
        }
        return r.json();
    }

    private static boolean deadLettered(TestKafka kafka, String key) {
        var config = io.khp.bus.ClientSettings.of(kafka.bootstrapServers()).consumer(null);
        try (var consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition p = new TopicPartition(Topics.DEAD_LETTERS.name(), 0);
            consumer.assign(List.of(p));
            consumer.seekToBeginning(List.of(p));
            return Eventually.await(Duration.ofSeconds(30), "dead letter for " + key, () -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && key.equals(new String(r.key(), StandardCharsets.UTF_8))
                            && "ledger-streams".equals(DeadLetters.header(r.headers(), DeadLetters.CONSUMER))
                            && Topics.HOST_LIFECYCLE.name().equals(DeadLetters.header(r.headers(), DeadLetters.ORIGIN_TOPIC))) {
                        return true;
                    }
                }
                return false;
            });
        }
    }

}
