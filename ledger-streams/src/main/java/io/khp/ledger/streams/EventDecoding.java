package io.khp.ledger.streams;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.khp.bus.DeadLetters;
import io.khp.bus.EventCodec;
import io.khp.bus.UndecodableEventException;
import io.khp.events.KhpEvent;

/**
 * Decodes input records inside the topology: a record that is not a readable khp event is sent to
 * khp.dead-letters (in the same transaction as everything else) with the headers every khp consumer
 * writes, and processing goes on.
 */
final class EventDecoding {

    private static final Logger LOG = LoggerFactory.getLogger(EventDecoding.class);
    static final String CONSUMER = "ledger-streams";
    private static final EventCodec CODEC = EventCodec.instance();

    private EventDecoding() {
    }

    static Optional<KhpEvent> decode(ProcessorContext<String, Outbound> context, Record<String, ?> record, byte[] value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(CODEC.decode(value));
        } catch (UndecodableEventException e) {
            RecordMetadata origin = context.recordMetadata().orElse(null);
            String topic = origin == null ? "unknown" : origin.topic();
            int partition = origin == null ? -1 : origin.partition();
            long offset = origin == null ? -1 : origin.offset();
            LOG.warn("dead-lettering {}-{}@{}: {}", topic, partition, offset, e.getMessage());
            byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
            ConsumerRecord<byte[], byte[]> consumed = new ConsumerRecord<>(topic, partition, offset, record.timestamp(),
                    TimestampType.CREATE_TIME, key == null ? -1 : key.length, value.length, key, value, record.headers(),
                    Optional.empty());
            ProducerRecord<byte[], byte[]> letter = DeadLetters.letterFor(consumed, e, CONSUMER);
            context.forward(new Record<>(record.key(), new Outbound(letter.topic(), letter.value()), record.timestamp(),
                    letter.headers()));
            return Optional.empty();
        }
    }
}
