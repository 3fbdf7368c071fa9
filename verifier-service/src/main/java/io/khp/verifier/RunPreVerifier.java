package io.khp.verifier;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.khp.events.KhpEvent;
import io.khp.events.PatchBuilt;
import io.khp.events.PreRunVerified;
import io.khp.events.RunObjectCaptured;
import io.khp.events.Verdict;
import io.khp.verifier.match.HostCapture;
import io.khp.verifier.match.RunPreMatcher;

/**
 * The verifier's decisions, without Kafka: keeps the manifests of built patches (one per kernel the
 * patch was built for), answers each host capture with a verdict once the manifest it names is known
 * (a capture that names none takes its patch's latest), lets a capture wait for a manifest that
 * has not arrived yet (up to {@code manifestWait}, then UNSUPPORTED), reuses verdicts of identical
 * pairs, and answers each capture event once. Not thread-safe: driven by one worker thread.
 */
public final class RunPreVerifier {

    /** A capture event and the verdict that answers it. */
    public record Answer(KhpEvent capture, PreRunVerified verdict) {
    }

    private record Waiting(KhpEvent capture, Instant deadline) {
    }

    private final ManifestReader reader;
    private final RunPreMatcher matcher;
    private final VerdictCache cache;
    private final Duration manifestWait;
    private final int answeredMemory;
    /** Patch id → manifest sha256 → manifest. */
    private final Map<String, Map<String, PatchManifest>> manifests = new HashMap<>();
    private final Map<String, PatchManifest> latest = new HashMap<>();
    private final Map<String, List<Waiting>> waiting = new LinkedHashMap<>();
    private final Set<String> answered = new LinkedHashSet<>();

    public RunPreVerifier(ManifestReader reader, RunPreMatcher matcher, VerdictCache cache, Duration manifestWait,
            int answeredMemory) {
        this.reader = reader;
        this.matcher = matcher;
        this.cache = cache;
        this.manifestWait = manifestWait;
        this.answeredMemory = answeredMemory;
    }

    /** Keeps a manifest of {@code patchId} and answers the captures waiting for it. */
    public List<Answer> onPatchBuilt(String patchId, PatchBuilt built) {
        PatchManifest manifest = reader.read(patchId, built);
        String sha = built.getArtifact().getManifestSha256();
        manifests.computeIfAbsent(patchId, p -> new HashMap<>()).put(sha, manifest);
        latest.put(patchId, manifest);
        List<Waiting> list = waiting.get(patchId);
        List<Answer> answers = new ArrayList<>();
        if (list != null) {
            for (Iterator<Waiting> it = list.iterator(); it.hasNext(); ) {
                Waiting w = it.next();
                RunObjectCaptured capture = (RunObjectCaptured) w.capture().getPayload();
                if (capture.getManifestSha256() == null || capture.getManifestSha256().equals(sha)) {
                    it.remove();
                    answers.add(answer(w.capture(), verdictFor(manifest, capture)));
                }
            }
            if (list.isEmpty()) {
                waiting.remove(patchId);
            }
        }
        return answers;
    }

    private PatchManifest manifestFor(String patchId, RunObjectCaptured capture) {
        if (capture.getManifestSha256() == null) {
            return latest.get(patchId);
        }
        Map<String, PatchManifest> ofPatch = manifests.get(patchId);
        return ofPatch == null ? null : ofPatch.get(capture.getManifestSha256());
    }

    /**
     * The answer to a capture, or nothing when it was answered before or waits for its manifest.
     *
     * @throws IllegalArgumentException for a capture that names no host or no patch: it cannot be answered
     */
    public List<Answer> onCapture(KhpEvent event, Instant now) {
        if (!(event.getPayload() instanceof RunObjectCaptured capture)) {
            throw new IllegalArgumentException("not a RunObjectCaptured: " + event.getPayload().getClass().getSimpleName());
        }
        if (isBlank(event.getHostId()) || isBlank(event.getPatchId())) {
            throw new IllegalArgumentException("RunObjectCaptured " + event.getEventId() + " names no "
                    + (isBlank(event.getHostId()) ? "host" : "patch") + " id: nobody to answer");
        }
        if (answered.contains(event.getEventId()) || isWaiting(event)) {
            return List.of();
        }
        PatchManifest manifest = manifestFor(event.getPatchId(), capture);
        if (manifest == null) {
            waiting.computeIfAbsent(event.getPatchId(), p -> new ArrayList<>()).add(new Waiting(event, now.plus(manifestWait)));
            return List.of();
        }
        return List.of(answer(event, verdictFor(manifest, capture)));
    }

    /** Captures whose manifest did not come in time: UNSUPPORTED. */
    public List<Answer> expire(Instant now) {
        List<Answer> answers = new ArrayList<>();
        for (Iterator<Map.Entry<String, List<Waiting>>> it = waiting.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, List<Waiting>> e = it.next();
            for (Iterator<Waiting> w = e.getValue().iterator(); w.hasNext(); ) {
                Waiting one = w.next();
                if (!now.isBefore(one.deadline())) {
                    w.remove();
                    answers.add(answer(one.capture(), PreRunVerified.newBuilder().setVerdict(Verdict.UNSUPPORTED)
                            .setReason("no manifest: no PatchBuilt for patch " + e.getKey()
                                    + manifestNamed((RunObjectCaptured) one.capture().getPayload()) + " arrived within "
                                    + manifestWait.toMillis() + " ms of the capture")
                            .build()));
                }
            }
            if (e.getValue().isEmpty()) {
                it.remove();
            }
        }
        return answers;
    }

    /** Records that a capture was answered (e.g. an answer seen on the topic, from before a restart). */
    public void markAnswered(String captureEventId) {
        answered.add(captureEventId);
        if (answered.size() > answeredMemory) {
            Iterator<String> oldest = answered.iterator();
            oldest.next();
            oldest.remove();
        }
    }

    public int waitingCount() {
        return waiting.values().stream().mapToInt(List::size).sum();
    }

    public VerdictCache cache() {
        return cache;
    }

    private PreRunVerified verdictFor(PatchManifest manifest, RunObjectCaptured capture) {
        if (!manifest.isUsable()) {
            return PreRunVerified.newBuilder().setVerdict(Verdict.UNSUPPORTED).setReason(manifest.rejection()).build();
        }
        String key = VerdictCache.key(manifest.manifestSha256(), capture);
        PreRunVerified cached = cache.get(key);
        if (cached != null) {
            return PreRunVerified.newBuilder(cached).build();
        }
        PreRunVerified verdict = matcher.match(manifest.functions(), HostCapture.from(capture));
        cache.put(key, verdict);
        return PreRunVerified.newBuilder(verdict).build();
    }

    private Answer answer(KhpEvent capture, PreRunVerified verdict) {
        markAnswered(capture.getEventId());
        return new Answer(capture, verdict);
    }

    private boolean isWaiting(KhpEvent event) {
        List<Waiting> list = waiting.get(event.getPatchId());
        return list != null && list.stream().anyMatch(w -> w.capture().getEventId().equals(event.getEventId()));
    }

    private static String manifestNamed(RunObjectCaptured capture) {
        return capture.getManifestSha256() == null ? "" : " with manifest " + capture.getManifestSha256();
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
