package io.khp.bus;

import java.util.List;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/** Every partition of the given topics: what a reader assigns to read the whole log of those topics. */
public final class LogPartitions {

    private LogPartitions() {
    }

    public static List<TopicPartition> of(Consumer<?, ?> consumer, List<String> topics) {
        return topics.stream()
                .flatMap(t -> consumer.partitionsFor(t).stream().map(p -> new TopicPartition(t, p.partition())))
                .toList();
    }

    public static List<TopicPartition> of(Consumer<?, ?> consumer, String topic) {
        return of(consumer, List.of(topic));
    }
}
