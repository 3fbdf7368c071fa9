package io.khp.cli;

import java.util.List;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/** Every partition of the given topics: what a command assigns to read the whole log. */
final class LogPartitions {

    private LogPartitions() {
    }

    static List<TopicPartition> of(Consumer<?, ?> consumer, List<String> topics) {
        return topics.stream()
                .flatMap(t -> consumer.partitionsFor(t).stream().map(p -> new TopicPartition(t, p.partition())))
                .toList();
    }
}
