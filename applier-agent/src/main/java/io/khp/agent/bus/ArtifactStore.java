package io.khp.agent.bus;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
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
import io.khp.bus.LogPartitions;

/**
 * Module bytes read from the compacted artifacts topic (key = hex sha256), from its beginning, on a
 * thread of its own. Memory stays bounded: only the artifacts used last are kept
 * ({@link ArtifactCache}); of the others the store remembers where they are on the topic and reads
 * them again when asked. Whether bytes really hash to their key is checked by the agent before loading.
 */
public final class ArtifactStore implements ArtifactSource, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ArtifactStore.class);
    private static final Duration REREAD_TIMEOUT = Duration.ofSeconds(10);

    private record Location(TopicPartition partition, long offset) {
    }

    private final ClientSettings settings;
    private final String clientId;
    private final ArtifactCache cache;
    private final Map<String, Location> seen = new ConcurrentHashMap<>();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    // guarded by this
    private KafkaConsumer<byte[], byte[]> rereader;

    public ArtifactStore(ClientSettings settings, String clientId, ArtifactCache cache) {
        this.settings = settings;
        this.clientId = clientId;
        this.cache = cache;
        consumer = new KafkaConsumer<>(config(settings, clientId));
        List<TopicPartition> partitions = LogPartitions.of(consumer, Topics.ARTIFACTS.name());
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = new Thread(this::run, clientId);
        thread.setDaemon(true);
        thread.start();
    }

    private static Map<String, Object> config(ClientSettings settings, String clientId) {
        var config = settings.consumer(null);
        config.put("client.id", clientId);
        config.put("max.partition.fetch.bytes", Topics.ARTIFACTS.maxMessageBytes());
        config.put("fetch.max.bytes", Topics.ARTIFACTS.maxMessageBytes() * 2);
        return config;
    }

    private void run() {
        try {
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.key() == null) {
                        continue;
                    }
                    String sha = new String(r.key(), StandardCharsets.UTF_8).toLowerCase();
                    if (r.value() == null) {
                        seen.remove(sha);
                        continue;
                    }
                    seen.put(sha, new Location(new TopicPartition(r.topic(), r.partition()), r.offset()));
                    cache.put(sha, r.value());
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

    /** Whether the topic holds this artifact (read so far). */
    public boolean seen(String sha256) {
        return seen.containsKey(sha256.toLowerCase());
    }

    @Override
    public byte[] find(String sha256) {
        String sha = sha256.toLowerCase();
        byte[] bytes = cache.get(sha);
        if (bytes != null) {
            return bytes;
        }
        Location at = seen.get(sha);
        return at == null ? null : reread(sha, at);
    }

    /** Reads an artifact the cache let go again from where the topic has it. */
    private synchronized byte[] reread(String sha, Location at) {
        byte[] bytes = cache.get(sha);
        if (bytes != null || !running.get()) {
            return bytes;
        }
        if (rereader == null) {
            rereader = new KafkaConsumer<>(config(settings, clientId + "-reread"));
        }
        rereader.assign(List.of(at.partition()));
        rereader.seek(at.partition(), at.offset());
        Instant deadline = Instant.now().plus(REREAD_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            for (ConsumerRecord<byte[], byte[]> r : rereader.poll(Duration.ofMillis(200))) {
                if (r.offset() == at.offset() && r.value() != null) {
                    cache.put(sha, r.value());
                    return r.value();
                }
                if (r.offset() > at.offset()) {
                    return null;
                }
            }
        }
        LOG.warn("artifact {}: not read again from {}@{} within {}", sha, at.partition(), at.offset(), REREAD_TIMEOUT);
        return null;
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
        synchronized (this) {
            if (rereader != null) {
                rereader.close();
                rereader = null;
            }
        }
    }
}
