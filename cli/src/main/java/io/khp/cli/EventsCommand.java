package io.khp.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import io.khp.bus.EventCodec;
import io.khp.bus.Topics;
import io.khp.bus.UndecodableEventException;
import io.khp.events.KhpEvent;
import io.khp.bus.LogPartitions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "events", description = "Print khp events from the log, oldest first, one line each.")
final class EventsCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--topic", description = "Topics to read (default: builds, rollouts, host commands, host lifecycle and reports)")
    List<String> topics = List.of(Topics.BUILDS.name(), Topics.ROLLOUTS.name(), Topics.HOST_COMMANDS.name(),
            Topics.HOST_LIFECYCLE.name());

    @Option(names = "--host", description = "Only events of this host")
    String host;

    @Option(names = "--correlation", description = "Only events of this build or rollout")
    String correlation;

    @Option(names = "--idle-ms", defaultValue = "2000", description = "Stop after this long without new events")
    long idleMs;

    @Option(names = "--json", description = "One JSON object per event (type, ids, time, topic, offset, summary)")
    boolean json;

    @Override
    public Integer call() {
        try (var consumer = new KafkaConsumer<byte[], byte[]>(kafka.settings().consumer(null))) {
            List<TopicPartition> partitions = LogPartitions.of(consumer, topics);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Instant lastSeen = Instant.now();
            while (Duration.between(lastSeen, Instant.now()).toMillis() < idleMs) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    lastSeen = Instant.now();
                }
                for (var record : records) {
                    try {
                        KhpEvent event = EventCodec.instance().decode(record.value());
                        if ((host == null || host.equals(event.getHostId()))
                                && (correlation == null || correlation.equals(event.getCorrelationId()))) {
                            System.out.println(json ? Json.object("type", io.khp.bus.Events.typeOf(event),
                                    "eventId", event.getEventId(), "occurredAt", event.getOccurredAt().toString(),
                                    "source", event.getSource(), "hostId", event.getHostId(), "patchId", event.getPatchId(),
                                    "correlationId", event.getCorrelationId(), "topic", record.topic(),
                                    "partition", record.partition(), "offset", record.offset(),
                                    "summary", EventLine.gist(event.getPayload())) : EventLine.of(event));
                        }
                    } catch (UndecodableEventException e) {
                        System.out.println(json ? Json.object("type", "undecodable", "topic", record.topic(), "partition",
                                record.partition(), "offset", record.offset(), "error", e.reason())
                                : String.format("%s-%d@%d: undecodable (%s)", record.topic(), record.partition(), record.offset(), e.reason()));
                    }
                }
            }
        }
        return 0;
    }
}
