package io.khp.agent.bus;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.common.utils.Utils;

/** Which partition of a per-host topic holds a host: Kafka's default partitioner on the host id key. */
public final class HostPartitions {

    private HostPartitions() {
    }

    public static int partitionOf(String hostId, int partitions) {
        return Utils.toPositive(Utils.murmur2(hostId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    public static Set<Integer> partitionsOf(Collection<String> hostIds, int partitions) {
        Set<Integer> result = new TreeSet<>();
        hostIds.forEach(h -> result.add(partitionOf(h, partitions)));
        return result;
    }
}
