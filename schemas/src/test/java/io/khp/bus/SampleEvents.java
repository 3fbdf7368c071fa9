package io.khp.bus;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.khp.events.*;

/** One realistic event of every payload type, for round-trip tests. */
final class SampleEvents {

    private SampleEvents() {
    }

    static final KernelIdentity KERNEL = KernelIdentity.newBuilder()
            .setRelease("6.1.0-99-amd64").setFlavour("amd64")
            .setSourceVersion("6.1.999-1").setBuildIdentity("0123456789abcdef0123456789abcdef01234567").build();

    static final ArtifactRef ARTIFACT = ArtifactRef.newBuilder()
            .setSha256("ab".repeat(32)).setSizeBytes(123_456).setManifestSha256("cd".repeat(32))
            .setSignature(ByteBuffer.wrap(new byte[64])).setKeyId("0011223344556677").build();

    static final PatchedFunction FUNCTION = PatchedFunction.newBuilder()
            .setObjectName("vmlinux").setSymbol("cmdline_proc_show").setSympos(0).setSourceFile("fs/proc/cmdline.c")
            .setPreBytes(ByteBuffer.wrap(new byte[] {(byte) 0xe8, 0, 0, 0, 0, 0x55, 0x48, (byte) 0x89, (byte) 0xe5}))
            .setRelocations(List.of(RelocationSite.newBuilder().setOffset(1).setType(RelocationType.R_X86_64_PLT32)
                    .setSymbol("__fentry__").setAddend(-4).setLocal(false).build()))
            .setWildcards(List.of(WildcardSite.newBuilder().setOffset(0).setLength(5).setKind(WildcardKind.FENTRY).build()))
            .build();

    static List<Object> payloads() {
        RolloutCounts counts = RolloutCounts.newBuilder().setTargeted(3).setApplied(2).setRejected(1).build();
        return List.of(
                BuildRequested.newBuilder().setName("cmdline-marker").setDescription("mark /proc/cmdline")
                        .setCveIds(List.of("CVE-2026-0001")).setDiff("--- a/fs/proc/cmdline.c\n+++ b/fs/proc/cmdline.c\n")
                        .setTarget(KERNEL).setAtomicReplace(true).build(),
                BuildProgress.newBuilder().setStage(BuildStage.COMPILE).setFinished(true).setElapsedMs(2300).build(),
                PatchBuilt.newBuilder().setName("cmdline-marker").setTarget(KERNEL).setModuleName("khp_cmdline_marker")
                        .setAtomicReplace(false).setArtifact(ARTIFACT)
                        .setToolchain(Toolchain.newBuilder().setCompiler("gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0").build())
                        .setDiffSha256("ef".repeat(32)).setFunctions(List.of(FUNCTION)).setNewFunctions(List.of("khp_helper_fn")).build(),
                BuildFailed.newBuilder().setStage(BuildStage.DIFF_OBJECTS).setReasonCode("GLOBAL_INIT_CHANGED")
                        .setReason("initial value of sysctl_x changed").setSymbol("sysctl_x").setSection(".data").build(),
                HostReported.newBuilder().setHostname("vm-1").setKernel(KERNEL).setKernelVersion("Linux version 6.1.0-99-amd64")
                        .setBootId(UUID.randomUUID().toString()).setUptimeSeconds(42).setLockdown(LockdownMode.NONE)
                        .setLivepatches(List.of(LoadedLivepatch.newBuilder().setName("khp_x").setEnabled(true)
                                .setTransition(false).setObjects(List.of("vmlinux")).build()))
                        .setAgentVersion("0.1.0").setLabels(Map.of("rack", "r1")).build(),
                RunObjectCaptured.newBuilder().setAttempt(1)
                        .setFunctions(List.of(CapturedFunction.newBuilder().setObjectName("vmlinux").setSymbol("cmdline_proc_show")
                                .setFound(true).setAddress(0xffffffff81234560L).setBytes(ByteBuffer.wrap(new byte[] {0x0f, 0x1f, 0x44, 0, 0})).build()))
                        .setSymbols(List.of(SymbolCandidates.newBuilder().setSymbol("saved_command_line")
                                .setAddresses(List.of(0xffffffff82000000L)).build()))
                        .build(),
                PreRunVerified.newBuilder().setVerdict(Verdict.MISMATCH).setReason("byte differs")
                        .setFunctions(List.of(FunctionVerdict.newBuilder().setObjectName("vmlinux").setSymbol("cmdline_proc_show")
                                .setVerdict(Verdict.MISMATCH).setFirstDifferenceOffset(17)
                                .setExpected(ByteBuffer.wrap(new byte[] {0x48})).setFound(ByteBuffer.wrap(new byte[] {0x49})).build()))
                        .setResolvedSymbols(List.of(ResolvedSymbol.newBuilder().setSymbol("saved_command_line")
                                .setAddress(0xffffffff82000000L).setSympos(0).build()))
                        .build(),
                ApplyRequested.newBuilder().setRolloutId("r-1").setWave(1).setModuleName("khp_cmdline_marker").setArtifact(ARTIFACT)
                        .setCaptures(List.of(CaptureRequest.newBuilder().setObjectName("vmlinux").setSymbol("cmdline_proc_show")
                                .setLength(9).setReferencedSymbols(List.of("seq_puts")).build()))
                        .build(),
                RevertRequested.newBuilder().setRolloutId("r-1").setWave(1).setModuleName("khp_cmdline_marker").setReason("auto-revert").build(),
                ApplyAttempted.newBuilder().setAttempt(2).setOutcome(ApplyOutcome.STALLED_REVERSED).setDurationMs(15_000)
                        .setStalledTasks(List.of(StalledTask.newBuilder().setPid(77).setComm("khp_stall")
                                .setStack("[<0>] khp_stall_sleep+0x1e/0x40 [khp_stall]").build()))
                        .setKernelLog("livepatch: signaling remaining tasks").build(),
                Applied.newBuilder().setModuleName("khp_cmdline_marker").setTransitionMs(850).setAttempts(1).build(),
                ApplyFailed.newBuilder().setReasonCode(ApplyFailureReason.STALLED).setDetail("3 attempts stalled").setAttempts(3).build(),
                Reverted.newBuilder().setModuleName("khp_cmdline_marker").setDurationMs(600).build(),
                RolloutRequested.newBuilder().setRolloutId("r-1")
                        .setSelector(HostSelector.newBuilder().setFlavour("amd64").setLabels(Map.of("rack", "r1")).build())
                        .setWaves(List.of(WaveSize.newBuilder().setUnit(WaveUnit.HOSTS).setValue(1).build(),
                                WaveSize.newBuilder().setUnit(WaveUnit.PERCENT).setValue(100).build()))
                        .setMaxFailureRatio(0.25).setAutoRevert(true).build(),
                RolloutWaveStarted.newBuilder().setRolloutId("r-1").setWave(1).setHosts(List.of("vm-1")).build(),
                RolloutHalted.newBuilder().setRolloutId("r-1").setWave(1).setReason("failures 1/1 > 0.25").setCounts(counts).build(),
                RolloutCompleted.newBuilder().setRolloutId("r-1").setCounts(counts).build());
    }

    static KhpEvent envelope(Object payload) {
        return KhpEvent.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setOccurredAt(Instant.ofEpochMilli(1_790_000_000_000L))
                .setSource("schemas-test")
                .setCorrelationId("corr-1")
                .setHostId("host-1")
                .setPatchId("patch-1")
                .setPayload(payload)
                .build();
    }
}
