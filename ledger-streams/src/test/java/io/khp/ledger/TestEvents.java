package io.khp.ledger;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.khp.bus.AvroClassTrust;
import io.khp.events.ApplyAttempted;
import io.khp.events.ApplyFailed;
import io.khp.events.ApplyFailureReason;
import io.khp.events.ApplyOutcome;
import io.khp.events.ApplyRequested;
import io.khp.events.Applied;
import io.khp.events.ArtifactRef;
import io.khp.events.BuildFailed;
import io.khp.events.BuildProgress;
import io.khp.events.BuildRequested;
import io.khp.events.BuildStage;
import io.khp.events.HostReported;
import io.khp.events.HostSelector;
import io.khp.events.KernelIdentity;
import io.khp.events.KhpEvent;
import io.khp.events.LoadedLivepatch;
import io.khp.events.LockdownMode;
import io.khp.events.PatchBuilt;
import io.khp.events.PatchedFunction;
import io.khp.events.PreRunVerified;
import io.khp.events.RelocationSite;
import io.khp.events.RelocationType;
import io.khp.events.RevertRequested;
import io.khp.events.Reverted;
import io.khp.events.RolloutRequested;
import io.khp.events.RunObjectCaptured;
import io.khp.events.Toolchain;
import io.khp.events.Verdict;
import io.khp.events.WaveSize;
import io.khp.events.WaveUnit;

/** Builds khp events for tests: envelopes with fresh ids and a clock that moves one second per event. */
public final class TestEvents {

    public static final String RELEASE = "6.1.0-test-amd64";

    static {
        AvroClassTrust.install();
    }

    private Instant clock;

    public TestEvents(Instant start) {
        this.clock = start;
    }

    public TestEvents() {
        this(Instant.parse("2026-11-24T10:00:00Z"));
    }

    public Instant now() {
        return clock;
    }

    public KhpEvent event(String hostId, String patchId, Object payload) {
        clock = clock.plusSeconds(1);
        return KhpEvent.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setOccurredAt(clock)
                .setSource("test")
                .setHostId(hostId)
                .setPatchId(patchId)
                .setPayload(payload)
                .build();
    }

    public static KernelIdentity kernel(String release, String flavour) {
        return KernelIdentity.newBuilder().setRelease(release).setFlavour(flavour).setBuildIdentity("bid-" + release).build();
    }

    public KhpEvent reported(String host, String bootId, String... modules) {
        return reported(host, bootId, kernel(RELEASE, "amd64"), Map.of(), modules);
    }

    public KhpEvent reported(String host, String bootId, KernelIdentity kernel, Map<String, String> labels, String... modules) {
        List<LoadedLivepatch> loaded = new ArrayList<>();
        for (String m : modules) {
            loaded.add(LoadedLivepatch.newBuilder().setName(m).setEnabled(true).setTransition(false).setObjects(List.of("vmlinux")).build());
        }
        return event(host, null, HostReported.newBuilder()
                .setHostname(host + ".test")
                .setKernel(kernel)
                .setKernelVersion("Linux version " + kernel.getRelease())
                .setBootId(bootId)
                .setUptimeSeconds(100)
                .setLockdown(LockdownMode.NONE)
                .setLivepatches(loaded)
                .setAgentVersion("0.1.0")
                .setLabels(labels)
                .build());
    }

    public static ArtifactRef artifact(String patchId) {
        return ArtifactRef.newBuilder().setSha256("sha-" + patchId).setSizeBytes(1234).setManifestSha256("man-" + patchId)
                .setSignature(ByteBuffer.wrap(new byte[] {1, 2, 3})).setKeyId("key1").build();
    }

    public static String module(String patchId) {
        return "khp_" + patchId.replace('-', '_');
    }

    public KhpEvent applyRequested(String host, String patchId) {
        return applyRequested(host, patchId, null, 0);
    }

    public KhpEvent applyRequested(String host, String patchId, String rolloutId, int wave) {
        return event(host, patchId, ApplyRequested.newBuilder().setRolloutId(rolloutId).setWave(wave)
                .setModuleName(module(patchId)).setArtifact(artifact(patchId)).build());
    }

    /** The rollout controller's command telling a host it is skipped. */
    public KhpEvent applySkipped(String host, String patchId, String rolloutId, String reason) {
        return event(host, patchId, ApplyRequested.newBuilder().setRolloutId(rolloutId).setModuleName(module(patchId))
                .setArtifact(ArtifactRef.newBuilder().setSha256("").setSizeBytes(0).setManifestSha256("")
                        .setSignature(ByteBuffer.allocate(0)).setKeyId("").build())
                .setSkipReason(reason).build());
    }

    public KhpEvent captured(String host, String patchId) {
        return event(host, patchId, RunObjectCaptured.newBuilder().setAttempt(1).build());
    }

    public KhpEvent verified(String host, String patchId, Verdict verdict) {
        return event(host, patchId, PreRunVerified.newBuilder().setVerdict(verdict)
                .setReason(verdict == Verdict.MATCH ? null : "differs at +0x10").build());
    }

    public KhpEvent attempted(String host, String patchId, int attempt, ApplyOutcome outcome) {
        return event(host, patchId, ApplyAttempted.newBuilder().setAttempt(attempt).setOutcome(outcome).setDurationMs(20).build());
    }

    public KhpEvent applied(String host, String patchId, int attempts) {
        return event(host, patchId, Applied.newBuilder().setModuleName(module(patchId)).setTransitionMs(50).setAttempts(attempts).build());
    }

    public KhpEvent failed(String host, String patchId, ApplyFailureReason reason) {
        return event(host, patchId, ApplyFailed.newBuilder().setReasonCode(reason).setDetail("failed: " + reason).setAttempts(1).build());
    }

    /** The rollout controller's verdict that the host gave no outcome in time for rollout {@code rolloutId}. */
    public KhpEvent timedOut(String host, String patchId, String rolloutId) {
        KhpEvent e = event(host, patchId, ApplyFailed.newBuilder().setReasonCode(ApplyFailureReason.TIMED_OUT)
                .setDetail("no outcome within the host timeout of 600 s").setAttempts(0).build());
        e.setCorrelationId(rolloutId);
        e.setSource("ledger-streams");
        return e;
    }

    public KhpEvent revertRequested(String host, String patchId) {
        return event(host, patchId, RevertRequested.newBuilder().setModuleName(module(patchId)).setReason("operator").build());
    }

    public KhpEvent reverted(String host, String patchId) {
        return event(host, patchId, Reverted.newBuilder().setModuleName(module(patchId)).setDurationMs(30).build());
    }

    /** Every event of a successful apply after the request. */
    public List<KhpEvent> applySucceeds(String host, String patchId) {
        return List.of(captured(host, patchId), verified(host, patchId, Verdict.MATCH),
                attempted(host, patchId, 1, ApplyOutcome.APPLIED), applied(host, patchId, 1));
    }

    public KhpEvent buildRequested(String patchId) {
        return event(null, patchId, BuildRequested.newBuilder().setName("fix " + patchId).setDiff("--- a\n+++ b\n")
                .setTarget(kernel(RELEASE, "amd64")).build());
    }

    public KhpEvent buildProgress(String patchId, BuildStage stage) {
        return event(null, patchId, BuildProgress.newBuilder().setStage(stage).setFinished(false).setElapsedMs(10).build());
    }

    public KhpEvent buildFailed(String patchId) {
        return event(null, patchId, BuildFailed.newBuilder().setStage(BuildStage.DIFF_OBJECTS).setReasonCode("DATA_CHANGED")
                .setReason("static data changed").build());
    }

    public KhpEvent patchBuilt(String patchId, boolean atomicReplace) {
        PatchedFunction f1 = PatchedFunction.newBuilder().setObjectName("vmlinux").setSymbol("meminfo_proc_show")
                .setPreBytes(ByteBuffer.wrap(new byte[64]))
                .setRelocations(List.of(
                        RelocationSite.newBuilder().setOffset(5).setType(RelocationType.R_X86_64_PLT32).setSymbol("seq_printf").setAddend(-4).build(),
                        RelocationSite.newBuilder().setOffset(20).setType(RelocationType.R_X86_64_PLT32).setSymbol("si_meminfo").setAddend(-4).build(),
                        RelocationSite.newBuilder().setOffset(40).setType(RelocationType.R_X86_64_PLT32).setSymbol("seq_printf").setAddend(-4).build()))
                .build();
        PatchedFunction f2 = PatchedFunction.newBuilder().setObjectName("vmlinux").setSymbol("show_val_kb").setSympos(2)
                .setPreBytes(ByteBuffer.wrap(new byte[17])).build();
        return event(null, patchId, PatchBuilt.newBuilder()
                .setName("fix " + patchId)
                .setTarget(kernel(RELEASE, "amd64"))
                .setModuleName(module(patchId))
                .setAtomicReplace(atomicReplace)
                .setArtifact(artifact(patchId))
                .setToolchain(Toolchain.newBuilder().setCompiler("gcc-12").build())
                .setDiffSha256("diff-" + patchId)
                .setFunctions(List.of(f1, f2))
                .build());
    }

    /** A build request of {@code patchId} for one kernel. */
    public KhpEvent buildRequested(String patchId, KernelIdentity target) {
        return event(null, patchId, BuildRequested.newBuilder().setName("fix " + patchId).setDiff("--- a\n+++ b\n")
                .setTarget(target).build());
    }

    /** The builder's PatchBuilt answering {@code request}: an artifact of its own per kernel. */
    public KhpEvent patchBuiltFor(KhpEvent request) {
        BuildRequested r = (BuildRequested) request.getPayload();
        String patchId = request.getPatchId();
        String kernel = r.getTarget().getRelease();
        PatchBuilt built = PatchBuilt.newBuilder((PatchBuilt) patchBuilt(patchId, false).getPayload())
                .setTarget(KernelIdentity.newBuilder().setRelease(kernel).setFlavour(r.getTarget().getFlavour())
                        .setSourceVersion("6.1.1-1").build())
                .setArtifact(ArtifactRef.newBuilder(artifact(patchId)).setSha256("sha-" + patchId + "-" + kernel)
                        .setManifestSha256("man-" + patchId + "-" + kernel).build())
                .build();
        return answering(request, built);
    }

    /** The builder's BuildFailed answering {@code request}. */
    public KhpEvent buildFailedFor(KhpEvent request, String reasonCode) {
        return answering(request, BuildFailed.newBuilder().setStage(BuildStage.COMPILE).setReasonCode(reasonCode)
                .setReason("does not compile for this kernel").build());
    }

    public KhpEvent answering(KhpEvent cause, Object payload) {
        KhpEvent answer = event(cause.getHostId(), cause.getPatchId(), payload);
        answer.setCausationId(cause.getEventId());
        return answer;
    }

    public static WaveSize hosts(int n) {
        return WaveSize.newBuilder().setUnit(WaveUnit.HOSTS).setValue(n).build();
    }

    public static WaveSize percent(int n) {
        return WaveSize.newBuilder().setUnit(WaveUnit.PERCENT).setValue(n).build();
    }

    public static HostSelector explicitHosts(String... hosts) {
        return HostSelector.newBuilder().setHosts(Arrays.asList(hosts)).build();
    }

    public KhpEvent rolloutRequested(String patchId, String rolloutId, HostSelector selector, double maxFailureRatio,
            boolean autoRevert, WaveSize... waves) {
        return event(null, patchId, RolloutRequested.newBuilder().setRolloutId(rolloutId).setSelector(selector)
                .setWaves(Arrays.asList(waves)).setMaxFailureRatio(maxFailureRatio).setAutoRevert(autoRevert).build());
    }
}
