package io.khp.agent.bus;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.khp.agent.AgentOutput;
import io.khp.bus.EventCodec;
import io.khp.bus.Topics;
import io.khp.events.KhpEvent;

/** Publishes the agent's events, keyed by host id, with khp's idempotent acks=all producer. */
public final class KafkaAgentOutput implements AgentOutput {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaAgentOutput.class);

    private final KafkaProducer<byte[], byte[]> producer;
    private final EventCodec codec = EventCodec.instance();

    public KafkaAgentOutput(KafkaProducer<byte[], byte[]> producer) {
        this.producer = producer;
    }

    @Override
    public void lifecycle(KhpEvent event) {
        send(Topics.HOST_LIFECYCLE.name(), event);
    }

    /** On the lifecycle topic too: a host's reports and lifecycle events stay in the order they were sent. */
    @Override
    public void report(KhpEvent event) {
        send(Topics.HOST_LIFECYCLE.name(), event);
    }

    private void send(String topic, KhpEvent event) {
        byte[] key = event.getHostId().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(topic, key, codec.encode(event)), (meta, error) -> {
            if (error != null) {
                LOG.error("cannot publish {} {} of host {} to {}: {}", io.khp.bus.Events.typeOf(event), event.getEventId(),
                        event.getHostId(), topic, error.getMessage());
            }
        });
    }
}
