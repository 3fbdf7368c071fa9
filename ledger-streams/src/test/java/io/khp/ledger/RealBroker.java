package io.khp.ledger;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;

import io.khp.bus.ClientSettings;
import io.khp.bus.EventCodec;
import io.khp.bus.TopicProvisioner;
import io.khp.bus.Topics;
import io.khp.events.KhpEvent;
import io.khp.testkit.TestKafka;

/** Ledger instances and an event producer on the test broker; cleans up state dirs on close. */
final class RealBroker implements AutoCloseable {

    final TestKafka kafka;
    final ClientSettings settings;
    final String applicationId = "khp-ledger-test-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<LedgerApp> apps = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();
    private final KafkaProducer<String, byte[]> producer;

    RealBroker(TestKafka kafka) {
        this.kafka = kafka;
        this.settings = ClientSettings.of(kafka.bootstrapServers());
        try (Admin admin = kafka.admin()) {
            new TopicProvisioner(admin, (short) 1).ensure(Topics.all());
        }
        producer = new KafkaProducer<>(settings.producer("ledger-test"), new StringSerializer(), new ByteArraySerializer());
    }

    LedgerApp startLedger() {
        return startLedger(Map.of());
    }

    /** A ledger instance with these KHP_LEDGER_… settings on top of the defaults. */
    LedgerApp startLedger(Map<String, String> env) {
        try {
            Path dir = Files.createTempDirectory("khp-ledger-state");
            dirs.add(dir);
            LedgerConfig config = LedgerConfig.from(env).withApplicationId(applicationId).withHttpPort(0).withStateDir(dir);
            LedgerApp app = new LedgerApp(settings, config);
            apps.add(app);
            app.start();
            return app;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    void awaitRunning(LedgerApp... running) {
        Eventually.await(Duration.ofSeconds(90), "ledger instances RUNNING", () -> {
            for (LedgerApp a : running) {
                if (a.streams().state() != KafkaStreams.State.RUNNING) {
                    return false;
                }
            }
            return true;
        });
    }

    void send(KhpEvent... events) {
        for (KhpEvent e : events) {
            String topic = EventTopics.topicOf(e);
            String key = EventTopics.keyOf(e);
            producer.send(new ProducerRecord<>(topic, null, e.getOccurredAt().toEpochMilli(), key, EventCodec.instance().encode(e)));
        }
        producer.flush();
    }

    void send(List<KhpEvent> events) {
        send(events.toArray(KhpEvent[]::new));
    }

    /**
     * A record stamped {@code at}: on the clock of the events around it, as Kafka Streams takes a
     * task's records in timestamp order, and one stamped later than the events behind it would hold
     * its partition back behind the other topic's.
     */
    void sendRaw(String topic, String key, byte[] value, Instant at) {
        producer.send(new ProducerRecord<>(topic, null, at.toEpochMilli(), key, value));
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
        apps.forEach(LedgerApp::close);
        for (Path dir : dirs) {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (java.io.IOException e) {
                // the directory may be gone already
            }
        }
    }
}
