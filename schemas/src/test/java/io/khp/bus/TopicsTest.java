package io.khp.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void namesAreUnique() {
        List<String> names = Topics.all().stream().map(Topic::name).toList();
        assertEquals(names.size(), Set.copyOf(names).size());
    }

    @Test
    void perHostTopicsShareOnePartitionCount() {
        Set<Integer> counts = Topics.all().stream().filter(t -> "host".equals(t.coPartitionGroup()))
                .map(Topic::partitions).collect(Collectors.toSet());
        assertEquals(Set.of(Topics.HOST_PARTITIONS), counts);
        assertTrue(Topics.all().stream().filter(t -> t.keyDescription().equals("host id"))
                .allMatch(t -> "host".equals(t.coPartitionGroup())), "every topic keyed by host id is co-partitioned");
    }

    @Test
    void theAuditLogIsKeptForeverAndStateIsCompacted() {
        for (Topic<?, ?> t : List.of(Topics.BUILDS, Topics.ROLLOUTS, Topics.HOST_COMMANDS, Topics.HOST_LIFECYCLE)) {
            assertEquals("delete", t.config().get(TopicConfig.CLEANUP_POLICY_CONFIG), t.name());
            assertEquals("-1", t.config().get(TopicConfig.RETENTION_MS_CONFIG), t.name());
        }
        for (Topic<?, ?> t : List.of(Topics.HOST_STATE, Topics.PATCH_STATE, Topics.ARTIFACTS)) {
            assertEquals("compact", t.config().get(TopicConfig.CLEANUP_POLICY_CONFIG), t.name());
        }
    }

    @Test
    void artifactsTakeModulesOfSeveralMegabytes() {
        assertTrue(Integer.parseInt(Topics.ARTIFACTS.config().get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG)) >= 8 * 1024 * 1024);
    }
}
