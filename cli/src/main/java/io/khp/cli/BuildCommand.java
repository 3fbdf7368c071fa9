package io.khp.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.khp.bus.ArtifactSignature;
import io.khp.bus.Events;
import io.khp.bus.KhpEventSerde;
import io.khp.bus.Topics;
import io.khp.events.BuildFailed;
import io.khp.events.BuildProgress;
import io.khp.events.BuildStage;
import io.khp.events.BuildRequested;
import io.khp.events.KernelIdentity;
import io.khp.events.KhpEvent;
import io.khp.events.PatchBuilt;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "build", description = "Ask the builder to turn a kernel source patch into signed livepatch modules, "
        + "one per kernel: those named with --kernel, else every kernel the fleet reports, else the configured default.")
final class BuildCommand implements Callable<Integer> {

    static final int BUILD_FAILED = 1;
    static final int TIMED_OUT = 3;

    @Mixin
    KafkaOptions kafka;

    @Parameters(index = "0", paramLabel = "PATCH_FILE", description = "A unified diff against the kernel source")
    Path patchFile;

    @Option(names = "--name", description = "Patch name (letters, digits, - and _; default: the file name without .patch/.diff)")
    String name;

    @Option(names = "--kernel", description = "Target kernel as ABI-FLAVOUR, e.g. 6.1.0-56-amd64 (repeatable; default: every "
            + "kernel the ledger's hosts report, else config 'kernel' or $KHP_KERNEL)")
    List<String> kernels = List.of();

    @Option(names = "--replace", description = "Build an atomic-replace patch (replaces every patch loaded before it)")
    boolean replace;

    @Option(names = "--cve", description = "CVE id the patch fixes (repeatable)")
    List<String> cves = List.of();

    @Option(names = "--description")
    String description;

    @Option(names = "--wait", description = "Wait for every kernel's outcome: exit 0 when all were built, 1 when one was refused, 3 on timeout")
    boolean await;

    @Option(names = "--timeout", defaultValue = "PT15M", description = "How long --wait waits (ISO-8601 duration)")
    Duration timeout;

    @Option(names = "--json", description = "Print the result as JSON")
    boolean json;

    /** One kernel's build: its request and, once known, its outcome. */
    private static final class KernelBuild {
        final KernelIdentity target;
        String status = "requested";
        String module;
        String sha256;
        String reason;

        KernelBuild(KernelIdentity target) {
            this.target = target;
        }
    }

    @Override
    public Integer call() throws Exception {
        String patchName = name != null ? name : BuildTargets.nameOf(patchFile);
        if (!patchName.matches(BuildTargets.NAME_PATTERN)) {
            throw new IllegalArgumentException("--name must be 1-48 letters, digits, '-' or '_'");
        }
        String diff = Files.readString(patchFile, StandardCharsets.UTF_8);
        if (!diff.contains("\n+++ ") && !diff.startsWith("+++ ")) {
            throw new IllegalArgumentException(patchFile + " is not a unified diff (no '+++' line)");
        }
        List<KernelIdentity> targets = BuildTargets.choose(kernels,
                () -> new LedgerClient(kafka.config().api()).hosts(null, null, null), kafka.config().kernel());
        String patchId = patchId(patchName, diff, replace);
        Events events = new Events("khp-cli");
        Map<String, KernelBuild> byRequest = new LinkedHashMap<>();
        List<KhpEvent> requests = targets.stream().map(target -> events.envelope().setPatchId(patchId).setCorrelationId(patchId)
                .setPayload(BuildRequested.newBuilder().setName(patchName).setDescription(description).setCveIds(cves)
                        .setDiff(diff).setTarget(target).setAtomicReplace(replace).build())
                .build()).toList();
        requests.forEach(r -> byRequest.put(r.getEventId(), new KernelBuild(((BuildRequested) r.getPayload()).getTarget())));
        var settings = kafka.settings();
        try (EventWatch watch = await ? new EventWatch(settings, List.of(Topics.BUILDS.name())) : null;
             var producer = new KafkaProducer<>(settings.producer("khp-cli"), new StringSerializer(), new KhpEventSerde().serializer())) {
            for (KhpEvent request : requests) {
                producer.send(new ProducerRecord<>(Topics.BUILDS.name(), patchId, request)).get();
            }
            if (!await) {
                report(patchId, "requested", byRequest);
                return 0;
            }
            if (!json) {
                System.out.println("build of " + patchName + " requested as " + patchId + " for " + targets.size() + " kernel(s): "
                        + String.join(", ", targets.stream().map(BuildCommand::describe).toList()));
            }
            Optional<Integer> outcome = watch.until(timeout, event -> {
                KernelBuild build = event.getCausationId() == null ? null : byRequest.get(event.getCausationId());
                if (build == null || !patchId.equals(event.getPatchId())) {
                    return Optional.empty();
                }
                Object p = event.getPayload();
                if (p instanceof BuildProgress progress && !json) {
                    System.out.printf("  %-28s %-13s %s%n", build.target.getRelease(), progress.getStage(),
                            progress.getFinished() ? "done in " + progress.getElapsedMs() + " ms"
                                    + (progress.getStage() == BuildStage.APPLY_PATCH && progress.getDetail() != null
                                            ? " (" + progress.getDetail() + ")" : "") : "…");
                } else if (p instanceof PatchBuilt built) {
                    build.status = "built";
                    build.module = built.getModuleName();
                    build.sha256 = built.getArtifact().getSha256();
                    if (!json) {
                        System.out.println("built: " + patchId + " for " + describe(build.target) + " — " + built.getModuleName()
                                + ", " + built.getFunctions().size() + " function(s), sha256 " + build.sha256 + "; "
                                + HunkPlacements.describe(built.getAppliedHunks()));
                    }
                } else if (p instanceof BuildFailed failed) {
                    build.status = "refused";
                    build.reason = failed.getStage() + " " + failed.getReasonCode() + ": " + failed.getReason()
                            + (failed.getSymbol() == null ? "" : " (symbol " + failed.getSymbol() + ")")
                            + (failed.getFile() == null ? "" : " (file " + failed.getFile() + ")");
                    if (!json) {
                        System.out.println("refused: " + patchId + " for " + describe(build.target) + " — " + build.reason);
                    }
                }
                boolean done = byRequest.values().stream().noneMatch(b -> b.status.equals("requested"));
                if (!done) {
                    return Optional.empty();
                }
                boolean allBuilt = byRequest.values().stream().allMatch(b -> b.status.equals("built"));
                return Optional.of(allBuilt ? 0 : BUILD_FAILED);
            });
            if (outcome.isEmpty()) {
                byRequest.values().stream().filter(b -> b.status.equals("requested")).forEach(b -> {
                    b.status = "timeout";
                    b.reason = "no outcome within " + timeout + "; the build may still finish";
                });
                report(patchId, "timeout", byRequest);
                return TIMED_OUT;
            }
            if (json) {
                report(patchId, outcome.get() == 0 ? "built" : "failed", byRequest);
            }
            return outcome.get();
        }
    }

    /**
     * Same name, diff and mode give the same patch id, whatever the kernels: building it for one
     * more kernel adds that kernel's artifact to the same patch.
     */
    static String patchId(String name, String diff, boolean replace) {
        String digest = ArtifactSignature.sha256Hex((diff + "\0" + replace).getBytes(StandardCharsets.UTF_8));
        return name + "-" + digest.substring(0, 10);
    }

    static String describe(KernelIdentity kernel) {
        return kernel.getRelease() + (kernel.getBuildIdentity() == null ? "" : " (build id " + kernel.getBuildIdentity() + ")");
    }

    private void report(String patchId, String status, Map<String, KernelBuild> builds) {
        if (json) {
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("patchId", patchId);
            out.put("status", status);
            ArrayNode kernels = out.putArray("kernels");
            for (KernelBuild b : builds.values()) {
                ObjectNode k = kernels.addObject();
                k.put("release", b.target.getRelease());
                k.put("flavour", b.target.getFlavour());
                k.put("buildIdentity", b.target.getBuildIdentity());
                k.put("status", b.status);
                k.put("module", b.module);
                k.put("sha256", b.sha256);
                k.put("reason", b.reason);
            }
            System.out.println(Json.write(out));
        } else {
            for (KernelBuild b : builds.values()) {
                System.out.println(b.status + ": " + patchId + " for " + describe(b.target) + (b.reason == null ? "" : " — " + b.reason));
            }
        }
    }
}
