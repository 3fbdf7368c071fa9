package io.khp.cli;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import io.khp.bus.Events;
import io.khp.bus.KhpEventSerde;
import io.khp.bus.Topics;
import io.khp.events.KhpEvent;
import io.khp.events.RolloutRequested;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "rollout", description = "Roll a built patch out to the hosts a selector picks, in waves.")
final class RolloutCommand implements Callable<Integer> {

    static final int HALTED = 1;

    @Mixin
    KafkaOptions kafka;

    @Parameters(index = "0", paramLabel = "PATCH_ID")
    String patchId;

    @Option(names = "--select", required = true, description = "all | kernel=R | flavour=F | build=ID | label=K=V | hosts=a,b (repeatable: all must hold)")
    List<String> select;

    @Option(names = "--waves", defaultValue = "100%", description = "Wave sizes: host counts or percentages, e.g. 1,50%,100%")
    String waves;

    @Option(names = "--max-failures", defaultValue = "0", description = "Failures per wave (ratio 0..1) beyond which the rollout halts")
    double maxFailures;

    @Option(names = "--auto-revert", description = "When the rollout halts, revert it where it applied")
    boolean autoRevert;

    @Option(names = "--approve-force", description = "Allow agents to force a stalled transition (dangerous; see the README)")
    boolean approveForce;

    @Option(names = "--any-kernel", description = "Give a host whose kernel has no artifact of the patch the first built one "
            + "instead of skipping it: the run-pre check decides whether its running code matches")
    boolean anyKernel;

    @Option(names = "--host-timeout", defaultValue = "10m", description = "A host without an outcome this long after its "
            + "wave started is TIMED_OUT and counts as failed (e.g. 90s, 10m, 1h; default ${DEFAULT-VALUE})")
    String hostTimeout;

    @Option(names = "--wave-timeout", defaultValue = "30m", description = "The longest a wave runs: its hosts still without "
            + "an outcome then are TIMED_OUT (default ${DEFAULT-VALUE})")
    String waveTimeout;

    @Option(names = "--wait", description = "Follow the rollout: exit 0 when completed, 1 when halted, 3 on timeout")
    boolean await;

    @Option(names = "--timeout", defaultValue = "PT30M")
    Duration timeout;

    @Option(names = "--json")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (maxFailures < 0 || maxFailures > 1) {
            throw new IllegalArgumentException("--max-failures is a ratio between 0 and 1");
        }
        String rolloutId = patchId + "-r" + UUID.randomUUID().toString().substring(0, 6);
        KhpEvent request = new Events("khp-cli").envelope().setPatchId(patchId).setCorrelationId(rolloutId)
                .setPayload(RolloutRequested.newBuilder().setRolloutId(rolloutId).setSelector(RolloutSpec.selector(select))
                        .setWaves(RolloutSpec.waves(waves)).setMaxFailureRatio(maxFailures).setAutoRevert(autoRevert)
                        .setAnyKernel(anyKernel)
                        .setHostTimeoutMs(RolloutSpec.timeout("--host-timeout", hostTimeout).toMillis())
                        .setWaveTimeoutMs(RolloutSpec.timeout("--wave-timeout", waveTimeout).toMillis())
                        .setForceApproved(approveForce).build())
                .build();
        var settings = kafka.settings();
        try (EventWatch watch = await ? new EventWatch(settings, List.of(Topics.ROLLOUTS.name(), Topics.HOST_COMMANDS.name(),
                Topics.HOST_LIFECYCLE.name())) : null;
             var producer = new KafkaProducer<>(settings.producer("khp-cli"), new StringSerializer(), new KhpEventSerde().serializer())) {
            producer.send(new ProducerRecord<>(Topics.ROLLOUTS.name(), patchId, request)).get();
            if (!await) {
                System.out.println(json ? Json.object("rolloutId", rolloutId, "status", "requested") : "rollout requested: " + rolloutId);
                return 0;
            }
            if (!json) {
                System.out.println("rollout " + rolloutId + " of " + patchId + " requested");
            }
            RolloutProgress progress = new RolloutProgress(patchId, rolloutId);
            Optional<RolloutProgress.Outcome> outcome = watch.until(timeout, event -> {
                if (progress.accept(event) && !json) {
                    System.out.println("  " + progress.summary());
                }
                return progress.outcome();
            });
            if (json) {
                System.out.println(Json.object("rolloutId", rolloutId, "status",
                        outcome.map(o -> o.name().toLowerCase()).orElse("timeout"), "hosts", progress.hosts()));
            }
            if (outcome.isEmpty()) {
                if (!json) {
                    System.out.println("no outcome within " + timeout + "; the rollout goes on");
                }
                return BuildCommand.TIMED_OUT;
            }
            return outcome.get() == RolloutProgress.Outcome.COMPLETED ? 0 : HALTED;
        }
    }
}
