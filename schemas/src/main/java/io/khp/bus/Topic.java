package io.khp.bus;

import java.util.Map;

import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;

/**
 * One Kafka topic of khp: its name, the serdes of its keys and values, and how it is kept.
 * {@code coPartitionGroup} names topics that must have the same partition count because they are
 * keyed alike (all per-host topics are in group "host").
 */
public record Topic<K, V>(
        String name,
        String keyDescription,
        Serde<K> keySerde,
        Serde<V> valueSerde,
        int partitions,
        Retention retention,
        String coPartitionGroup,
        String contents,
        int maxMessageBytes) {

    /** Largest record a khp topic takes unless it says otherwise (the broker's default). */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

    public Topic(String name, String keyDescription, Serde<K> keySerde, Serde<V> valueSerde, int partitions,
            Retention retention, String coPartitionGroup, String contents) {
        this(name, keyDescription, keySerde, valueSerde, partitions, retention, coPartitionGroup, contents,
                DEFAULT_MAX_MESSAGE_BYTES);
    }

    public enum Retention {
        /** Append-only history kept forever: the audit log. */
        FOREVER,
        /** Latest value per key, kept forever: state for monitoring consumers. */
        COMPACTED,
        /** Kept for a limited time (dead letters, rejections). */
        THIRTY_DAYS
    }

    /** Topic-level configuration passed to the admin client when the topic is created. */
    public Map<String, String> config() {
        Map<String, String> config = new java.util.HashMap<>(retentionConfig());
        config.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(maxMessageBytes));
        return config;
    }

    private Map<String, String> retentionConfig() {
        return switch (retention) {
            case FOREVER -> Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                    TopicConfig.RETENTION_MS_CONFIG, "-1",
                    TopicConfig.RETENTION_BYTES_CONFIG, "-1");
            case COMPACTED -> Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.RETENTION_MS_CONFIG, "-1");
            case THIRTY_DAYS -> Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                    TopicConfig.RETENTION_MS_CONFIG, Long.toString(30L * 24 * 3600 * 1000));
        };
    }
}
