package io.khp.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import io.khp.events.KhpEvent;
import io.khp.testkit.RealKafka;
import io.khp.testkit.TestKafka;

@RealKafka
class BusOnRealBrokerTest {

    private final TestKafka kafka;
    private final ClientSettings settings;

    BusOnRealBrokerTest(TestKafka kafka) {
        this.kafka = kafka;
        this.settings = ClientSettings.of(kafka.bootstrapServers());
    }

    @Test
    void provisioningIsIdempotentAndAppliesRetention() throws Exception {
        try (Admin admin = kafka.admin()) {
            TopicProvisioner provisioner = new TopicProvisioner(admin, (short) 1);
            provisioner.ensure(Topics.all());
            assertEquals(List.of(), provisioner.create(Topics.all()), "a second run creates nothing");
            ConfigResource lifecycle = new ConfigResource(ConfigResource.Type.TOPIC, Topics.HOST_LIFECYCLE.name());
            ConfigResource state = new ConfigResource(ConfigResource.Type.TOPIC, Topics.HOST_STATE.name());
            Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(lifecycle, state)).all().get();
            assertEquals("-1", configs.get(lifecycle).get(TopicConfig.RETENTION_MS_CONFIG).value());
            assertEquals("compact", configs.get(state).get(TopicConfig.CLEANUP_POLICY_CONFIG).value());
            assertEquals(Topics.HOST_PARTITIONS, admin.describeTopics(List.of(Topics.HOST_COMMANDS.name()))
                    .allTopicNames().get().get(Topics.HOST_COMMANDS.name()).partitions().size());
        }
    }

    @Test
    void coPartitioningMismatchIsRefusedAtStartup() {
        String a = kafka.uniqueTopic("copart-a");
        String b = kafka.uniqueTopic("copart-b");
        kafka.createTopic(b, 2); // exists already with the wrong count: provisioning leaves it, the check catches it
        var ta = new Topic<>(a, "host id", Serdes.String(), Serdes.String(), 4, Topic.Retention.FOREVER, "test-group", "a");
        var tb = new Topic<>(b, "host id", Serdes.String(), Serdes.String(), 4, Topic.Retention.FOREVER, "test-group", "b");
        try (Admin admin = kafka.admin()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new TopicProvisioner(admin, (short) 1).ensure(List.of(ta, tb)));
            assertTrue(e.getMessage().contains("test-group") && e.getMessage().contains(b), e.getMessage());
        }
    }

    @Test
    void everyEventTypeRoundTripsThroughTheBroker() {
        String topic = kafka.uniqueTopic("roundtrip");
        kafka.createTopic(topic, 3);
        List<KhpEvent> sent = SampleEvents.payloads().stream().map(SampleEvents::envelope).toList();
        KhpEventSerde serde = new KhpEventSerde();
        try (var producer = new KafkaProducer<>(settings.producer("roundtrip-test"), new StringSerializer(), serde.serializer())) {
            for (KhpEvent e : sent) {
                producer.send(new ProducerRecord<>(topic, e.getHostId(), e));
            }
            producer.flush();
        }
        List<KhpEvent> received = new ArrayList<>();
        readUntil(topic, sent.size(), r -> received.add(EventCodec.instance().decode(r.value())));
        assertEquals(sent, received, "same key, one partition: order is kept");
    }

    @Test
    void undecodableRecordsGoToTheDeadLetterTopicAndTheConsumerGoesOn() throws Exception {
        try (Admin admin = kafka.admin()) {
            new TopicProvisioner(admin, (short) 1).ensure(List.of(Topics.DEAD_LETTERS));
        }
        String topic = kafka.uniqueTopic("dlq-source");
        kafka.createTopic(topic, 1);
        byte[] good = EventCodec.instance().encode(SampleEvents.envelope(SampleEvents.payloads().get(4)));
        byte[] unknownFingerprint = good.clone();
        unknownFingerprint[4] ^= 0x33;
        byte[] random = new byte[64];
        new Random(3).nextBytes(random);
        random[0] = 0x7f;
        Map<String, byte[]> bad = Map.of(
                "random", random,
                "bad-header", "{\"json\": true}".getBytes(StandardCharsets.UTF_8),
                "unknown-fingerprint", unknownFingerprint,
                "truncated", java.util.Arrays.copyOf(good, good.length - 7),
                "empty", new byte[0]);
        try (var producer = new KafkaProducer<>(settings.producer("dlq-test"), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (var e : bad.entrySet()) {
                producer.send(new ProducerRecord<>(topic, e.getKey().getBytes(StandardCharsets.UTF_8), e.getValue()));
            }
            producer.send(new ProducerRecord<>(topic, "good".getBytes(StandardCharsets.UTF_8), good));
            producer.flush();
        }

        List<String> handled = new ArrayList<>();
        ServiceMetrics metrics = ServiceMetrics.create("KHP_TEST_METRICS_PORT", MetricsEndpoint.OFF);
        try (var dlqProducer = new KafkaProducer<>(settings.producer("dlq-writer"), new ByteArraySerializer(), new ByteArraySerializer());
             var consumer = new KafkaConsumer<byte[], byte[]>(settings.consumer("dlq-test-" + topic))) {
            EventConsumer loop = new EventConsumer(consumer, new DeadLetters(dlqProducer, "dlq-test", metrics.deadLettered()),
                    (key, event, origin) -> handled.add(key));
            loop.subscribe(List.of(topic));
            Instant deadline = Instant.now().plusSeconds(60);
            while (handled.isEmpty() && Instant.now().isBefore(deadline)) {
                loop.pollOnce(Duration.ofMillis(200));
            }
        }
        assertEquals(List.of("good"), handled, "the good record after five bad ones is handled");
        double counted = metrics.deadLettered().collect().getDataPoints().stream()
                .filter(p -> topic.equals(p.getLabels().get("topic"))).mapToDouble(p -> p.getValue()).sum();
        assertEquals(bad.size(), counted, "every letter is counted under its topic");

        Map<String, ConsumerRecord<byte[], byte[]>> letters = new java.util.HashMap<>();
        readUntil(Topics.DEAD_LETTERS.name(), Integer.MAX_VALUE, r -> {
            if (topic.equals(DeadLetters.header(r.headers(), DeadLetters.ORIGIN_TOPIC))) {
                letters.put(new String(r.key(), StandardCharsets.UTF_8), r);
            }
        }, () -> letters.size() >= bad.size());
        assertEquals(bad.keySet(), letters.keySet());
        Set<Long> offsets = new java.util.HashSet<>();
        for (var e : letters.entrySet()) {
            ConsumerRecord<byte[], byte[]> letter = e.getValue();
            assertTrue(java.util.Arrays.equals(bad.get(e.getKey()), letter.value()), "the value is kept unchanged: " + e.getKey());
            assertEquals("0", DeadLetters.header(letter.headers(), DeadLetters.ORIGIN_PARTITION));
            offsets.add(Long.parseLong(DeadLetters.header(letter.headers(), DeadLetters.ORIGIN_OFFSET)));
            assertEquals("dlq-test", DeadLetters.header(letter.headers(), DeadLetters.CONSUMER));
            assertTrue(DeadLetters.header(letter.headers(), DeadLetters.ERROR).length() > 5);
        }
        assertEquals(Set.of(0L, 1L, 2L, 3L, 4L), offsets);
        assertTrue(DeadLetters.header(letters.get("unknown-fingerprint").headers(), DeadLetters.ERROR).contains("unknown schema fingerprint"));
        assertTrue(DeadLetters.header(letters.get("random").headers(), DeadLetters.ERROR).contains("bad header"));
    }

    private void readUntil(String topic, int count, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        int[] seen = {0};
        readUntil(topic, count, r -> {
            sink.accept(r);
            seen[0]++;
        }, () -> seen[0] >= count);
    }

    private void readUntil(String topic, int count, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> sink,
            java.util.function.BooleanSupplier done) {
        try (var consumer = new KafkaConsumer<byte[], byte[]>(settings.consumer(null))) {
            List<TopicPartition> partitions = LogPartitions.of(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Instant deadline = Instant.now().plusSeconds(60);
            while (!done.getAsBoolean()) {
                if (Instant.now().isAfter(deadline)) {
                    throw new AssertionError("records did not arrive on " + topic + " within 60 s");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(sink);
            }
        }
    }
}
