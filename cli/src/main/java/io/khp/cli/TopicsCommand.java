package io.khp.cli;

import java.util.Set;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.admin.Admin;

import io.khp.bus.Topic;
import io.khp.bus.TopicProvisioner;
import io.khp.bus.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "topics", description = "Create khp's topics if missing (idempotent) and list them.")
final class TopicsCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--replication-factor", defaultValue = "1")
    short replicationFactor;

    @Option(names = "--json")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (Admin admin = Admin.create(kafka.settings().common())) {
            TopicProvisioner provisioner = new TopicProvisioner(admin, replicationFactor);
            Set<String> created = Set.copyOf(provisioner.create(Topics.all()));
            provisioner.checkCoPartitioning(Topics.all());
            if (json) {
                var rows = new java.util.ArrayList<java.util.Map<String, Object>>();
                for (Topic<?, ?> t : Topics.all()) {
                    var row = new java.util.LinkedHashMap<String, Object>();
                    row.put("topic", t.name());
                    row.put("key", t.keyDescription());
                    row.put("partitions", t.partitions());
                    row.put("retention", t.retention().name());
                    row.put("contents", t.contents());
                    row.put("created", created.contains(t.name()));
                    rows.add(row);
                }
                System.out.println(Json.write(rows));
                return 0;
            }
            System.out.printf("%-20s %-12s %5s  %-11s %s%n", "topic", "key", "parts", "kept", "contents");
            for (Topic<?, ?> t : Topics.all()) {
                System.out.printf("%-20s %-12s %5d  %-11s %s%s%n", t.name(), t.keyDescription(), t.partitions(),
                        t.retention().name().toLowerCase().replace('_', ' '), t.contents(),
                        created.contains(t.name()) ? "  (created)" : "");
            }
        }
        return 0;
    }
}
