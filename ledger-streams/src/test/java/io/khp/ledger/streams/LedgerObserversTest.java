package io.khp.ledger.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

import io.khp.bus.AvroRecordSerde;
import io.khp.bus.Topics;
import io.khp.ledger.core.FleetCensus;
import io.khp.state.HostKernel;
import io.khp.state.HostState;

/** The census is fed by the topology's global fleet store; a record it cannot read leaves the store working. */
class LedgerObserversTest {

    @Test
    void theFleetStoreFeedsTheCensusAndAnUnreadableStateIsLeftOut() throws Exception {
        LedgerObservers observers = LedgerObservers.none();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "khp-ledger-observers-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "ttd:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("khp-ledger-observers").toString());
        AvroRecordSerde<HostState> serde = new AvroRecordSerde<>(HostState.class);
        FleetCensus.Kernel amd64 = new FleetCensus.Kernel("6.1.0-9-amd64", "amd64");
        try (TopologyTestDriver driver = new TopologyTestDriver(
                LedgerTopology.build(LedgerTopology.DEFAULT_HOLD_MS, LedgerTopology.DEFAULT_PROMPT_COMMIT_MS, new HostStateWatch(), observers),
                props)) {
            TestInputTopic<String, byte[]> states = driver.createInputTopic(Topics.HOST_STATE.name(), new StringSerializer(),
                    new ByteArraySerializer());
            for (String host : new String[] {"a", "b"}) {
                states.pipeInput(host, serde.encode(HostState.newBuilder().setHostId(host)
                        .setKernel(HostKernel.newBuilder().setRelease(amd64.release()).setFlavour(amd64.flavour()).build()).build()));
            }
            assertEquals(Map.of(amd64, 2L), observers.fleet().hostsByKernel());
            states.pipeInput("b", "not a host state".getBytes(StandardCharsets.UTF_8));
            states.pipeInput("c", serde.encode(HostState.newBuilder().setHostId("c")
                    .setKernel(HostKernel.newBuilder().setRelease(amd64.release()).setFlavour(amd64.flavour()).build()).build()));
            assertEquals(Map.of(amd64, 2L), observers.fleet().hostsByKernel(), "b left out, c counted, the store still taking records");
            states.pipeInput("a", (byte[]) null);
            assertEquals(Map.of(amd64, 1L), observers.fleet().hostsByKernel());
        }
    }
}
