package io.khp.agent.bus;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.khp.agent.ArtifactSource;
import io.khp.bus.ClientSettings;
import io.khp.bus.Topics;

/**
 * Module bytes read from the compacted artifacts topic (key = hex sha256), from its beginning, on a
 * thread of its own. Bytes are kept by the sha256 the key names; whether they really hash to it is
 * checked by the agent before loading.
 */
public final class ArtifactStore implements ArtifactSource, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ArtifactStore.class);

    private final Map<String, byte[]> bytes = new ConcurrentHashMap<>();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    public ArtifactStore(ClientSettings settings, String clientId) {
        var config = settings.consumer(null);
        config.put("client.id", clientId);
        config.put("max.partition.fetch.bytes", Topics.ARTIFACTS.maxMessageBytes());
        config.put("fetch.max.bytes", Topics.ARTIFACTS.maxMessageBytes() * 2);
        consumer = new KafkaConsumer<>(config);
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.ARTIFACTS.name()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = new Thread(this::run, clientId);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.key() == null || r.value() == null) {
                        continue;
                    }
                    String sha = new String(r.key(), java.nio.charset.StandardCharsets.UTF_8).toLowerCase();
                    bytes.put(sha, r.value());
                    LOG.debug("artifact {} ({} bytes) available", sha, r.value().length);
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                LOG.error("artifact reader stopped unexpectedly", e);
            }
        } catch (RuntimeException e) {
            LOG.error("artifact reader failed", e);
        } finally {
            consumer.close();
        }
    }

    @Override
    public byte[] find(String sha256) {
        return bytes.get(sha256.toLowerCase());
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
