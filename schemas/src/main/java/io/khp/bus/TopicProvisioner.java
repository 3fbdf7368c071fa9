package io.khp.bus;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates khp's topics if they are missing (idempotent) and checks that the topics of each
 * co-partition group have the same partition count. Services call {@link #ensure} at startup and
 * refuse to start on a mismatch, because a host's events would no longer meet in one task.
 */
public final class TopicProvisioner {

    private final Admin admin;
    private final short replicationFactor;

    public TopicProvisioner(Admin admin, short replicationFactor) {
        this.admin = admin;
        this.replicationFactor = replicationFactor;
    }

    public void ensure(Collection<Topic<?, ?>> topics) {
        create(topics);
        checkCoPartitioning(topics);
    }

    /** Creates what is missing; topics that exist are left as they are. Returns the names created. */
    public List<String> create(Collection<Topic<?, ?>> topics) {
        List<String> created = new ArrayList<>();
        try {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = topics.stream()
                    .filter(t -> !existing.contains(t.name()))
                    .map(t -> new NewTopic(t.name(), t.partitions(), replicationFactor).configs(t.config()))
                    .toList();
            for (var entry : admin.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get();
                    created.add(entry.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            awaitWritable(admin, created);
            return created;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create khp topics: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * Waits until every partition of the new topics takes writes. A partition's leader shows in the
     * metadata before the broker has made the partition, and an idempotent producer whose first
     * batch meets that moment can have its later batches accepted first, then retry the first one
     * with an out-of-order sequence until its delivery timeout (KAFKA-15591). A leader answering
     * ListOffsets for the partition has made it.
     */
    public static void awaitWritable(Admin admin, Collection<String> topics) {
        if (topics.isEmpty()) {
            return;
        }
        try {
            Map<String, TopicDescription> descriptions = awaitLeaders(admin, topics);
            Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
            descriptions.forEach((name, d) -> d.partitions()
                    .forEach(p -> partitions.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                try {
                    admin.listOffsets(partitions).all().get();
                    return;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(50);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the partitions of " + topics, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("partitions of " + topics + " take no writes: " + e.getCause().getMessage(), e);
        }
    }

    private static Map<String, TopicDescription> awaitLeaders(Admin admin, Collection<String> topics)
            throws InterruptedException, ExecutionException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Map<String, TopicDescription> descriptions;
            try {
                descriptions = admin.describeTopics(topics).allTopicNames().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                descriptions = Map.of();
            }
            boolean ready = descriptions.size() == topics.size() && descriptions.values().stream()
                    .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
            if (ready) {
                return descriptions;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("partitions of " + topics + " have no leader after 30 s");
            }
            Thread.sleep(100);
        }
    }

    /** @throws IllegalStateException naming the topics whose partition counts differ within a group */
    public void checkCoPartitioning(Collection<Topic<?, ?>> topics) {
        Map<String, List<Topic<?, ?>>> groups = topics.stream()
                .filter(t -> t.coPartitionGroup() != null)
                .collect(Collectors.groupingBy(Topic::coPartitionGroup));
        if (groups.isEmpty()) {
            return;
        }
        Map<String, Integer> partitions = partitionCounts(groups.values().stream().flatMap(List::stream).map(Topic::name).toList());
        for (var group : groups.entrySet()) {
            Map<String, Integer> counts = new HashMap<>();
            group.getValue().forEach(t -> counts.put(t.name(), partitions.get(t.name())));
            if (counts.values().stream().distinct().count() > 1) {
                throw new IllegalStateException("topics of co-partition group '" + group.getKey()
                        + "' must have the same number of partitions, but have " + counts);
            }
        }
    }

    private Map<String, Integer> partitionCounts(List<String> names) {
        try {
            Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames().get();
            Map<String, Integer> counts = new HashMap<>();
            descriptions.forEach((name, d) -> counts.put(name, d.partitions().size()));
            return counts;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe khp topics: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
