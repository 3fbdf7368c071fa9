package io.khp.ledger.core;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import io.khp.events.ApplyRequested;
import io.khp.events.ArtifactRef;
import io.khp.events.BuildFailed;
import io.khp.events.BuildProgress;
import io.khp.events.BuildRequested;
import io.khp.events.CaptureRequest;
import io.khp.events.KhpEvent;
import io.khp.events.PatchBuilt;
import io.khp.events.PatchedFunction;
import io.khp.events.RelocationSite;
import io.khp.state.BuildStatus;
import io.khp.state.HostKernel;
import io.khp.state.HostPatchChange;
import io.khp.state.KernelBuild;
import io.khp.state.ManifestSummary;
import io.khp.state.PatchState;
import io.khp.state.PatchStatus;
import io.khp.state.RolloutState;

/** Folds a patch's build events and its hosts' state changes into the patch's state (pure). */
public final class PatchLedger {

    static final int RECENT_EVENT_IDS = 32;

    private PatchLedger() {
    }

    public static PatchState empty(String patchId) {
        return PatchState.newBuilder().setPatchId(patchId).setHostCounts(new HashMap<>()).setRollouts(new ArrayList<>())
                .setRecentEventIds(new ArrayList<>()).setBuilds(new ArrayList<>()).build();
    }

    public static boolean seen(PatchState patch, String eventId) {
        return patch != null && patch.getRecentEventIds().contains(eventId);
    }

    /**
     * A build event (BuildRequested, BuildProgress, PatchBuilt, BuildFailed) of one of the patch's
     * kernels; anything else leaves it as is. Answers find their kernel's build by their causation id
     * (the request's event id); the patch's summary fields follow the builds.
     */
    public static PatchState build(PatchState current, KhpEvent event) {
        PatchState next = current == null ? empty(event.getPatchId()) : PatchState.newBuilder(current).build();
        Object payload = event.getPayload();
        List<KernelBuild> builds = next.getBuilds();
        int answered = KernelBuilds.answered(builds, event.getCausationId());
        if (payload instanceof BuildRequested request) {
            next.setName(request.getName());
            next.setBuilds(KernelBuilds.requested(builds, KernelBuilds.kernelOf(request.getTarget()), event.getEventId()));
            next.setBuildStage(null);
            next.setBuildFailure(null);
        } else if (payload instanceof BuildProgress progress) {
            next.setBuildStage(progress.getStage().name());
            if (answered >= 0) {
                next.setBuilds(KernelBuilds.progressed(builds, answered, progress.getStage().name()));
            } else if (next.getBuildStatus() != BuildStatus.BUILT) {
                next.setBuildStatus(BuildStatus.BUILDING);
            }
        } else if (payload instanceof PatchBuilt built) {
            next.setName(built.getName());
            next.setBuilds(KernelBuilds.built(builds, answered, built.getTarget(), summary(built)));
            next.setBuildFailure(null);
        } else if (payload instanceof BuildFailed failed) {
            String failure = failed.getReasonCode() + ": " + failed.getReason();
            next.setBuildStage(failed.getStage().name());
            next.setBuildFailure(failure);
            if (answered >= 0) {
                next.setBuilds(KernelBuilds.failed(builds, answered, failed.getStage().name(), failure));
            } else {
                next.setBuildStatus(BuildStatus.FAILED); // an answer to no known request: the summary only
            }
        } else {
            return next;
        }
        if (!next.getBuilds().isEmpty() && (answered >= 0 || !(payload instanceof BuildProgress || payload instanceof BuildFailed))) {
            next.setBuildStatus(KernelBuilds.overall(next.getBuilds()));
            next.setManifest(KernelBuilds.firstManifest(next.getBuilds()));
        }
        next.setUpdatedAt(event.getOccurredAt().toEpochMilli());
        return remember(next, event.getEventId());
    }

    /** Moves one host from its previous to its current state in the patch's host counts. */
    public static PatchState hostChanged(PatchState current, HostPatchChange change) {
        PatchState base = current == null ? empty(change.getPatchId()) : current;
        if (change.getPrevious() == change.getCurrent()) {
            return base; // a report of a state, not a change
        }
        // only the counts and the time change: the rest is shared with the current state, never mutated
        PatchState next = new PatchState(base.getPatchId(), base.getName(), base.getBuildStatus(), base.getBuildStage(),
                base.getBuildFailure(), base.getManifest(), base.getHostCounts(), base.getRollouts(), base.getUpdatedAt(),
                base.getRecentEventIds(), base.getBuilds());
        Map<String, Integer> counts = new HashMap<>(next.getHostCounts());
        next.setHostCounts(counts);
        if (change.getPrevious() != PatchStatus.UNKNOWN) {
            counts.merge(change.getPrevious().name(), -1, Integer::sum);
            if (counts.get(change.getPrevious().name()) <= 0) {
                counts.remove(change.getPrevious().name());
            }
        }
        if (change.getCurrent() != PatchStatus.UNKNOWN) {
            counts.merge(change.getCurrent().name(), 1, Integer::sum);
        }
        next.setUpdatedAt(Math.max(next.getUpdatedAt(), change.getAt()));
        return next;
    }

    /** Adds the net host count changes of several hosts to the patch's host counts. */
    public static PatchState hostCountsChanged(PatchState current, HostCountDelta delta) {
        PatchState base = current == null ? empty(delta.patchId()) : current;
        if (delta.counts().isEmpty()) {
            return base;
        }
        PatchState next = new PatchState(base.getPatchId(), base.getName(), base.getBuildStatus(), base.getBuildStage(),
                base.getBuildFailure(), base.getManifest(), base.getHostCounts(), base.getRollouts(), base.getUpdatedAt(),
                base.getRecentEventIds(), base.getBuilds());
        Map<String, Integer> counts = new HashMap<>(next.getHostCounts());
        delta.counts().forEach((state, n) -> counts.merge(state, n, Integer::sum));
        counts.values().removeIf(n -> n <= 0);
        next.setHostCounts(counts);
        next.setUpdatedAt(Math.max(next.getUpdatedAt(), delta.at()));
        return next;
    }

    public static PatchState withRollout(PatchState current, RolloutState rollout) {
        PatchState next = PatchState.newBuilder(current).build();
        List<RolloutState> rollouts = new ArrayList<>(next.getRollouts());
        rollouts.removeIf(r -> r.getRolloutId().equals(rollout.getRolloutId()));
        rollouts.add(rollout);
        next.setRollouts(rollouts);
        return next;
    }

    public static RolloutState rollout(PatchState patch, String rolloutId) {
        if (patch == null || rolloutId == null) {
            return null;
        }
        return patch.getRollouts().stream().filter(r -> r.getRolloutId().equals(rolloutId)).findFirst().orElse(null);
    }

    public static PatchState remember(PatchState next, String eventId) {
        List<String> recent = new ArrayList<>(next.getRecentEventIds());
        recent.add(eventId);
        if (recent.size() > RECENT_EVENT_IDS) {
            recent = new ArrayList<>(recent.subList(recent.size() - RECENT_EVENT_IDS, recent.size()));
        }
        next.setRecentEventIds(recent);
        return next;
    }

    static ManifestSummary summary(PatchBuilt built) {
        var t = built.getTarget();
        return ManifestSummary.newBuilder()
                .setModuleName(built.getModuleName())
                .setArtifactSha256(built.getArtifact().getSha256())
                .setArtifactSizeBytes(built.getArtifact().getSizeBytes())
                .setManifestSha256(built.getArtifact().getManifestSha256())
                .setKeyId(built.getArtifact().getKeyId())
                .setAtomicReplace(built.getAtomicReplace())
                .setTarget(HostKernel.newBuilder().setRelease(t.getRelease()).setFlavour(t.getFlavour())
                        .setSourceVersion(t.getSourceVersion()).setBuildIdentity(t.getBuildIdentity()).build())
                .setCompiler(built.getToolchain().getCompiler())
                .setFunctions(built.getFunctions().stream().map(f -> f.getObjectName() + ":" + f.getSymbol()).toList())
                .setNewFunctions(new ArrayList<>(built.getNewFunctions()))
                .build();
    }

    /** The command that tells a host it gets nothing from this patch, and why. */
    public static ApplyRequested skipCommand(String moduleName, String reason) {
        return ApplyRequested.newBuilder()
                .setModuleName(moduleName)
                .setArtifact(ArtifactRef.newBuilder().setSha256("").setSizeBytes(0).setManifestSha256("")
                        .setSignature(ByteBuffer.allocate(0)).setKeyId("").build())
                .setCaptures(new ArrayList<>())
                .setSkipReason(reason)
                .build();
    }

    /**
     * The command a rollout sends a host for this build: the artifact and its signature, and per
     * patched function what to read from the running kernel (its 'pre' length and the symbols its
     * relocations refer to).
     */
    public static ApplyRequested applyCommand(PatchBuilt built) {
        List<CaptureRequest> captures = new ArrayList<>();
        for (PatchedFunction f : built.getFunctions()) {
            LinkedHashSet<String> referenced = new LinkedHashSet<>();
            for (RelocationSite r : f.getRelocations()) {
                referenced.add(r.getSymbol());
            }
            captures.add(CaptureRequest.newBuilder()
                    .setObjectName(f.getObjectName())
                    .setSymbol(f.getSymbol())
                    .setSympos(f.getSympos())
                    .setLength(f.getPreBytes().remaining())
                    .setReferencedSymbols(new ArrayList<>(referenced))
                    .build());
        }
        return ApplyRequested.newBuilder()
                .setModuleName(built.getModuleName())
                .setArtifact(built.getArtifact())
                .setCaptures(captures)
                .build();
    }
}
