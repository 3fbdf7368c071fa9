package io.khp.ledger.streams;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;

import io.khp.bus.DeadLetters;
import io.khp.bus.EventCodec;
import io.khp.bus.Topic;
import io.khp.bus.Topics;
import io.khp.events.KhpEvent;
import io.khp.ledger.EventTopics;
import io.khp.state.HostState;
import io.khp.state.PatchState;
import io.khp.state.Rejection;

/**
 * The ledger topology in a TopologyTestDriver: pipe events to the topic their type belongs on,
 * read the ledger's outputs and stores. Outputs are drained as they are read.
 */
final class LedgerDriver implements AutoCloseable {

    private final TopologyTestDriver driver;
    private final Path stateDir;
    private final Map<String, TestInputTopic<String, byte[]>> inputs = new HashMap<>();
    private final Map<String, TestOutputTopic<String, byte[]>> outputs = new HashMap<>();
    private final EventCodec codec = EventCodec.instance();

    LedgerDriver() {
        try {
            stateDir = Files.createTempDirectory("khp-ledger-ttd");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "khp-ledger-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "ttd:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(LedgerTopology.build(), props);
        for (Topic<?, ?> t : List.of(Topics.HOST_LIFECYCLE, Topics.HOST_COMMANDS, Topics.BUILDS, Topics.ROLLOUTS)) {
            inputs.put(t.name(), driver.createInputTopic(t.name(), new StringSerializer(), new ByteArraySerializer()));
        }
        for (Topic<?, ?> t : List.of(Topics.HOST_STATE, Topics.PATCH_STATE, Topics.REJECTIONS, Topics.HOST_COMMANDS,
                Topics.ROLLOUTS, Topics.DEAD_LETTERS)) {
            outputs.put(t.name(), driver.createOutputTopic(t.name(), new StringDeserializer(), new ByteArrayDeserializer()));
        }
    }

    LedgerDriver pipe(KhpEvent... events) {
        for (KhpEvent e : events) {
            String topic = EventTopics.topicOf(e);
            String key = EventTopics.keyOf(e);
            inputs.get(topic).pipeInput(key, codec.encode(e), e.getOccurredAt());
        }
        return this;
    }

    LedgerDriver pipe(List<KhpEvent> events) {
        return pipe(events.toArray(KhpEvent[]::new));
    }

    LedgerDriver pipeRaw(String topic, String key, byte[] value) {
        inputs.get(topic).pipeInput(key, value);
        return this;
    }

    /** Lets the wall clock run, so that pending patch state is published. */
    LedgerDriver tick() {
        driver.advanceWallClockTime(PatchProcessor.PUBLISH_INTERVAL.plusMillis(1));
        return this;
    }

    /** Lets the wall clock run (held events expire). */
    LedgerDriver advance(Duration by) {
        driver.advanceWallClockTime(by);
        return this;
    }

    HostState host(String id) {
        return ((HostStateStore) driver.getAllStateStores().get(LedgerTopology.HOSTS_STORE)).get(id);
    }

    PatchState patch(String id) {
        KeyValueStore<String, PatchState> store = driver.getKeyValueStore(LedgerTopology.PATCHES_STORE);
        return store.get(id);
    }

    private List<TestRecord<String, byte[]>> drain(String topic) {
        return outputs.get(topic).readRecordsToList();
    }

    List<HostState> hostStates() {
        return drain(Topics.HOST_STATE.name()).stream().map(r -> Topics.HOST_STATE.valueSerde().deserializer().deserialize("t", r.value())).toList();
    }

    List<PatchState> patchStates() {
        return drain(Topics.PATCH_STATE.name()).stream().map(r -> Topics.PATCH_STATE.valueSerde().deserializer().deserialize("t", r.value())).toList();
    }

    List<Rejection> rejections() {
        return drain(Topics.REJECTIONS.name()).stream().map(r -> Topics.REJECTIONS.valueSerde().deserializer().deserialize("t", r.value())).toList();
    }

    /** Commands the ledger wrote (ApplyRequested, RevertRequested), with the key they were written under checked. */
    List<KhpEvent> commands() {
        return events(Topics.HOST_COMMANDS.name(), true);
    }

    List<KhpEvent> rolloutDecisions() {
        return events(Topics.ROLLOUTS.name(), false);
    }

    private List<KhpEvent> events(String topic, boolean keyedByHost) {
        List<KhpEvent> events = new ArrayList<>();
        for (TestRecord<String, byte[]> r : drain(topic)) {
            KhpEvent e = codec.decode(r.value());
            String expectedKey = keyedByHost ? e.getHostId() : e.getPatchId();
            if (!r.key().equals(expectedKey)) {
                throw new AssertionError("record on " + topic + " keyed " + r.key() + " but for " + expectedKey);
            }
            events.add(e);
        }
        return events;
    }

    List<TestRecord<String, byte[]>> deadLetters() {
        return drain(Topics.DEAD_LETTERS.name());
    }

    static String header(Headers headers, String name) {
        return DeadLetters.header(headers, name);
    }

    @Override
    public void close() {
        driver.close();
        try (var files = Files.walk(stateDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
