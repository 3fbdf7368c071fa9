package io.khp.bus;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.khp.events.KhpEvent;

/**
 * A poll loop over raw records that decodes each value into a {@link KhpEvent} and hands it to a
 * handler. Records that do not decode go to the dead-letter topic and the loop goes on. The
 * consumer must use byte-array deserializers; offsets are committed after each handled batch.
 */
public final class EventConsumer implements Runnable, AutoCloseable {

    /** What a service does with one decoded event. */
    @FunctionalInterface
    public interface Handler {
        void handle(String key, KhpEvent event, ConsumerRecord<byte[], byte[]> origin) throws Exception;
    }

    private static final Logger LOG = LoggerFactory.getLogger(EventConsumer.class);

    private final Consumer<byte[], byte[]> consumer;
    private final DeadLetters deadLetters;
    private final Handler handler;
    private final EventCodec codec = EventCodec.instance();
    private final AtomicBoolean running = new AtomicBoolean(true);

    public EventConsumer(Consumer<byte[], byte[]> consumer, DeadLetters deadLetters, Handler handler) {
        this.consumer = consumer;
        this.deadLetters = deadLetters;
        this.handler = handler;
    }

    public void subscribe(Collection<String> topics) {
        consumer.subscribe(topics);
    }

    @Override
    public void run() {
        try {
            while (running.get()) {
                pollOnce(Duration.ofMillis(500));
            }
        } catch (WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } finally {
            consumer.close();
        }
    }

    /** One poll: every record is either handled or dead-lettered before offsets are committed. */
    public void pollOnce(Duration timeout) {
        var records = consumer.poll(timeout);
        for (ConsumerRecord<byte[], byte[]> record : records) {
            dispatch(record);
        }
        if (!records.isEmpty()) {
            consumer.commitSync();
        }
    }

    private void dispatch(ConsumerRecord<byte[], byte[]> record) {
        KhpEvent event;
        try {
            event = codec.decode(record.value());
        } catch (UndecodableEventException e) {
            LOG.warn("dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            deadLetters.send(record, e);
            return;
        }
        String key = record.key() == null ? null : new String(record.key(), java.nio.charset.StandardCharsets.UTF_8);
        try {
            handler.handle(key, event, record);
        } catch (Exception e) {
            LOG.error("handler failed on {}-{}@{} ({}); dead-lettering it", record.topic(), record.partition(),
                    record.offset(), event.getPayload().getClass().getSimpleName(), e);
            deadLetters.send(record, e);
        }
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
    }
}
