package io.khp.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import io.khp.bus.ClientSettings;
import io.khp.bus.EventCodec;
import io.khp.bus.UndecodableEventException;
import io.khp.events.KhpEvent;
import io.khp.bus.LogPartitions;

/**
 * Follows topics from their current end: open it before publishing a request, then {@link #until}
 * sees everything published in answer. Undecodable records are passed over (services dead-letter them).
 */
final class EventWatch implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;

    EventWatch(ClientSettings settings, List<String> topics) {
        consumer = new KafkaConsumer<>(settings.consumer(null));
        List<TopicPartition> partitions = LogPartitions.of(consumer, topics);
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // fix the start before the caller publishes
    }

    /**
     * Feeds every new event to {@code step} until it returns a result, or {@code timeout} passes
     * (empty result). A thread interrupt (Ctrl-C) ends the wait too: requests already published stand.
     */
    <T> Optional<T> until(Duration timeout, Function<KhpEvent, Optional<T>> step) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline) && !Thread.currentThread().isInterrupted()) {
            for (var record : consumer.poll(Duration.ofMillis(250))) {
                KhpEvent event;
                try {
                    event = EventCodec.instance().decode(record.value());
                } catch (UndecodableEventException e) {
                    continue;
                }
                Optional<T> result = step.apply(event);
                if (result.isPresent()) {
                    return result;
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        consumer.close();
    }
}
