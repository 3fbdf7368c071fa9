package io.khp.agent.testing;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import io.khp.bus.ClientSettings;
import io.khp.bus.EventCodec;
import io.khp.bus.TopicProvisioner;
import io.khp.bus.Topics;
import io.khp.events.KhpEvent;
import io.khp.testkit.TestKafka;

/** The real broker as the tests use it: khp's topics provisioned, a producer for commands, verdicts and artifacts. */
public final class Bus implements AutoCloseable {

    private final ClientSettings settings;
    private final KafkaProducer<byte[], byte[]> producer;

    public Bus(TestKafka kafka) {
        settings = ClientSettings.of(kafka.bootstrapServers());
        try (Admin admin = kafka.admin()) {
            new TopicProvisioner(admin, (short) 1).ensure(Topics.all());
        } catch (Exception e) {
            throw new IllegalStateException("cannot provision khp topics", e);
        }
        producer = new KafkaProducer<>(settings.producer("agent-test"));
    }

    public ClientSettings settings() {
        return settings;
    }

    public void command(KhpEvent e) {
        send(Topics.HOST_COMMANDS.name(), e.getHostId(), EventCodec.instance().encode(e));
    }

    public void lifecycle(KhpEvent e) {
        send(Topics.HOST_LIFECYCLE.name(), e.getHostId(), EventCodec.instance().encode(e));
    }

    public void artifact(String sha256, byte[] module) {
        send(Topics.ARTIFACTS.name(), sha256, module);
    }

    private void send(String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot send to " + topic, e);
        }
    }

    /** Sends without waiting for each acknowledgement; {@link #flush} waits for all. */
    public void commandAsync(KhpEvent e) {
        producer.send(new ProducerRecord<>(Topics.HOST_COMMANDS.name(), e.getHostId().getBytes(StandardCharsets.UTF_8),
                EventCodec.instance().encode(e)));
    }

    public void lifecycleAsync(KhpEvent e) {
        producer.send(new ProducerRecord<>(Topics.HOST_LIFECYCLE.name(), e.getHostId().getBytes(StandardCharsets.UTF_8),
                EventCodec.instance().encode(e)));
    }

    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
