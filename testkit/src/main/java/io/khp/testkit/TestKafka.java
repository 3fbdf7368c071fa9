package io.khp.testkit;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;

/** A running Kafka cluster that tests may use. Shared by every test of one JVM. */
public interface TestKafka {

    String bootstrapServers();

    /** Client properties every producer, consumer, admin or Streams app of a test starts from. */
    default Map<String, Object> clientConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return config;
    }

    /** A topic name no other test uses, so tests never see each other's records. */
    default String uniqueTopic(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    default Admin admin() {
        return Admin.create(clientConfig());
    }

    default void createTopic(String name, int partitions) {
        try (Admin admin = admin()) {
            admin.createTopics(java.util.List.of(new NewTopic(name, partitions, (short) 1))).all().get();
            // a leader answering ListOffsets has made its partition: producing earlier can lose a batch (KAFKA-15591)
            Map<TopicPartition, OffsetSpec> all = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                all.put(new TopicPartition(name, p), OffsetSpec.latest());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                try {
                    admin.listOffsets(all).all().get();
                    return;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(50);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + name, e);
        }
    }
}
