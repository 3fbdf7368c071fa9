package io.khp.ledger.bench;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import io.khp.events.ApplyAttempted;
import io.khp.events.ApplyOutcome;
import io.khp.events.ApplyRequested;
import io.khp.events.Applied;
import io.khp.events.ArtifactRef;
import io.khp.events.CaptureRequest;
import io.khp.events.HostReported;
import io.khp.events.KernelIdentity;
import io.khp.events.KhpEvent;
import io.khp.events.LockdownMode;
import io.khp.events.PreRunVerified;
import io.khp.events.RevertRequested;
import io.khp.events.Reverted;
import io.khp.events.RunObjectCaptured;
import io.khp.events.Verdict;

/**
 * A legal lifecycle per host, one step at a time: step 0 is the host's first report, then per
 * round k (steps 1 + 7k … 7 + 7k) of one of {@link #PATCHES} patches (k mod 3) ApplyRequested,
 * RunObjectCaptured, PreRunVerified(MATCH), ApplyAttempted, Applied, RevertRequested, Reverted:
 * a host carries a few patches that are applied and reverted again and again.
 */
final class LifecycleGenerator {

    private static final KernelIdentity KERNEL = KernelIdentity.newBuilder().setRelease("6.1.0-bench-amd64")
            .setFlavour("amd64").setBuildIdentity("0123456789abcdef0123456789abcdef01234567").build();

    static final int PATCHES = 3;

    static String host(int i) {
        return String.format("bench-host-%05d", i);
    }

    static String patch(int k) {
        return String.format("bench-patch-%03d", k);
    }

    static KhpEvent event(int hostIndex, int step, Instant at) {
        String host = host(hostIndex);
        if (step == 0) {
            return envelope(host, null, at, HostReported.newBuilder().setHostname(host + ".bench").setKernel(KERNEL)
                    .setKernelVersion("Linux version 6.1.0-bench-amd64 (gcc-12)").setBootId("boot-" + hostIndex)
                    .setUptimeSeconds(1000).setLockdown(LockdownMode.NONE).setAgentVersion("0.1.0")
                    .setLabels(Map.of("rack", "r" + hostIndex % 40)).build());
        }
        int k = (step - 1) / 7;
        String patch = patch(k % PATCHES);
        String module = "khp_" + patch.replace('-', '_');
        Object payload = switch ((step - 1) % 7) {
            case 0 -> ApplyRequested.newBuilder().setModuleName(module).setArtifact(ArtifactRef.newBuilder()
                    .setSha256("ab".repeat(32)).setSizeBytes(48_000).setManifestSha256("cd".repeat(32))
                    .setSignature(ByteBuffer.wrap(new byte[64])).setKeyId("0011223344556677").build())
                    .setCaptures(List.of(CaptureRequest.newBuilder().setObjectName("vmlinux").setSymbol("meminfo_proc_show")
                            .setLength(512).setReferencedSymbols(List.of("seq_printf", "si_meminfo")).build()))
                    .build();
            case 1 -> RunObjectCaptured.newBuilder().setAttempt(1).build();
            case 2 -> PreRunVerified.newBuilder().setVerdict(Verdict.MATCH).build();
            case 3 -> ApplyAttempted.newBuilder().setAttempt(1).setOutcome(ApplyOutcome.APPLIED).setDurationMs(40).build();
            case 4 -> Applied.newBuilder().setModuleName(module).setTransitionMs(35).setAttempts(1).build();
            case 5 -> RevertRequested.newBuilder().setModuleName(module).setReason("bench").build();
            default -> Reverted.newBuilder().setModuleName(module).setDurationMs(30).build();
        };
        return envelope(host, patch, at, payload);
    }

    /**
     * {@code events} events of {@code hosts} hosts (indexes from {@code firstHost}) in the order the
     * benchmarks replay them: step by step, each step host by host.
     */
    static void inReplayOrder(int firstHost, int hosts, long events, Instant at, Consumer<KhpEvent> each) {
        if (hosts < 1) {
            throw new IllegalArgumentException("a fleet needs at least one host, not " + hosts);
        }
        long taken = 0;
        for (int step = 0; taken < events; step++) {
            for (int h = 0; h < hosts && taken < events; h++, taken++) {
                each.accept(event(firstHost + h, step, at));
            }
        }
    }

    private static KhpEvent envelope(String host, String patch, Instant at, Object payload) {
        return KhpEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setOccurredAt(at)
                .setSource("bench").setHostId(host).setPatchId(patch).setPayload(payload).build();
    }
}
