package io.khp.ledger.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import io.khp.events.ApplyRequested;
import io.khp.events.HostReported;
import io.khp.events.KhpEvent;
import io.khp.events.LoadedLivepatch;
import io.khp.events.RevertRequested;
import io.khp.state.HostKernel;
import io.khp.state.HostPatch;
import io.khp.state.HostPatchChange;
import io.khp.state.HostState;
import io.khp.state.ObservedLivepatch;
import io.khp.state.PatchStatus;
import io.khp.state.StateTimes;

/**
 * Folds a host's events into its state (pure). HostReported makes a host known and updates its
 * identity, marks APPLIED patches LOST after a reboot that did not bring them back, and records
 * loaded livepatches the ledger never requested as DRIFT. Every other event goes through
 * {@link HostPatchTransitions}, plus the livepatch stack rule for reverts.
 */
public final class HostLedger {

    /** How many recent event ids a host remembers to drop redelivered events. */
    static final int RECENT_EVENT_IDS = 32;

    private HostLedger() {
    }

    /**
     * @param current the host's state, null when the host is unknown
     * @param now     the processing time, recorded in rejections
     */
    public static HostStep evolve(HostState current, KhpEvent event, PatchCatalog catalog, long now) {
        long idHash = idHash(event.getEventId());
        if (current != null && RecentEvents.contains(current.getRecentEvents(), idHash)) {
            return new HostStep(current, List.of(), null, true);
        }
        if (event.getPayload() instanceof HostReported report) {
            return reported(current, event, idHash, report, catalog);
        }
        if (current == null) {
            return rejected(null, event, "unknown host " + event.getHostId() + ": it has never reported", null, now);
        }
        String patchId = event.getPatchId();
        if (patchId == null) {
            return rejected(current, event, "event without a patch id", null, now);
        }
        HostState next = copyForEvent(current);
        HostPatch entry = find(next, patchId);
        if (entry == null && event.getPayload() instanceof ApplyRequested request && request.getSkipReason() == null) {
            entry = driftOf(next.getPatches(), request.getModuleName());
        }
        PatchStatus previous = entry == null ? PatchStatus.UNKNOWN : entry.getState();
        if (event.getPayload() instanceof RevertRequested && previous == PatchStatus.REPLACED) {
            return rejected(current, event, "nothing to revert: " + entry.getLastReason()
                    + "; revert the replacing patch to remove its code", previous.name(), now);
        }
        if (event.getPayload() instanceof RevertRequested) {
            String blocker = revertBlocker(next, entry);
            if (blocker != null) {
                return rejected(current, event, blocker, previous.name(), now);
            }
        }
        Transition transition = HostPatchTransitions.apply(entry, event, catalog.facts(patchId).orElse(null));
        if (transition instanceof Transition.Refused refused) {
            return rejected(current, event, refused.reason(), entry == null ? null : previous.name(), now);
        }
        HostPatch moved = ((Transition.Moved) transition).next();
        if (entry != null) {
            next.getPatches().remove(indexOf(next.getPatches(), entry));
        }
        next.getPatches().add(moved);
        if (isFromHost(event)) {
            next.setLastSeen(event.getOccurredAt().toEpochMilli());
        }
        List<HostPatchChange> changes = new ArrayList<>(1);
        if (moved.getState() != previous) {
            changes.add(change(next, moved, previous, event));
            if (moved.getState() == PatchStatus.APPLIED && moved.getAtomicReplace()) {
                replaceBelow(next, moved, event, changes);
            }
        }
        restack(next, moved);
        return new HostStep(remember(next, event, idHash), changes, null, false);
    }

    /**
     * The kernel's atomic replace: once a replace patch's transition completes, every other
     * enabled livepatch of the host is disabled and its functions are the replacing patch's. Their
     * entries become REPLACED (a patch still REVERTING finishes its own revert).
     */
    private static void replaceBelow(HostState host, HostPatch replacing, KhpEvent event, List<HostPatchChange> changes) {
        List<HostPatch> patches = host.getPatches();
        long at = event.getOccurredAt().toEpochMilli();
        for (int i = 0; i < patches.size(); i++) {
            HostPatch p = patches.get(i);
            if (p != replacing && p.getState() == PatchStatus.APPLIED) {
                HostPatch replaced = HostPatchTransitions.enter(HostPatchTransitions.copy(p), PatchStatus.REPLACED, at);
                replaced.setLastOutcome(PatchStatus.REPLACED.name());
                replaced.setLastReason("replaced by atomic-replace patch " + replacing.getPatchId() + " ("
                        + replacing.getModuleName() + ")");
                patches.set(i, replaced);
                changes.add(change(host, replaced, PatchStatus.APPLIED, event));
            }
        }
    }

    /** The DRIFT entry of a module loaded on the host without being requested, if any. */
    private static HostPatch driftOf(List<HostPatch> patches, String moduleName) {
        for (HostPatch p : patches) {
            if (p.getState() == PatchStatus.DRIFT && moduleName.equals(p.getModuleName())) {
                return p;
            }
        }
        return null;
    }

    private static HostStep reported(HostState current, KhpEvent event, long idHash, HostReported report, PatchCatalog catalog) {
        HostState next = current == null
                ? HostState.newBuilder().setHostId(event.getHostId()).setPatches(new ArrayList<>())
                        .setObserved(new ArrayList<>()).setRecentEvents(RecentEvents.NONE).build()
                : copyForUpdate(current);
        String previousBoot = next.getBootId();
        boolean rebooted = previousBoot != null && !previousBoot.equals(report.getBootId());
        var k = report.getKernel();
        CanonicalNames names = CanonicalNames.SHARED;
        next.setHostname(report.getHostname());
        next.setKernel(HostKernel.newBuilder().setRelease(names.of(k.getRelease())).setFlavour(names.of(k.getFlavour()))
                .setSourceVersion(names.of(k.getSourceVersion())).setBuildIdentity(names.of(k.getBuildIdentity()))
                .setVersion(names.of(report.getKernelVersion())).build());
        next.setBootId(report.getBootId());
        next.setLastSeen(event.getOccurredAt().toEpochMilli());
        next.setAgentVersion(names.of(report.getAgentVersion()));
        next.setLockdown(report.getLockdown().name());
        next.setLabels(new HashMap<>(report.getLabels()));

        long at = event.getOccurredAt().toEpochMilli();
        Set<String> loaded = new HashSet<>();
        for (LoadedLivepatch lp : report.getLivepatches()) {
            if (lp.getEnabled()) {
                loaded.add(lp.getName());
            }
        }
        List<HostPatchChange> changes = new ArrayList<>();
        if (rebooted) {
            for (HostPatch p : next.getPatches()) {
                if (p.getState() == PatchStatus.APPLIED && !loaded.contains(p.getModuleName())) {
                    HostPatchTransitions.enter(p, PatchStatus.LOST, at);
                    p.setLastOutcome("LOST");
                    p.setLastReason("host rebooted (boot id " + report.getBootId() + ") without the patch");
                    changes.add(change(next, p, PatchStatus.APPLIED, event));
                }
            }
        }
        List<ObservedLivepatch> observed = new ArrayList<>();
        Set<String> drifted = new HashSet<>();
        for (LoadedLivepatch lp : report.getLivepatches()) {
            HostPatch requested = next.getPatches().stream()
                    .filter(p -> p.getPatchId() != null && p.getState() != PatchStatus.DRIFT && lp.getName().equals(p.getModuleName()))
                    .findFirst().orElse(null);
            boolean drift = requested == null || !expectsLoaded(requested.getState());
            observed.add(ObservedLivepatch.newBuilder().setName(names.of(lp.getName())).setEnabled(lp.getEnabled())
                    .setTransition(lp.getTransition())
                    .setPatchId(requested != null ? requested.getPatchId() : names.of(catalog.patchOfModule(lp.getName()).orElse(null)))
                    .setDrift(drift).build());
            if (requested == null) {
                drifted.add(lp.getName());
            }
        }
        next.setObserved(observed);
        // DRIFT entries follow the report: added for unrequested modules, dropped once they are gone
        List<HostPatch> patches = new ArrayList<>();
        for (HostPatch p : next.getPatches()) {
            if (p.getState() != PatchStatus.DRIFT || drifted.contains(p.getModuleName())) {
                patches.add(p);
            } else if (p.getPatchId() != null) {
                changes.add(change(next, HostPatchTransitions.enter(p, PatchStatus.UNKNOWN, at), PatchStatus.DRIFT, event));
            }
        }
        for (String module : drifted) {
            if (driftOf(patches, module) == null) {
                HostPatch d = HostPatch.newBuilder().setPatchId(names.of(catalog.patchOfModule(module).orElse(null)))
                        .setModuleName(names.of(module)).setState(PatchStatus.DRIFT).setEnteredAt(new StateTimes()).build();
                HostPatchTransitions.enter(d, PatchStatus.DRIFT, at);
                d.setLastReason("loaded on the host but never requested");
                patches.add(d);
                if (d.getPatchId() != null) {
                    changes.add(change(next, d, PatchStatus.UNKNOWN, event));
                }
            }
        }
        next.setPatches(patches);
        restack(next, null);
        // drift: a loaded module the ledger did not ask for, or an applied patch the host does not show
        next.setDrift(hasDrift(next) || patches.stream()
                .anyMatch(p -> p.getState() == PatchStatus.APPLIED && !loaded.contains(p.getModuleName())));
        return new HostStep(remember(next, event, idHash), changes, null, false);
    }

    /**
     * The state to fold a report into: as {@link #copyForEvent}, with every patch entry copied too,
     * as a report may change any of them (LOST, DRIFT); {@code current} never changes.
     */
    static HostState copyForUpdate(HostState current) {
        HostState next = copyForEvent(current);
        next.getPatches().replaceAll(HostPatchTransitions::copy);
        return next;
    }

    /**
     * The state to fold a patch event into: a new host and a new list of the same patch entries.
     * The fold replaces an entry it changes by a copy ({@link HostPatchTransitions}, {@link #restack}),
     * so {@code current} never changes.
     */
    static HostState copyForEvent(HostState c) {
        // through the all-fields constructor: a field added to the schema changes it, so none is forgotten here
        return new HostState(c.getHostId(), c.getHostname(), c.getKernel(), c.getBootId(), c.getLastSeen(), c.getAgentVersion(),
                c.getLockdown(), c.getLabels(), new ArrayList<>(c.getPatches()), c.getObserved(), c.getDrift(), c.getVersion(),
                c.getLastEventId(), c.getRecentEvents());
    }

    /** Position of this very entry (records compare by value, and two entries may be equal). */
    private static int indexOf(List<HostPatch> patches, HostPatch entry) {
        int i = positionIn(patches, entry);
        if (i < 0) {
            throw new IllegalStateException("patch entry not in its host");
        }
        return i;
    }

    private static int positionIn(List<HostPatch> patches, HostPatch entry) {
        for (int i = 0; i < patches.size(); i++) {
            if (patches.get(i) == entry) {
                return i;
            }
        }
        return -1;
    }

    /** A patch in these states may be loaded on the host without that being drift. */
    private static boolean expectsLoaded(PatchStatus state) {
        // a TIMED_OUT host's agent may have loaded it all the same
        return state == PatchStatus.APPLIED || state == PatchStatus.REVERTING || state == PatchStatus.TIMED_OUT
                || HostPatchTransitions.IN_FLIGHT.contains(state);
    }

    private static boolean hasDrift(HostState host) {
        return host.getObserved().stream().anyMatch(ObservedLivepatch::getDrift);
    }

    /**
     * Livepatches stack in load order: a patch can only be reverted when no enabled patch was
     * loaded above it (an atomic-replace patch leaves nothing enabled below it: see replaceBelow).
     */
    private static String revertBlocker(HostState host, HostPatch target) {
        if (target == null || target.getStackPosition() == null) {
            return null;
        }
        HostPatch lowest = null;
        for (HostPatch p : host.getPatches()) {
            if (p.getStackPosition() != null && p.getStackPosition() > target.getStackPosition()
                    && p.getState() == PatchStatus.APPLIED
                    && (lowest == null || p.getStackPosition() < lowest.getStackPosition())) {
                lowest = p;
            }
        }
        return lowest == null ? null : "patch " + lowest.getPatchId() + " (" + lowest.getModuleName() + ") is enabled above "
                + target.getPatchId() + " on the livepatch stack: revert it first";
    }

    /** Loaded patches in stack order: by when they were applied, then by patch id. */
    private static final Comparator<HostPatch> STACK_ORDER = Comparator
            .comparingLong((HostPatch p) -> HostPatchTransitions.enteredAt(p, PatchStatus.APPLIED))
            .thenComparing(p -> String.valueOf(p.getPatchId()));

    /**
     * Numbers the loaded patches (APPLIED, REVERTING) by the time they were applied; an entry whose
     * position changes is replaced by a copy, except {@code fresh}, an entry this fold made itself
     * (null when none), which is renumbered in place.
     */
    static void restack(HostState host, HostPatch fresh) {
        List<HostPatch> patches = host.getPatches();
        List<HostPatch> loaded = new ArrayList<>();
        for (HostPatch p : patches) {
            if (p.getState() == PatchStatus.APPLIED || p.getState() == PatchStatus.REVERTING) {
                loaded.add(p);
            }
        }
        if (loaded.size() > 1) {
            loaded.sort(STACK_ORDER);
        }
        for (int i = 0; i < patches.size(); i++) {
            HostPatch p = patches.get(i);
            int position = positionIn(loaded, p);
            Integer wanted = position < 0 ? null : position;
            if (!Objects.equals(p.getStackPosition(), wanted)) {
                HostPatch moved = p == fresh ? p : HostPatchTransitions.copy(p);
                moved.setStackPosition(wanted);
                patches.set(i, moved);
            }
        }
    }

    static HostPatch find(HostState host, String patchId) {
        for (HostPatch p : host.getPatches()) {
            if (patchId.equals(p.getPatchId())) {
                return p;
            }
        }
        return null;
    }

    private static boolean isFromHost(KhpEvent event) {
        return !(event.getPayload() instanceof ApplyRequested) && !(event.getPayload() instanceof RevertRequested)
                && !HostPatchTransitions.isTimeout(event);
    }

    private static HostPatchChange change(HostState host, HostPatch p, PatchStatus previous, KhpEvent event) {
        return new HostPatchChange(host.getHostId(), p.getPatchId(), p.getRolloutId(), p.getWave(), previous, p.getState(),
                event.getOccurredAt().toEpochMilli(), event.getEventId());
    }

    private static HostState remember(HostState next, KhpEvent event, long idHash) {
        next.setRecentEvents(RecentEvents.plus(next.getRecentEvents(), idHash, RECENT_EVENT_IDS));
        next.setVersion(next.getVersion() + 1);
        next.setLastEventId(event.getEventId());
        return next;
    }

    /**
     * A 64-bit hash of an event id: for a UUID, the same value as
     * {@code msb * 31 ^ lsb} of {@link java.util.UUID#fromString}, read straight from its 32 hex
     * digits; FNV-1a of anything else.
     */
    static long idHash(String eventId) {
        if (eventId.length() == 36) {
            long msb = 0;
            long lsb = 0;
            int digits = 0;
            for (int i = 0; i < 36; i++) {
                char c = eventId.charAt(i);
                if (i == 8 || i == 13 || i == 18 || i == 23) {
                    if (c != '-') {
                        break;
                    }
                    continue;
                }
                int v = Character.digit(c, 16);
                if (v < 0) {
                    break;
                }
                if (digits < 16) {
                    msb = msb << 4 | v;
                } else {
                    lsb = lsb << 4 | v;
                }
                digits++;
            }
            if (digits == 32) {
                return msb * 31 ^ lsb;
            }
        }
        long hash = 0xcbf29ce484222325L;
        for (byte b : eventId.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        return hash;
    }

    private static HostStep rejected(HostState current, KhpEvent event, String reason, String state, long now) {
        return new HostStep(current, List.of(), Rejections.of(event, reason, state, now), false);
    }

    /** The entry of a patch on a host, if any. */
    public static Optional<HostPatch> patch(HostState host, String patchId) {
        return Optional.ofNullable(host == null ? null : find(host, patchId));
    }
}
