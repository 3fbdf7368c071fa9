package io.khp.cli;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

import io.khp.bus.ClientSettings;
import io.khp.bus.EventCodec;
import io.khp.bus.Events;
import io.khp.bus.KhpEventSerde;
import io.khp.bus.Topic;
import io.khp.bus.TopicProvisioner;
import io.khp.bus.Topics;
import io.khp.events.*;
import io.khp.bus.LogPartitions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * Walks one host through the whole event flow on the bus — build, rollout, capture, verdict,
 * attempt, applied — publishing each event on its topic, then reads the flow back from the log.
 * The payloads are illustrative: this shows the contracts and the topics, not a real patch.
 */
@Command(name = "bus-tour", description = "Publish one host's event flow through every khp topic and read it back.")
final class BusTourCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        ClientSettings settings = kafka.settings();
        try (Admin admin = Admin.create(settings.common())) {
            new TopicProvisioner(admin, (short) 1).ensure(Topics.all());
        }
        String run = UUID.randomUUID().toString().substring(0, 8);
        String host = "tour-host-" + run;
        String patch = "tour-patch-" + run;
        List<ProducerRecord<String, KhpEvent>> flow = flow(host, patch, "tour-rollout-" + run);
        try (var producer = new KafkaProducer<>(settings.producer("khp-bus-tour"), new StringSerializer(), new KhpEventSerde().serializer())) {
            for (var record : flow) {
                producer.send(record).get();
                System.out.printf("published  %-18s -> %s%n", Events.typeOf(record.value()), record.topic());
            }
        }
        System.out.println();
        System.out.println("read back from the log (host " + host + "):");
        List<KhpEvent> back = readBack(settings, host, patch, flow.size());
        back.sort(java.util.Comparator.comparing(KhpEvent::getOccurredAt));
        back.forEach(e -> System.out.println("  " + EventLine.of(e)));
        if (back.size() != flow.size()) {
            System.err.println("only " + back.size() + " of " + flow.size() + " events came back");
            return 1;
        }
        return 0;
    }

    private static List<ProducerRecord<String, KhpEvent>> flow(String host, String patch, String rollout) {
        Events operator = new Events("khp-cli");
        List<ProducerRecord<String, KhpEvent>> flow = new ArrayList<>();
        KernelIdentity kernel = KernelIdentity.newBuilder().setRelease("6.1.0-tour-amd64").setFlavour("amd64").build();
        ArtifactRef artifact = ArtifactRef.newBuilder().setSha256("00".repeat(32)).setSizeBytes(0)
                .setManifestSha256("00".repeat(32)).setSignature(ByteBuffer.allocate(0)).setKeyId("none").build();

        KhpEvent reported = operator.envelope().setHostId(host).setPayload(HostReported.newBuilder().setHostname(host)
                .setKernel(kernel).setKernelVersion("Linux version 6.1.0-tour-amd64").setBootId(UUID.randomUUID().toString())
                .setUptimeSeconds(60).setLockdown(LockdownMode.NONE).setAgentVersion("tour").setLabels(Map.of("role", "demo")).build()).build();
        add(flow, Topics.HOST_LIFECYCLE, host, reported);
        KhpEvent requested = operator.envelope().setPatchId(patch).setCorrelationId(patch).setPayload(BuildRequested.newBuilder()
                .setName("tour").setDiff("(a unified diff)").setTarget(kernel).build()).build();
        add(flow, Topics.BUILDS, patch, requested);
        KhpEvent built = new Events("builder-service").answering(requested).setPayload(PatchBuilt.newBuilder().setName("tour")
                .setTarget(kernel).setModuleName("khp_tour").setAtomicReplace(false).setArtifact(artifact)
                .setToolchain(Toolchain.newBuilder().setCompiler("gcc-12").build()).setDiffSha256("00".repeat(32))
                .setFunctions(List.of()).build()).build();
        add(flow, Topics.BUILDS, patch, built);
        KhpEvent rolloutRequested = operator.envelope().setPatchId(patch).setCorrelationId(rollout).setPayload(RolloutRequested.newBuilder()
                .setRolloutId(rollout).setSelector(HostSelector.newBuilder().setHosts(List.of(host)).build())
                .setWaves(List.of(WaveSize.newBuilder().setUnit(WaveUnit.PERCENT).setValue(100).build())).build()).build();
        add(flow, Topics.ROLLOUTS, patch, rolloutRequested);
        Events ledger = new Events("ledger-streams");
        KhpEvent apply = ledger.answering(rolloutRequested).setHostId(host).setPayload(ApplyRequested.newBuilder()
                .setRolloutId(rollout).setWave(1).setModuleName("khp_tour").setArtifact(artifact).build()).build();
        add(flow, Topics.HOST_COMMANDS, host, apply);
        Events agent = new Events("applier-agent@" + host);
        KhpEvent captured = agent.answering(apply).setPayload(RunObjectCaptured.newBuilder().build()).build();
        add(flow, Topics.HOST_LIFECYCLE, host, captured);
        KhpEvent verified = new Events("verifier-service").answering(captured)
                .setPayload(PreRunVerified.newBuilder().setVerdict(Verdict.MATCH).build()).build();
        add(flow, Topics.HOST_LIFECYCLE, host, verified);
        KhpEvent attempted = agent.answering(verified).setPayload(ApplyAttempted.newBuilder().setAttempt(1)
                .setOutcome(ApplyOutcome.APPLIED).setDurationMs(900).build()).build();
        add(flow, Topics.HOST_LIFECYCLE, host, attempted);
        add(flow, Topics.HOST_LIFECYCLE, host, agent.answering(attempted).setPayload(Applied.newBuilder()
                .setModuleName("khp_tour").setTransitionMs(900).build()).build());
        add(flow, Topics.ROLLOUTS, patch, ledger.answering(rolloutRequested).setPayload(RolloutCompleted.newBuilder()
                .setRolloutId(rollout).setCounts(RolloutCounts.newBuilder().setTargeted(1).setApplied(1).build()).build()).build());
        return flow;
    }

    private static void add(List<ProducerRecord<String, KhpEvent>> flow, Topic<String, KhpEvent> topic, String key, KhpEvent event) {
        // strictly increasing timestamps keep the printed order causal even within one millisecond
        Instant at = flow.isEmpty() ? event.getOccurredAt()
                : flow.get(flow.size() - 1).value().getOccurredAt().plusMillis(1);
        event.setOccurredAt(at);
        flow.add(new ProducerRecord<>(topic.name(), key, event));
    }

    private static List<KhpEvent> readBack(ClientSettings settings, String host, String patch, int expected) {
        List<KhpEvent> events = new ArrayList<>();
        try (var consumer = new KafkaConsumer<byte[], byte[]>(settings.consumer(null))) {
            List<TopicPartition> partitions = LogPartitions.of(consumer, List.of(Topics.BUILDS.name(), Topics.ROLLOUTS.name(),
                    Topics.HOST_COMMANDS.name(), Topics.HOST_LIFECYCLE.name()));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Instant deadline = Instant.now().plusSeconds(30);
            while (events.size() < expected && Instant.now().isBefore(deadline)) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    KhpEvent e = EventCodec.instance().decode(record.value());
                    if (host.equals(e.getHostId()) || patch.equals(e.getPatchId())) {
                        events.add(e);
                    }
                }
            }
        }
        return events;
    }
}
