package io.khp.builder;

import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.khp.builder.core.BuildRefusal;
import io.khp.builder.core.ModuleNames;
import io.khp.builder.core.ReasonCodes;
import io.khp.bus.Events;
import io.khp.events.ArtifactRef;
import io.khp.events.BuildFailed;
import io.khp.events.BuildProgress;
import io.khp.events.BuildRequested;
import io.khp.events.BuildStage;
import io.khp.events.KhpEvent;
import io.khp.events.PatchBuilt;

/**
 * Answers one BuildRequested: progress per stage, then the module on the artifacts topic and
 * PatchBuilt, or BuildFailed. A request whose diff, target and options were built before is
 * answered from the build cache (signed anew for its patch id). Outcome events have ids derived
 * from the request's, so a request handled twice (redelivery after a crash) publishes the same
 * events. Nothing a request contains can make this throw: every failure becomes a BuildFailed.
 */
public final class BuildRequestHandler {

    /** Where the handler's events and artifacts go. */
    public interface Publisher {
        void event(String key, KhpEvent event) throws Exception;

        void artifact(String sha256, byte[] module) throws Exception;
    }

    private static final Logger LOG = LoggerFactory.getLogger(BuildRequestHandler.class);

    private final Components components;
    private final Events events;
    private final Publisher publisher;

    public BuildRequestHandler(Components components, Events events, Publisher publisher) {
        this.components = components;
        this.events = events;
        this.publisher = publisher;
    }

    public void handle(KhpEvent event) throws Exception {
        if (!(event.getPayload() instanceof BuildRequested request)) {
            return;
        }
        String key = event.getPatchId() != null ? event.getPatchId() : event.getEventId();
        if (event.getPatchId() == null) {
            fail(event, key, BuildRefusal.of(BuildStage.REQUEST, ReasonCodes.MALFORMED_DIFF, "the build request carries no patch id"));
            return;
        }
        long start = System.nanoTime();
        LivepatchBuilder.Request build = new LivepatchBuilder.Request(request.getName(), request.getDescription(),
                request.getDiff(), request.getTarget().getFlavour(), request.getTarget().getRelease(), request.getAtomicReplace());
        try {
            String cacheKey = BuildCache.key(build, ModuleNames.forPatch(request.getName()));
            Optional<LivepatchBuilder.Built> cached = components.cache().get(cacheKey);
            LivepatchBuilder.Built built;
            if (cached.isPresent()) {
                progress(event, key, BuildStage.REQUEST, true, 0, "answered from the build cache");
                built = cached.get();
            } else {
                built = components.builder().build(build, (stage, finished, ms, detail) -> progress(event, key, stage, finished, ms, detail));
                components.cache().put(cacheKey, built);
            }
            long signStart = System.nanoTime();
            progress(event, key, BuildStage.SIGN, false, 0, null);
            Optional<ArtifactRef> artifact = components.signer().sign(key, built.moduleName(), built.module(), built.functions());
            if (artifact.isEmpty()) {
                fail(event, key, BuildRefusal.of(BuildStage.SIGN, ReasonCodes.NO_SIGNING_KEY, "no signing key in "
                        + components.signer().keyDirectory() + ": run ./khp keys init"));
                return;
            }
            progress(event, key, BuildStage.SIGN, true, (System.nanoTime() - signStart) / 1_000_000, artifact.get().getKeyId());
            progress(event, key, BuildStage.PUBLISH, false, 0, null);
            publisher.artifact(artifact.get().getSha256(), built.module());
            PatchBuilt patchBuilt = PatchBuilt.newBuilder()
                    .setName(request.getName())
                    .setDescription(request.getDescription())
                    .setCveIds(request.getCveIds())
                    .setTarget(built.target())
                    .setModuleName(built.moduleName())
                    .setAtomicReplace(request.getAtomicReplace())
                    .setArtifact(artifact.get())
                    .setToolchain(built.toolchain())
                    .setDiffSha256(built.diffSha256())
                    .setFunctions(built.functions())
                    .setNewFunctions(built.newFunctions())
                    .setAppliedHunks(built.appliedHunks())
                    .build();
            publisher.event(key, events.answering(event).setEventId(Events.deterministicId(event.getEventId(), "outcome"))
                    .setPayload(patchBuilt).build());
            LOG.info("patch {} built: {} ({} bytes, {} function(s)) in {} ms", key, built.moduleName(), built.module().length,
                    built.functions().size(), (System.nanoTime() - start) / 1_000_000);
        } catch (BuildRefusal.RefusedException e) {
            fail(event, key, e.refusal());
        } catch (Exception e) {
            LOG.error("build of patch {} failed", key, e);
            fail(event, key, BuildRefusal.of(BuildStage.REQUEST, ReasonCodes.INTERNAL_ERROR,
                    "the builder failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())));
        }
    }

    private void progress(KhpEvent cause, String key, BuildStage stage, boolean finished, long ms, String detail) {
        try {
            publisher.event(key, events.answering(cause).setPayload(BuildProgress.newBuilder().setStage(stage)
                    .setFinished(finished).setElapsedMs(ms).setDetail(detail).build()).build());
        } catch (Exception e) {
            LOG.warn("cannot publish progress of {}: {}", key, e.getMessage()); // progress is advisory
        }
    }

    private void fail(KhpEvent cause, String key, BuildRefusal refusal) throws Exception {
        BuildFailed failed = refusal.toEvent();
        LOG.info("patch {} refused at {}: {} {}", key, refusal.stage(), refusal.reasonCode(), refusal.reason());
        publisher.event(key, events.answering(cause).setEventId(Events.deterministicId(cause.getEventId(), "outcome"))
                .setPayload(failed).build());
    }

}
