package io.khp.verifier;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.khp.bus.ClientSettings;
import io.khp.bus.DeadLetters;
import io.khp.bus.EventCodec;
import io.khp.bus.EventConsumer;
import io.khp.bus.Events;
import io.khp.bus.Topics;
import io.khp.bus.UndecodableEventException;
import io.khp.events.KhpEvent;
import io.khp.events.PatchBuilt;
import io.khp.events.PreRunVerified;
import io.khp.events.RunObjectCaptured;
import io.khp.bus.LogPartitions;

/**
 * The Kafka side of the verifier, on one thread. khp.builds is read whole, from the beginning, by
 * every instance (it is the verifier's manifest store, not a work queue: no consumer group, nothing
 * dead-lettered there, records that do not decode are logged and skipped). khp.host-lifecycle is
 * consumed in the verifier's group: RunObjectCaptured is answered with PreRunVerified on the same
 * topic and key; what does not decode, or names no host or patch, goes to the dead-letter topic.
 * An answer's event id is derived from the capture's, so a repeated answer is recognisably the same.
 */
final class VerifierWorker implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VerifierWorker.class);

    private final String name;
    private final RunPreVerifier verifier;
    private final Clock clock;
    private final Events events;
    private final EventCodec codec = EventCodec.instance();
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> builds;
    private final KafkaConsumer<byte[], byte[]> lifecycleConsumer;
    private final EventConsumer lifecycle;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger waiting = new AtomicInteger();
    private final VerifierMetrics metrics;

    VerifierWorker(String name, ClientSettings client, String groupId, RunPreVerifier verifier, Clock clock, VerifierMetrics metrics) {
        this.name = name;
        this.metrics = metrics;
        this.verifier = verifier;
        this.clock = clock;
        this.events = new Events(name, clock);
        this.producer = new KafkaProducer<>(client.producer(name));
        this.builds = new KafkaConsumer<>(client.consumer(null));
        this.lifecycleConsumer = new KafkaConsumer<>(client.consumer(groupId));
        this.lifecycle = new EventConsumer(lifecycleConsumer, new DeadLetters(producer, name, metrics.service.deadLettered()), this::onLifecycle);
        metrics.lag.add(lifecycleConsumer::metrics);
    }

    @Override
    public void run() {
        try {
            List<TopicPartition> partitions = LogPartitions.of(builds, Topics.BUILDS.name());
            builds.assign(partitions);
            builds.seekToBeginning(partitions);
            catchUp(partitions);
            lifecycle.subscribe(List.of(Topics.HOST_LIFECYCLE.name()));
            LOG.info("{}: manifests loaded, answering captures", name);
            while (running.get()) {
                try {
                    pollBuilds(Duration.ofMillis(20));
                    lifecycle.pollOnce(Duration.ofMillis(200));
                    publish(verifier.expire(clock.instant()));
                    waiting.set(verifier.waitingCount());
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    // e.g. the broker unreachable while publishing: read what was not committed again
                    LOG.error("{}: iteration failed, rewinding to the committed offsets: {}", name, e.getMessage(), e);
                    rewind();
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                LOG.error("{}: woken up while running", name, e);
            }
        } catch (RuntimeException e) {
            LOG.error("{}: worker failed", name, e);
        } finally {
            builds.close();
            lifecycleConsumer.close();
            producer.close(Duration.ofSeconds(5));
        }
    }

    long cacheHits() {
        return verifier.cache().hits();
    }

    int waitingCaptures() {
        return waiting.get();
    }

    /** Back to the last committed offsets of the lifecycle topic; captures answered already are not answered again. */
    private void rewind() {
        try {
            var assigned = lifecycleConsumer.assignment();
            var committed = lifecycleConsumer.committed(assigned);
            for (TopicPartition tp : assigned) {
                var offset = committed.get(tp);
                if (offset == null) {
                    lifecycleConsumer.seekToBeginning(List.of(tp));
                } else {
                    lifecycleConsumer.seek(tp, offset.offset());
                }
            }
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.error("{}: cannot rewind yet: {}", name, e.getMessage());
        }
    }

    /** Reads khp.builds up to where it ended at start, so known patches are answered at once. */
    private void catchUp(List<TopicPartition> partitions) {
        Map<TopicPartition, Long> end = builds.endOffsets(partitions);
        while (running.get() && end.entrySet().stream().anyMatch(e -> builds.position(e.getKey()) < e.getValue())) {
            pollBuilds(Duration.ofMillis(200));
        }
    }

    private void pollBuilds(Duration timeout) {
        for (ConsumerRecord<byte[], byte[]> record : builds.poll(timeout)) {
            KhpEvent event;
            try {
                event = codec.decode(record.value());
            } catch (UndecodableEventException e) {
                LOG.warn("{}: skipping undecodable {}-{}@{}: {}", name, record.topic(), record.partition(), record.offset(),
                        e.getMessage());
                continue;
            }
            if (event.getPayload() instanceof PatchBuilt built) {
                String patchId = event.getPatchId() != null ? event.getPatchId() : key(record);
                if (patchId == null) {
                    LOG.warn("{}: PatchBuilt {} names no patch id; ignored", name, event.getEventId());
                    continue;
                }
                publish(verifier.onPatchBuilt(patchId, built));
            }
        }
    }

    private void onLifecycle(String key, KhpEvent event, ConsumerRecord<byte[], byte[]> origin) {
        if (event.getPayload() instanceof RunObjectCaptured) {
            publish(verifier.onCapture(event, clock.instant()));
        } else if (event.getPayload() instanceof PreRunVerified && name.equals(event.getSource())
                && event.getCausationId() != null) {
            verifier.markAnswered(event.getCausationId());
        }
    }

    private void publish(List<RunPreVerifier.Answer> answers) {
        for (RunPreVerifier.Answer a : answers) {
            KhpEvent capture = a.capture();
            KhpEvent answer = events.answering(capture)
                    .setEventId(Events.deterministicId("PreRunVerified", capture.getEventId()))
                    .setPayload(a.verdict())
                    .build();
            try {
                producer.send(new ProducerRecord<>(Topics.HOST_LIFECYCLE.name(),
                        capture.getHostId().getBytes(StandardCharsets.UTF_8), codec.encode(answer))).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while publishing PreRunVerified", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot publish PreRunVerified for " + capture.getEventId(), e.getCause());
            }
            metrics.answered(a.verdict(), capture.getOccurredAt(), clock.instant());
            LOG.info("{}: host {} patch {}: {} ({})", name, capture.getHostId(), capture.getPatchId(),
                    a.verdict().getVerdict(), a.verdict().getReason());
        }
    }

    private static String key(ConsumerRecord<byte[], byte[]> record) {
        return record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        running.set(false);
        builds.wakeup();
        lifecycleConsumer.wakeup();
    }
}
