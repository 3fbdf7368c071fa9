package io.khp.agent.core;

import java.util.List;

import io.khp.bus.Events;
import io.khp.events.Applied;
import io.khp.events.ApplyAttempted;
import io.khp.events.ApplyRequested;
import io.khp.events.ApplyFailed;
import io.khp.events.ApplyFailureReason;
import io.khp.events.HostReported;
import io.khp.events.KhpEvent;
import io.khp.events.Reverted;
import io.khp.events.RunObjectCaptured;

/**
 * The events the agent publishes for a command. Their ids are derived from host, patch, command,
 * attempt and kind, so an agent that repeats itself after a crash publishes the same ids and
 * consumers drop the repeats.
 */
public final class LifecycleEvents {

    private final Events events;

    public LifecycleEvents(Events events) {
        this.events = events;
    }

    public static String idOf(KhpEvent command, int attempt, String kind) {
        return Events.deterministicId(command.getHostId(), String.valueOf(command.getPatchId()), command.getEventId(),
                Integer.toString(attempt), kind);
    }

    private KhpEvent answer(KhpEvent command, int attempt, Object payload) {
        return events.answering(command)
                .setEventId(idOf(command, attempt, payload.getClass().getSimpleName()))
                .setPayload(payload)
                .build();
    }

    /** The capture names the manifest it is for: a patch has one per kernel, and the verifier needs this host's. */
    public KhpEvent captured(KhpEvent command, RunObjectCaptured capture) {
        if (command.getPayload() instanceof ApplyRequested apply && capture.getManifestSha256() == null) {
            capture = RunObjectCaptured.newBuilder(capture).setManifestSha256(apply.getArtifact().getManifestSha256()).build();
        }
        return answer(command, 1, capture);
    }

    public KhpEvent attempted(KhpEvent command, Attempt a, String kernelLog) {
        return answer(command, a.number(), ApplyAttempted.newBuilder()
                .setAttempt(a.number())
                .setOutcome(a.outcome())
                .setDurationMs(a.durationMs())
                .setStalledTasks(a.stalled())
                .setKernelLog(kernelLog)
                .setError(a.error())
                .build());
    }

    public KhpEvent applied(KhpEvent command, String module, long transitionMs, int attempts) {
        return answer(command, 0, new Applied(module, transitionMs, attempts));
    }

    public KhpEvent failed(KhpEvent command, ApplyFailureReason reason, String detail, int attempts) {
        return answer(command, 0, new ApplyFailed(reason, detail == null ? "" : detail, attempts));
    }

    public KhpEvent reverted(KhpEvent command, String module, long durationMs) {
        return answer(command, 0, new Reverted(module, durationMs));
    }

    public KhpEvent reported(String hostId, HostReported report) {
        return events.envelope().setHostId(hostId).setPayload(report).build();
    }

    public static List<String> kinds() {
        return List.of("RunObjectCaptured", "ApplyAttempted", "Applied", "ApplyFailed", "Reverted");
    }
}
