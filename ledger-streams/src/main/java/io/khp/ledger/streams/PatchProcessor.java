package io.khp.ledger.streams;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import io.khp.bus.AvroRecordSerde;
import io.khp.bus.EventCodec;
import io.khp.bus.Events;
import io.khp.bus.Topics;
import io.khp.events.ApplyFailed;
import io.khp.events.ApplyFailureReason;
import io.khp.events.ApplyRequested;
import io.khp.events.BuildFailed;
import io.khp.events.BuildProgress;
import io.khp.events.BuildRequested;
import io.khp.events.KhpEvent;
import io.khp.events.PatchBuilt;
import io.khp.events.RevertRequested;
import io.khp.events.RolloutCompleted;
import io.khp.events.RolloutHalted;
import io.khp.events.RolloutRequested;
import io.khp.events.RolloutWaveStarted;
import io.khp.ledger.core.HostCountDelta;
import io.khp.ledger.core.HostSelectorMatcher;
import io.khp.ledger.core.KernelBuilds;
import io.khp.ledger.core.PatchLedger;
import io.khp.ledger.core.Rejections;
import io.khp.ledger.core.RolloutDecision;
import io.khp.ledger.core.RolloutPlanner;
import io.khp.state.BuildStatus;
import io.khp.state.HostPatchChange;
import io.khp.state.HostState;
import io.khp.state.PatchState;
import io.khp.state.PatchStatus;
import io.khp.state.Rejection;
import io.khp.state.RolloutHost;
import io.khp.state.RolloutState;
import io.khp.state.RolloutStatus;

/**
 * Patch-keyed processing: build events, rollout requests and the host patch changes routed here
 * from the host side. Keeps each patch's state and apply command, and runs the rollout controller:
 * it selects hosts from the fleet (the global copy of khp.host-state), sends ApplyRequested per
 * wave, follows each targeted host's state and decides the next wave, a halt (with auto-revert) or
 * the end, from its own stores, so a restart continues where it was.
 *
 * <p>Every {@link #TIMEOUT_CHECK_INTERVAL} (the ledger's wall clock) it times out the hosts of
 * running waves that have no outcome past the rollout's timeouts: each gets an ApplyFailed(TIMED_OUT)
 * on khp.host-commands (its history entry; the host side moves its patch to TIMED_OUT) and counts as
 * TIMED_OUT in the rollout at once, so the wave is decided then even if the host side refuses it.
 *
 * <p>The controller's own RolloutWaveStarted/Halted/Completed come back on khp.rollouts and are
 * ignored; its ApplyRequested/RevertRequested come back on khp.host-commands to the host side,
 * which is what moves the host's patch to REQUESTED/REVERTING.
 */
final class PatchProcessor implements Processor<String, Object, String, Outbound> {

    /** Host count changes alone are published at most this often per patch. */
    static final Duration PUBLISH_INTERVAL = Duration.ofMillis(200);
    /** How often running waves are checked for hosts past their timeouts. */
    static final Duration TIMEOUT_CHECK_INTERVAL = Duration.ofSeconds(1);

    private static final AvroRecordSerde<PatchState> PATCH = new AvroRecordSerde<>(PatchState.class);
    private static final AvroRecordSerde<HostState> HOST = new AvroRecordSerde<>(HostState.class);
    private static final AvroRecordSerde<Rejection> REJECTION = new AvroRecordSerde<>(Rejection.class);
    private static final EventCodec CODEC = EventCodec.instance();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PatchProcessor.class);

    private ProcessorContext<String, Outbound> context;
    private KeyValueStore<String, PatchState> patches;
    private KeyValueStore<String, ApplyRequested> commands;
    private KeyValueStore<String, RolloutHost> rolloutHosts;
    private ReadOnlyKeyValueStore<String, byte[]> fleet;
    private final Set<String> unpublished = new HashSet<>();
    /** Patches with a running rollout (the timeout check looks at these only). */
    private final Set<String> running = new HashSet<>();

    @Override
    public void init(ProcessorContext<String, Outbound> context) {
        this.context = context;
        this.patches = context.getStateStore(LedgerTopology.PATCHES_STORE);
        this.commands = context.getStateStore(LedgerTopology.COMMANDS_STORE);
        this.rolloutHosts = context.getStateStore(LedgerTopology.ROLLOUT_HOSTS_STORE);
        this.fleet = context.getStateStore(LedgerTopology.FLEET_STORE);
        context.schedule(PUBLISH_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> publishPending());
        try (KeyValueIterator<String, PatchState> all = patches.all()) {
            while (all.hasNext()) {
                PatchState patch = all.next().value;
                if (hasRunningRollout(patch)) {
                    running.add(patch.getPatchId());
                }
            }
        }
        context.schedule(TIMEOUT_CHECK_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::timeOutHosts);
    }

    @Override
    public void process(Record<String, Object> record) {
        if (record.value() instanceof HostPatchChange change) {
            hostChanged(record, change);
        } else if (record.value() instanceof HostCountDelta delta) {
            save(record, PatchLedger.hostCountsChanged(patches.get(delta.patchId()), delta), false);
        } else if (record.value() instanceof byte[] bytes) {
            EventDecoding.decode(context, record, bytes).ifPresent(event -> patchEvent(record, event));
        }
    }

    private void patchEvent(Record<String, Object> record, KhpEvent event) {
        String patchId = record.key() != null ? record.key() : event.getPatchId();
        if (patchId == null) {
            reject(record, event, "patch event without a patch id", null);
            return;
        }
        PatchState patch = patches.get(patchId);
        if (PatchLedger.seen(patch, event.getEventId())) {
            return;
        }
        Object payload = event.getPayload();
        if (payload instanceof BuildRequested || payload instanceof BuildProgress || payload instanceof PatchBuilt
                || payload instanceof BuildFailed) {
            if (!patchId.equals(event.getPatchId())) {
                event = KhpEvent.newBuilder(event).setPatchId(patchId).build();
            }
            PatchState next = PatchLedger.build(patch, event);
            if (payload instanceof PatchBuilt built) {
                ApplyRequested command = PatchLedger.applyCommand(built);
                commands.put(patchId, command);
                commands.put(commandKey(patchId, built.getArtifact().getSha256()), command);
            }
            save(record, next, true);
        } else if (payload instanceof RolloutRequested request) {
            rolloutRequested(record, patchId, patch, event, request);
        } else if (payload instanceof RolloutWaveStarted || payload instanceof RolloutHalted || payload instanceof RolloutCompleted) {
            return; // the controller's own decisions, already in its state
        } else {
            reject(record, event, Events.typeOf(event) + " is not a build or rollout event", null);
        }
    }

    private void rolloutRequested(Record<String, Object> record, String patchId, PatchState patch, KhpEvent event,
            RolloutRequested request) {
        String rolloutId = request.getRolloutId();
        long at = event.getOccurredAt().toEpochMilli();
        PatchState base = patch == null ? PatchLedger.empty(patchId) : patch;
        if (PatchLedger.rollout(base, rolloutId) != null) {
            reject(record, event, "rollout " + rolloutId + " exists already", null);
            return;
        }
        RolloutState running = base.getRollouts().stream().filter(r -> r.getStatus() == RolloutStatus.RUNNING).findFirst().orElse(null);
        if (running != null) {
            reject(record, event, "rollout " + running.getRolloutId() + " of patch " + patchId + " is still running", null);
            return;
        }
        String selector = HostSelectorMatcher.describe(request.getSelector());
        ApplyRequested command = commands.get(patchId);
        String refusal = null;
        List<String> targeted = new ArrayList<>();
        Map<String, KernelBuilds.Choice> choices = new HashMap<>();
        boolean built = base.getBuilds().isEmpty() ? base.getBuildStatus() == BuildStatus.BUILT : KernelBuilds.anyBuilt(base.getBuilds());
        if (!built || command == null) {
            refusal = "patch " + patchId + " is not built";
        } else if (RolloutPlanner.invalidWaves(request.getWaves()) != null) {
            refusal = RolloutPlanner.invalidWaves(request.getWaves());
        } else if (RolloutPlanner.invalidTimeouts(request) != null) {
            refusal = RolloutPlanner.invalidTimeouts(request);
        } else {
            try (KeyValueIterator<String, byte[]> hosts = fleet.all()) {
                while (hosts.hasNext()) {
                    KeyValue<String, byte[]> host = hosts.next();
                    HostState state = decodeHost(host.value);
                    if (HostSelectorMatcher.matches(request.getSelector(), state)) {
                        targeted.add(host.key);
                        choices.put(host.key, base.getBuilds().isEmpty()
                                ? new KernelBuilds.Choice.Artifact(null) // built before builds were kept per kernel: one artifact
                                : KernelBuilds.forHost(base.getBuilds(), state.getKernel(), request.getAnyKernel()));
                    }
                }
            }
            if (targeted.isEmpty()) {
                refusal = "no host matches the selector (" + selector + ")";
            }
        }
        List<List<String>> waves = RolloutPlanner.waves(targeted, request.getWaves());
        RolloutState rollout = RolloutPlanner.start(patchId, request, selector, waves, at,
                context.currentSystemTimeMs());
        if (refusal != null) {
            reject(record, event, refusal, null);
            rollout = RolloutPlanner.end(rollout, RolloutStatus.HALTED, refusal, at);
            emit(record, Topics.ROLLOUTS.name(), patchId, LedgerEvents.envelope(event.getEventId(), event.getOccurredAt(),
                    rolloutId, null, patchId, RolloutHalted.newBuilder().setRolloutId(rolloutId).setWave(0).setReason(refusal)
                            .setCounts(RolloutPlanner.counts(rollout)).build(), rolloutId, "halted"));
            save(record, PatchLedger.remember(PatchLedger.withRollout(base, rollout), event.getEventId()), true);
            return;
        }
        for (int w = 0; w < waves.size(); w++) {
            for (String host : waves.get(w)) {
                RolloutHost.Builder planned = RolloutHost.newBuilder().setHostId(host).setWave(w).setState(PatchStatus.PENDING);
                if (choices.get(host) instanceof KernelBuilds.Choice.Artifact artifact) {
                    planned.setArtifactSha256(artifact.build() == null ? null : artifact.build().getManifest().getArtifactSha256());
                } else {
                    planned.setSkipReason(((KernelBuilds.Choice.Skip) choices.get(host)).reason());
                }
                rolloutHosts.put(rolloutHostKey(rolloutId, host), planned.build());
            }
        }
        PatchState next = PatchLedger.remember(PatchLedger.withRollout(base, rollout), event.getEventId());
        startWave(record, event.getEventId(), event.getOccurredAt(), rollout, 0, waves.get(0));
        save(record, next, true);
    }

    private void hostChanged(Record<String, Object> record, HostPatchChange change) {
        String patchId = change.getPatchId();
        PatchState patch = PatchLedger.hostChanged(patches.get(patchId), change);
        boolean rolloutChanged = false;
        RolloutState rollout = PatchLedger.rollout(patch, change.getRolloutId());
        if (rollout != null) {
            String key = rolloutHostKey(rollout.getRolloutId(), change.getHostId());
            RolloutHost host = rolloutHosts.get(key);
            if (host != null && host.getState() != change.getCurrent()) {
                rollout = RolloutPlanner.record(rollout, host.getWave(), host.getState(), change.getCurrent());
                host.setState(change.getCurrent());
                rolloutHosts.put(key, host);
                if (change.getCurrent() == PatchStatus.APPLIED && rollout.getStatus() == RolloutStatus.HALTED
                        && rollout.getAutoRevert()) {
                    // applied after the halt (a timed-out host that answered late): reverted like the others
                    revert(record, change.getEventId(), Instant.ofEpochMilli(change.getAt()), rollout, host,
                            "rollout " + rollout.getRolloutId() + " halted: " + rollout.getReason());
                }
                rollout = decide(record, change.getEventId(), change.getAt(), rollout);
                patch = PatchLedger.withRollout(patch, rollout);
                rolloutChanged = true;
            }
        }
        save(record, patch, rolloutChanged);
    }

    /**
     * Times out the hosts of each running wave that have no outcome past the rollout's timeouts, and
     * decides the wave as if they had failed.
     */
    private void timeOutHosts(long now) {
        for (String patchId : List.copyOf(running)) {
            PatchState patch = patches.get(patchId);
            boolean changed = false;
            for (RolloutState rollout : patch == null ? List.<RolloutState>of() : List.copyOf(patch.getRollouts())) {
                List<RolloutPlanner.Expired> expired = RolloutPlanner.expired(rollout, hostsOfRollout(rollout.getRolloutId()), now);
                if (expired.isEmpty()) {
                    continue;
                }
                Record<String, Object> record = new Record<>(patchId, null, now);
                Instant at = Instant.ofEpochMilli(now);
                String rolloutId = rollout.getRolloutId();
                String cause = null;
                for (RolloutPlanner.Expired host : expired) {
                    int wave = rollout.getCurrentWave();
                    KhpEvent timeout = LedgerEvents.envelope(Events.deterministicId(rolloutId, "apply", host.hostId()), at,
                            rolloutId, host.hostId(), patchId, ApplyFailed.newBuilder().setReasonCode(ApplyFailureReason.TIMED_OUT)
                                    .setDetail(host.reason()).setAttempts(0).build(),
                            rolloutId, "timeout", Integer.toString(wave), host.hostId());
                    emit(record, Topics.HOST_COMMANDS.name(), host.hostId(), timeout);
                    cause = timeout.getEventId();
                    String key = rolloutHostKey(rolloutId, host.hostId());
                    RolloutHost planned = rolloutHosts.get(key);
                    planned.setState(PatchStatus.TIMED_OUT);
                    rolloutHosts.put(key, planned);
                    rollout = RolloutPlanner.record(rollout, wave, host.state(), PatchStatus.TIMED_OUT);
                }
                rollout = decide(record, cause, now, rollout);
                patch = PatchLedger.withRollout(patch, rollout);
                changed = true;
            }
            if (changed) {
                save(new Record<>(patchId, null, now), patch, true);
            }
        }
    }

    private RolloutState decide(Record<String, Object> record, String cause, long causeAt, RolloutState rollout) {
        RolloutDecision decision = RolloutPlanner.decide(rollout);
        Instant at = Instant.ofEpochMilli(causeAt);
        String rolloutId = rollout.getRolloutId();
        String patchId = rollout.getPatchId();
        if (decision instanceof RolloutDecision.StartWave start) {
            RolloutState next = RolloutPlanner.startWave(rollout, start.wave(), causeAt, context.currentSystemTimeMs());
            startWave(record, cause, at, next, start.wave(), hostsOf(rolloutId, start.wave()));
            return next;
        }
        if (decision instanceof RolloutDecision.Halt halt) {
            RolloutState next = RolloutPlanner.end(rollout, RolloutStatus.HALTED, halt.reason(), causeAt);
            emit(record, Topics.ROLLOUTS.name(), patchId, LedgerEvents.envelope(cause, at, rolloutId, null, patchId,
                    RolloutHalted.newBuilder().setRolloutId(rolloutId).setWave(halt.wave()).setReason(halt.reason())
                            .setCounts(RolloutPlanner.counts(next)).build(), rolloutId, "halted"));
            if (rollout.getAutoRevert()) {
                for (RolloutHost host : hostsOfRollout(rolloutId)) {
                    if (host.getState() == PatchStatus.APPLIED) {
                        revert(record, cause, at, rollout, host, "rollout " + rolloutId + " halted: " + halt.reason());
                    }
                }
            }
            return next;
        }
        if (decision instanceof RolloutDecision.Complete) {
            RolloutState next = RolloutPlanner.end(rollout, RolloutStatus.COMPLETED, null, causeAt);
            emit(record, Topics.ROLLOUTS.name(), patchId, LedgerEvents.envelope(cause, at, rolloutId, null, patchId,
                    RolloutCompleted.newBuilder().setRolloutId(rolloutId).setCounts(RolloutPlanner.counts(next)).build(),
                    rolloutId, "completed"));
            return next;
        }
        return rollout;
    }

    private void revert(Record<String, Object> record, String cause, Instant at, RolloutState rollout, RolloutHost host,
            String reason) {
        String rolloutId = rollout.getRolloutId();
        String patchId = rollout.getPatchId();
        emit(record, Topics.HOST_COMMANDS.name(), host.getHostId(), LedgerEvents.envelope(cause, at, rolloutId, host.getHostId(),
                patchId, RevertRequested.newBuilder().setRolloutId(rolloutId).setWave(host.getWave())
                        .setModuleName(commands.get(patchId).getModuleName()).setReason(reason).build(),
                rolloutId, "revert", host.getHostId()));
    }

    /**
     * Sends each host of the wave the command for the artifact of its kernel, or, when its kernel has
     * none, an ApplyRequested with the reason it is skipped.
     */
    private void startWave(Record<String, Object> record, String cause, Instant at, RolloutState rollout,
            int wave, List<String> hosts) {
        String rolloutId = rollout.getRolloutId();
        String patchId = rollout.getPatchId();
        emit(record, Topics.ROLLOUTS.name(), patchId, LedgerEvents.envelope(cause, at, rolloutId, null, patchId,
                RolloutWaveStarted.newBuilder().setRolloutId(rolloutId).setWave(wave).setHosts(hosts).build(),
                rolloutId, "wave", Integer.toString(wave)));
        ApplyRequested latest = commands.get(patchId);
        for (String host : hosts) {
            RolloutHost planned = rolloutHosts.get(rolloutHostKey(rolloutId, host));
            ApplyRequested command;
            if (planned.getSkipReason() != null) {
                command = PatchLedger.skipCommand(latest.getModuleName(), planned.getSkipReason());
            } else if (planned.getArtifactSha256() != null) {
                command = commands.get(commandKey(patchId, planned.getArtifactSha256()));
            } else {
                command = latest;
            }
            ApplyRequested apply = ApplyRequested.newBuilder(command).setRolloutId(rolloutId).setWave(wave)
                    .setForceApproved(rollout.getForceApproved()).build();
            emit(record, Topics.HOST_COMMANDS.name(), host, LedgerEvents.envelope(cause, at, rolloutId, host, patchId, apply,
                    rolloutId, "apply", host));
        }
    }

    private List<String> hostsOf(String rolloutId, int wave) {
        return hostsOfRollout(rolloutId).stream().filter(h -> h.getWave() == wave).map(RolloutHost::getHostId).sorted().toList();
    }

    private List<RolloutHost> hostsOfRollout(String rolloutId) {
        List<RolloutHost> hosts = new ArrayList<>();
        try (KeyValueIterator<String, RolloutHost> it = rolloutHosts.prefixScan(rolloutId + "/",
                new org.apache.kafka.common.serialization.StringSerializer())) {
            while (it.hasNext()) {
                hosts.add(it.next().value);
            }
        }
        return hosts;
    }

    private static HostState decodeHost(byte[] encoded) {
        try {
            return encoded == null ? null : HOST.decode(encoded);
        } catch (io.khp.bus.UndecodableEventException e) {
            return null; // not a host state: matches no selector
        }
    }

    /** The command for one artifact of a patch (a patch has one per kernel). */
    static String commandKey(String patchId, String artifactSha256) {
        return patchId + "/" + artifactSha256;
    }

    static String rolloutHostKey(String rolloutId, String hostId) {
        return rolloutId + "/" + hostId;
    }

    private static boolean hasRunningRollout(PatchState patch) {
        return patch.getRollouts().stream().anyMatch(r -> r.getStatus() == RolloutStatus.RUNNING);
    }

    private void save(Record<String, Object> record, PatchState patch, boolean publishNow) {
        patches.put(patch.getPatchId(), patch);
        if (hasRunningRollout(patch)) {
            running.add(patch.getPatchId());
        } else {
            running.remove(patch.getPatchId());
        }
        if (publishNow) {
            unpublished.remove(patch.getPatchId());
            context.forward(record.withKey(patch.getPatchId()).withValue(new Outbound(Topics.PATCH_STATE.name(), PATCH.encode(patch))));
        } else {
            unpublished.add(patch.getPatchId());
        }
    }

    private void publishPending() {
        long now = context.currentSystemTimeMs();
        for (String patchId : unpublished) {
            PatchState patch = patches.get(patchId);
            if (patch != null) {
                context.forward(new Record<>(patchId, new Outbound(Topics.PATCH_STATE.name(), PATCH.encode(patch)), now));
            }
        }
        unpublished.clear();
    }

    private void emit(Record<String, Object> record, String topic, String key, KhpEvent event) {
        if (!(event.getPayload() instanceof ApplyRequested) && !(event.getPayload() instanceof RevertRequested)) {
            LOG.info("patch {}: {} {}", event.getPatchId(), Events.typeOf(event), event.getPayload());
        }
        context.forward(record.withKey(key).withValue(new Outbound(topic, CODEC.encode(event))));
        // agents and the rollout's readers wait for these: commit after this record, not at the interval
        context.commit();
    }

    private void reject(Record<String, Object> record, KhpEvent event, String reason, String state) {
        LOG.info("rejected {} {} of patch {}: {}", Events.typeOf(event), event.getEventId(), event.getPatchId(), reason);
        String key = event.getHostId() != null ? event.getHostId() : record.key() != null ? record.key() : event.getEventId();
        context.forward(record.withKey(key).withValue(new Outbound(Topics.REJECTIONS.name(),
                REJECTION.encode(Rejections.of(event, reason, state, context.currentSystemTimeMs())))));
    }
}
