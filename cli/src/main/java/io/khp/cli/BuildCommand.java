package io.khp.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import io.khp.bus.ArtifactSignature;
import io.khp.bus.Events;
import io.khp.bus.KhpEventSerde;
import io.khp.bus.Topics;
import io.khp.events.BuildFailed;
import io.khp.events.BuildProgress;
import io.khp.events.BuildStage;
import io.khp.events.BuildRequested;
import io.khp.events.KhpEvent;
import io.khp.events.PatchBuilt;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "build", description = "Ask the builder to turn a kernel source patch into a signed livepatch module.")
final class BuildCommand implements Callable<Integer> {

    static final int BUILD_FAILED = 1;
    static final int TIMED_OUT = 3;

    @Mixin
    KafkaOptions kafka;

    @Parameters(index = "0", paramLabel = "PATCH_FILE", description = "A unified diff against the kernel source")
    Path patchFile;

    @Option(names = "--name", required = true, description = "Patch name (letters, digits, - and _)")
    String name;

    @Option(names = "--kernel", description = "Target kernel as ABI-FLAVOUR, e.g. 6.1.0-56-amd64 (default: config 'kernel' or $KHP_KERNEL)")
    String kernel;

    @Option(names = "--replace", description = "Build an atomic-replace patch (replaces every patch loaded before it)")
    boolean replace;

    @Option(names = "--cve", description = "CVE id the patch fixes (repeatable)")
    List<String> cves = List.of();

    @Option(names = "--description")
    String description;

    @Option(names = "--wait", description = "Wait for the outcome: exit 0 on PatchBuilt, 1 on BuildFailed, 3 on timeout")
    boolean await;

    @Option(names = "--timeout", defaultValue = "PT15M", description = "How long --wait waits (ISO-8601 duration)")
    Duration timeout;

    @Option(names = "--json", description = "Print the result as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (!name.matches("[A-Za-z0-9_-]{1,48}")) {
            throw new IllegalArgumentException("--name must be 1-48 letters, digits, '-' or '_'");
        }
        String diff = Files.readString(patchFile, StandardCharsets.UTF_8);
        if (!diff.contains("\n+++ ") && !diff.startsWith("+++ ")) {
            throw new IllegalArgumentException(patchFile + " is not a unified diff (no '+++' line)");
        }
        KernelTarget target = KernelTarget.parse(kernel != null ? kernel : kafka.config().kernel());
        String patchId = patchId(name, diff, target, replace);
        KhpEvent request = new Events("khp-cli").envelope().setPatchId(patchId).setCorrelationId(patchId)
                .setPayload(BuildRequested.newBuilder().setName(name).setDescription(description).setCveIds(cves)
                        .setDiff(diff).setTarget(target.identity()).setAtomicReplace(replace).build())
                .build();
        var settings = kafka.settings();
        try (EventWatch watch = await ? new EventWatch(settings, List.of(Topics.BUILDS.name())) : null;
             var producer = new KafkaProducer<>(settings.producer("khp-cli"), new StringSerializer(), new KhpEventSerde().serializer())) {
            producer.send(new ProducerRecord<>(Topics.BUILDS.name(), patchId, request)).get();
            if (!await) {
                print(patchId, "requested", null);
                return 0;
            }
            if (!json) {
                System.out.println("build of " + name + " for " + target.release() + " requested as " + patchId);
            }
            Optional<Integer> outcome = watch.until(timeout, event -> {
                if (!patchId.equals(event.getPatchId())) {
                    return Optional.empty();
                }
                Object p = event.getPayload();
                if (p instanceof BuildProgress progress && !json) {
                    System.out.printf("  %-13s %s%n", progress.getStage(), progress.getFinished() ? "done in " + progress.getElapsedMs()
                            + " ms" + (progress.getStage() == BuildStage.APPLY_PATCH && progress.getDetail() != null
                                    ? " (" + progress.getDetail() + ")" : "") : "…");
                } else if (p instanceof PatchBuilt built) {
                    print(patchId, "built", built.getModuleName() + ", " + built.getFunctions().size() + " function(s), sha256 "
                            + built.getArtifact().getSha256() + "; " + HunkPlacements.describe(built.getAppliedHunks()));
                    return Optional.of(0);
                } else if (p instanceof BuildFailed failed) {
                    print(patchId, "failed", failed.getStage() + " " + failed.getReasonCode() + ": " + failed.getReason()
                            + (failed.getSymbol() == null ? "" : " (symbol " + failed.getSymbol() + ")")
                            + (failed.getFile() == null ? "" : " (file " + failed.getFile() + ")"));
                    return Optional.of(BUILD_FAILED);
                }
                return Optional.empty();
            });
            if (outcome.isEmpty()) {
                print(patchId, "timeout", "no outcome within " + timeout + "; the build may still finish");
                return TIMED_OUT;
            }
            return outcome.get();
        }
    }

    /** Same name, diff, kernel and mode give the same patch id, so a repeated request is the same build. */
    static String patchId(String name, String diff, KernelTarget target, boolean replace) {
        String digest = ArtifactSignature.sha256Hex((diff + "\0" + target.release() + "\0" + replace).getBytes(StandardCharsets.UTF_8));
        return name + "-" + digest.substring(0, 10);
    }

    private void print(String patchId, String status, String detail) {
        if (json) {
            System.out.println(Json.object("patchId", patchId, "status", status, "detail", detail));
        } else {
            System.out.println(status + ": " + patchId + (detail == null ? "" : " — " + detail));
        }
    }
}
