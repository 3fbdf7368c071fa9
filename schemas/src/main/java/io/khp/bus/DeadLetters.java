package io.khp.bus;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import io.prometheus.metrics.core.metrics.Counter;

/**
 * Sends records that could not be decoded to {@link Topics#DEAD_LETTERS}, unchanged, with what went
 * wrong and where the record came from in headers, so nothing is lost and an operator can replay it.
 */
public final class DeadLetters {

    public static final String ERROR = "khp.dlq.error";
    public static final String EXCEPTION = "khp.dlq.exception";
    public static final String ORIGIN_TOPIC = "khp.dlq.topic";
    public static final String ORIGIN_PARTITION = "khp.dlq.partition";
    public static final String ORIGIN_OFFSET = "khp.dlq.offset";
    public static final String CONSUMER = "khp.dlq.consumer";

    private final Producer<byte[], byte[]> producer;
    private final String consumerName;
    private final Counter deadLettered;

    /** @param deadLettered counted per letter sent, by the record's topic and the exception's class ({@link ServiceMetrics}) */
    public DeadLetters(Producer<byte[], byte[]> producer, String consumerName, Counter deadLettered) {
        this.producer = producer;
        this.consumerName = consumerName;
        this.deadLettered = deadLettered;
    }

    /** Counts the letter of {@code record} on {@code deadLettered}; bounded labels: khp's topics and exception classes. */
    public static void count(Counter deadLettered, ConsumerRecord<?, ?> record, Exception error) {
        deadLettered.labelValues(record.topic(), error.getClass().getSimpleName()).inc();
    }

    /** Builds the dead-letter record for {@code record}; the original headers are kept. */
    public static ProducerRecord<byte[], byte[]> letterFor(ConsumerRecord<byte[], byte[]> record, Exception error, String consumerName) {
        Headers headers = new RecordHeaders(record.headers().toArray());
        put(headers, ERROR, error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage());
        put(headers, EXCEPTION, error.getClass().getName());
        put(headers, ORIGIN_TOPIC, record.topic());
        put(headers, ORIGIN_PARTITION, Integer.toString(record.partition()));
        put(headers, ORIGIN_OFFSET, Long.toString(record.offset()));
        put(headers, CONSUMER, consumerName);
        return new ProducerRecord<>(Topics.DEAD_LETTERS.name(), null, record.key(), record.value(), headers);
    }

    /** Sends the letter and waits for the broker to take it, so the caller may commit past the record. */
    public void send(ConsumerRecord<byte[], byte[]> record, Exception error) {
        try {
            producer.send(letterFor(record, error, consumerName)).get();
            count(deadLettered, record, error);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while dead-lettering " + record.topic() + "@" + record.offset(), e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot dead-letter " + record.topic() + "@" + record.offset(), e.getCause());
        }
    }

    public static String header(Headers headers, String name) {
        var h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
