package io.khp.builder;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.khp.builder.core.CommitFrontier;
import io.khp.bus.DeadLetters;
import io.khp.bus.EventCodec;
import io.khp.bus.EventConsumer;
import io.khp.bus.UndecodableEventException;

/**
 * Build requests handled by up to {@code workers} threads at once, also when they share a
 * partition (all of a patch's requests, one per kernel, have its id as key). One thread owns the
 * consumer: it polls while a worker is free (partitions paused otherwise), and commits each
 * partition up to its oldest unfinished request, so a crash redelivers what was not answered
 * (answers have deterministic ids).
 */
final class ConcurrentBuildConsumer implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConcurrentBuildConsumer.class);

    private final Consumer<byte[], byte[]> consumer;
    private final DeadLetters deadLetters;
    private final EventConsumer.Handler handler;
    private final int workers;
    private final ExecutorService pool;
    private final LinkedBlockingQueue<ConsumerRecord<byte[], byte[]>> done = new LinkedBlockingQueue<>();
    private final CommitFrontier<TopicPartition> frontier = new CommitFrontier<>();
    private final EventCodec codec = EventCodec.instance();
    private final AtomicBoolean running = new AtomicBoolean(true);

    ConcurrentBuildConsumer(Consumer<byte[], byte[]> consumer, DeadLetters deadLetters, int workers, String name,
            EventConsumer.Handler handler) {
        this.consumer = consumer;
        this.deadLetters = deadLetters;
        this.handler = handler;
        this.workers = workers;
        this.pool = Executors.newFixedThreadPool(workers, r -> new Thread(r, name + "-build-" + System.identityHashCode(r)));
    }

    void subscribe(Collection<String> topics) {
        consumer.subscribe(topics, new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                drainDone();
                commit();
                frontier.forget(partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            }
        });
    }

    @Override
    public void run() {
        try {
            while (running.get()) {
                drainDone();
                commit();
                if (frontier.unfinished() >= workers) {
                    consumer.pause(consumer.assignment());
                } else {
                    consumer.resume(consumer.paused());
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    frontier.started(new TopicPartition(record.topic(), record.partition()), record.offset());
                    pool.submit(() -> handle(record));
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } finally {
            pool.shutdown();
            try {
                pool.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            drainDone();
            commit();
            consumer.close();
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> record) {
        try {
            var event = codec.decode(record.value());
            String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
            handler.handle(key, event, record);
        } catch (UndecodableEventException e) {
            LOG.warn("dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            deadLetters.send(record, e);
        } catch (Exception e) {
            LOG.error("handler failed on {}-{}@{}; dead-lettering it", record.topic(), record.partition(), record.offset(), e);
            deadLetters.send(record, e);
        } finally {
            done.add(record);
        }
    }

    private void drainDone() {
        ConsumerRecord<byte[], byte[]> record;
        while ((record = done.poll()) != null) {
            frontier.finished(new TopicPartition(record.topic(), record.partition()), record.offset());
        }
    }

    private void commit() {
        Map<TopicPartition, Long> positions = frontier.toCommit();
        if (positions.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        positions.forEach((tp, offset) -> offsets.put(tp, new OffsetAndMetadata(offset)));
        consumer.commitSync(offsets);
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
    }

}
