package io.khp.cli;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.stream.Collectors;

import io.khp.bus.Events;
import io.khp.events.*;

/** One human-readable line for an event: time, type, host, patch and the payload's gist. */
final class EventLine {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private EventLine() {
    }

    static String of(KhpEvent event) {
        return String.format("%s  %-18s host=%-10s patch=%-14s %s", TIME.format(event.getOccurredAt()), Events.typeOf(event),
                orDash(event.getHostId()), orDash(event.getPatchId()), gist(event.getPayload()));
    }

    static String gist(Object payload) {
        if (payload instanceof BuildRequested p) {
            return "name=" + p.getName() + " target=" + p.getTarget().getRelease();
        } else if (payload instanceof BuildProgress p) {
            return p.getStage() + (p.getFinished() ? " done in " + p.getElapsedMs() + " ms" : " started");
        } else if (payload instanceof PatchBuilt p) {
            return "module=" + p.getModuleName() + " functions=" + p.getFunctions().stream()
                    .map(PatchedFunction::getSymbol).collect(Collectors.joining(",")) + " sha256=" + p.getArtifact().getSha256().substring(0, 12);
        } else if (payload instanceof BuildFailed p) {
            return p.getStage() + " " + p.getReasonCode() + ": " + p.getReason();
        } else if (payload instanceof HostReported p) {
            return "kernel=" + p.getKernel().getRelease() + " boot=" + p.getBootId().substring(0, Math.min(8, p.getBootId().length()))
                    + " livepatches=" + p.getLivepatches().size();
        } else if (payload instanceof RunObjectCaptured p) {
            return p.getFunctions().size() + " functions captured" + (p.getCaptureError() == null ? "" : ", error: " + p.getCaptureError());
        } else if (payload instanceof PreRunVerified p) {
            return p.getVerdict() + (p.getReason() == null ? "" : ": " + p.getReason());
        } else if (payload instanceof ApplyRequested p) {
            return "module=" + p.getModuleName() + " wave=" + p.getWave()
                    + (p.getSkipReason() == null ? "" : " skipped: " + p.getSkipReason());
        } else if (payload instanceof RevertRequested p) {
            return "module=" + p.getModuleName();
        } else if (payload instanceof ApplyAttempted p) {
            return "attempt " + p.getAttempt() + " " + p.getOutcome() + " in " + p.getDurationMs() + " ms";
        } else if (payload instanceof Applied p) {
            return "module=" + p.getModuleName() + " transition " + p.getTransitionMs() + " ms";
        } else if (payload instanceof ApplyFailed p) {
            return p.getReasonCode() + ": " + p.getDetail();
        } else if (payload instanceof Reverted p) {
            return "module=" + p.getModuleName() + " in " + p.getDurationMs() + " ms";
        } else if (payload instanceof RolloutRequested p) {
            return "rollout=" + p.getRolloutId() + " waves=" + p.getWaves().size() + " maxFailures=" + p.getMaxFailureRatio();
        } else if (payload instanceof RolloutWaveStarted p) {
            return "rollout=" + p.getRolloutId() + " wave " + p.getWave() + " hosts=" + String.join(",", p.getHosts());
        } else if (payload instanceof RolloutHalted p) {
            return "rollout=" + p.getRolloutId() + " wave " + p.getWave() + ": " + p.getReason();
        } else if (payload instanceof RolloutCompleted p) {
            return "rollout=" + p.getRolloutId() + " applied=" + p.getCounts().getApplied() + " rejected=" + p.getCounts().getRejected()
                    + " skipped=" + p.getCounts().getSkipped();
        }
        return String.valueOf(payload);
    }

    private static String orDash(String s) {
        return s == null ? "-" : s;
    }
}
