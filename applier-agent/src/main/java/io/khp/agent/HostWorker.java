package io.khp.agent;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.khp.agent.backend.BackendException;
import io.khp.agent.backend.HostBackend;
import io.khp.agent.core.ApplyPolicy;
import io.khp.agent.core.ApplyProcess;
import io.khp.agent.core.ArtifactCheck;
import io.khp.agent.core.HostHistory;
import io.khp.agent.core.LifecycleEvents;
import io.khp.agent.core.Observation;
import io.khp.agent.core.RevertProcess;
import io.khp.agent.core.Step;
import io.khp.events.ApplyRequested;
import io.khp.events.CaptureRequest;
import io.khp.events.HostReported;
import io.khp.events.KhpEvent;
import io.khp.events.LoadedLivepatch;
import io.khp.events.PreRunVerified;
import io.khp.events.RunObjectCaptured;

/**
 * Drives one host: folds the host's events into its {@link HostHistory}, runs its commands one at
 * a time in order (the pure {@link ApplyProcess} / {@link RevertProcess} decide, this class carries
 * the steps out on the {@link HostBackend} and publishes the events), and reports the host at
 * start, on change and on a heartbeat. Work runs on a shared pool, never two runs of one host at once.
 */
public final class HostWorker {

    private static final Logger LOG = LoggerFactory.getLogger(HostWorker.class);
    private static final int MAX_STEPS_PER_RUN = 200;
    private static final int KERNEL_LOG_CHARS = 4000;
    private static final int MAX_FAILURES_IN_A_ROW = 5;

    private final HostBackend backend;
    private final HostHistory history;
    private final AgentSettings settings;
    private final ApplyPolicy policy;
    private final LifecycleEvents events;
    private final AgentOutput out;
    private final ArtifactSource artifacts;
    private final ArtifactCheck check;
    private final Executor pool;
    private final ScheduledExecutorService timer;
    private final Clock clock;

    private final ConcurrentLinkedQueue<KhpEvent> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean queued = new AtomicBoolean();
    private final AtomicBoolean heartbeatDue = new AtomicBoolean();
    private final Object lock = new Object();

    // guarded by lock
    private boolean started;
    private boolean stopped;
    private final Set<String> doneHere = new HashSet<>();
    private HostHistory.Command active;
    private ApplyProcess apply;
    private RevertProcess revert;
    private byte[] module;
    private long kmsgCursor = -1;
    private boolean reportDue = true;
    private List<LoadedLivepatch> lastReported;
    private ScheduledFuture<?> wakeUp;
    private Instant wakeUpAt;
    private ScheduledFuture<?> heartbeat;
    private int failuresInARow;

    public HostWorker(HostBackend backend, AgentSettings settings, LifecycleEvents events, AgentOutput out,
            ArtifactSource artifacts, ArtifactCheck check, Executor pool, ScheduledExecutorService timer, Clock clock) {
        this.backend = backend;
        this.history = new HostHistory(backend.hostId());
        this.settings = settings;
        this.policy = settings.policy();
        this.events = events;
        this.out = out;
        this.artifacts = artifacts;
        this.check = check;
        this.pool = pool;
        this.timer = timer;
        this.clock = clock;
    }

    public String hostId() {
        return backend.hostId();
    }

    public HostBackend backend() {
        return backend;
    }

    /** An event of this host from the command or lifecycle topic. */
    public void offer(KhpEvent event) {
        inbox.add(event);
        wake();
    }

    /** Starts working once the bus has been read up to where it was when the agent started. */
    public void start() {
        synchronized (lock) {
            started = true;
            reportDue = true;
            heartbeat = timer.scheduleAtFixedRate(() -> {
                heartbeatDue.set(true);
                wake();
            }, settings.heartbeat().toMillis(), settings.heartbeat().toMillis(), TimeUnit.MILLISECONDS);
        }
        wake();
    }

    public void stop() {
        synchronized (lock) {
            stopped = true;
            if (heartbeat != null) {
                heartbeat.cancel(false);
            }
            if (wakeUp != null) {
                wakeUp.cancel(false);
            }
        }
    }

    /** True when every command given so far is finished. */
    public boolean idle() {
        synchronized (lock) {
            return inbox.isEmpty() && active == null && history.pending().stream()
                    .allMatch(c -> doneHere.contains(c.event().getEventId()));
        }
    }

    private void wake() {
        if (queued.compareAndSet(false, true)) {
            pool.execute(this::run);
        }
    }

    private void run() {
        queued.set(false);
        synchronized (lock) {
            if (stopped) {
                return;
            }
            try {
                KhpEvent e;
                while ((e = inbox.poll()) != null) {
                    history.fold(e);
                }
                if (!started) {
                    return;
                }
                progress();
                if (heartbeatDue.getAndSet(false) || lastReported == null) {
                    report(true);
                } else if (reportDue) {
                    report(false);
                }
                failuresInARow = 0;
            } catch (RuntimeException ex) {
                failuresInARow++;
                if (active != null && failuresInARow >= MAX_FAILURES_IN_A_ROW) {
                    giveUp(ex);
                } else {
                    LOG.error("host {}: unexpected failure; retrying in {}", hostId(), policy.pollInterval(), ex);
                }
                sleepUntil(clock.instant().plus(policy.pollInterval()));
            }
        }
    }

    // ------------------------------------------------------------------ the command loop

    private void progress() {
        for (int i = 0; i < MAX_STEPS_PER_RUN; i++) {
            if (active == null && !next()) {
                return;
            }
            Instant now = clock.instant();
            if (apply != null) {
                noticeVerdict(now);
            }
            Step step = apply != null ? apply.decide(now, policy) : revert.decide(now);
            LOG.debug("host {}: {} -> {}", hostId(), apply != null ? apply.phase() : revert.phase(), step);
            if (step instanceof Step.Wait w) {
                if (revert != null && revert.waitingFor() != null && runnableBesides(active)) {
                    // stack order: this revert waits for patches above it; let the commands behind it run
                    LOG.info("host {}: revert of {} waits for {} above it", hostId(), active.moduleName(), revert.waitingFor());
                    active = null;
                    revert = null;
                    continue;
                }
                sleepUntil(w.until());
                return;
            }
            if (step instanceof Step.Done) {
                doneHere.add(active.event().getEventId());
                active = null;
                apply = null;
                revert = null;
                module = null;
                continue;
            }
            Observation o = carryOut(step);
            if (o == null) {
                sleepUntil(clock.instant().plus(policy.pollInterval()));
                return;
            }
            Object before = apply != null ? apply : revert;
            if (apply != null) {
                apply = apply.evolve(o, policy);
            } else {
                revert = revert.evolve(o, policy);
            }
            if (before.equals(apply != null ? apply : revert)) {
                // a step whose outcome the process does not expect: never spin on it
                LOG.warn("host {}: {} gave {}, which changes nothing; looking again in {}", hostId(), step, o,
                        policy.pollInterval());
                sleepUntil(clock.instant().plus(policy.pollInterval()));
                return;
            }
        }
        wake();
    }

    /** A command the agent keeps failing on (a bug, not the host): recorded as failed so that the host moves on. */
    private void giveUp(RuntimeException ex) {
        LOG.error("host {}: giving up on {} after {} failures in a row", hostId(), active.event().getEventId(),
                failuresInARow, ex);
        try {
            if (active.isApply()) {
                out.answer(active.event(), events.failed(active.event(), io.khp.events.ApplyFailureReason.AGENT_ERROR,
                        "the agent failed " + failuresInARow + " times in a row: " + ex, apply == null ? 0 : apply.attempts()));
            }
        } finally {
            doneHere.add(active.event().getEventId());
            active = null;
            apply = null;
            revert = null;
            module = null;
            failuresInARow = 0;
        }
    }

    /** A revert that must wait because khp patches applied after its patch are still applied. */
    private boolean blocked(HostHistory.Command c) {
        return !c.isApply() && !history.above(c.moduleName()).isEmpty();
    }

    private List<HostHistory.Command> open() {
        return history.pending().stream().filter(c -> !doneHere.contains(c.event().getEventId())).toList();
    }

    private boolean runnableBesides(HostHistory.Command current) {
        return open().stream().anyMatch(c -> c != current && !blocked(c));
    }

    /** Takes the next unfinished command (blocked reverts last); false when there is none. */
    private boolean next() {
        List<HostHistory.Command> open = open();
        HostHistory.Command pick = open.stream().filter(c -> !blocked(c)).findFirst()
                .orElse(open.isEmpty() ? null : open.get(0));
        if (pick == null) {
            return false;
        }
        active = pick;
        if (pick.isApply()) {
            ApplyRequested r = (ApplyRequested) pick.event().getPayload();
            PreRunVerified v = pick.verdict();
            apply = ApplyProcess.resume(r.getForceApproved(), false, pick.capturedAt(), v == null ? null : v.getVerdict(),
                    v == null ? null : v.getReason(), pick.attempts(), pick.lastOutcome(), policy);
            LOG.info("host {}: apply {} ({}), from {}", hostId(), r.getModuleName(), pick.event().getPatchId(), apply.phase());
        } else {
            revert = RevertProcess.start();
            LOG.info("host {}: revert {} ({})", hostId(), pick.moduleName(), pick.event().getPatchId());
        }
        return true;
    }

    private void noticeVerdict(Instant now) {
        if (apply.phase() == ApplyProcess.Phase.AWAIT_VERDICT && active.verdict() != null) {
            PreRunVerified v = active.verdict();
            apply = apply.evolve(new Observation.VerdictArrived(v.getVerdict(), v.getReason(), now), policy);
        }
    }

    private Observation carryOut(Step step) {
        Instant now = clock.instant();
        KhpEvent command = active.event();
        String name = active.moduleName();
        try {
            if (step instanceof Step.Capture) {
                List<CaptureRequest> captures = ((ApplyRequested) command.getPayload()).getCaptures();
                RunObjectCaptured captured;
                try {
                    captured = backend.capture(captures);
                } catch (BackendException e) {
                    if (e.transport() || e.deadline()) {
                        throw e;
                    }
                    captured = RunObjectCaptured.newBuilder().setAttempt(1).setCaptureError(e.getMessage()).build();
                }
                out.answer(command, events.captured(command, captured));
                return new Observation.Captured(clock.instant());
            }
            if (step instanceof Step.Fetch) {
                return fetch(command, name, now);
            }
            if (step instanceof Step.Inspect) {
                return new Observation.KernelSeen(backend.status(name), history.above(name), clock.instant());
            }
            if (step instanceof Step.Load) {
                if (module == null) {
                    return fetch(command, name, now);
                }
                kmsgCursor = kernelLogEnd();
                reportDue = true;
                backend.load(name, module);
                return new Observation.Loaded(clock.instant());
            }
            if (step instanceof Step.Signal) {
                try {
                    if (backend.signal(name)) {
                        LOG.info("host {}: signalled the tasks blocking the transition of {}", hostId(), name);
                    } else {
                        LOG.info("host {}: the kernel signals the tasks blocking {} by itself (no signal attribute)",
                                hostId(), name);
                    }
                } catch (BackendException e) {
                    logRefused(e, "signal");
                    throw e;
                }
                return new Observation.Done(clock.instant());
            }
            if (step instanceof Step.Force) {
                LOG.warn("host {}: forcing the transition of {} (operator-approved)", hostId(), name);
                try {
                    backend.force(name);
                } catch (BackendException e) {
                    logRefused(e, "force");
                    throw e;
                }
                return new Observation.Done(clock.instant());
            }
            if (step instanceof Step.Disable) {
                reportDue = true;
                backend.disable(name);
                return new Observation.Done(clock.instant());
            }
            if (step instanceof Step.Unload) {
                reportDue = true;
                backend.unload(name);
                return new Observation.Done(clock.instant());
            }
            if (step instanceof Step.RecordAttempt r) {
                out.answer(command, events.attempted(command, r.attempt(), kernelLogSinceLoad(name)));
                LOG.info("host {}: {} attempt {}: {} in {} ms{}", hostId(), name, r.attempt().number(), r.attempt().outcome(),
                        r.attempt().durationMs(), r.attempt().stalled().isEmpty() ? "" : ", stalled " + r.attempt().stalled());
                return new Observation.Published(clock.instant());
            }
            if (step instanceof Step.Succeed s) {
                out.answer(command, events.applied(command, name, s.transitionMs(), s.attempts()));
                reportDue = true;
                return new Observation.Published(clock.instant());
            }
            if (step instanceof Step.Fail f) {
                out.answer(command, events.failed(command, f.reason(), f.detail(), f.attempts()));
                LOG.info("host {}: {} failed: {} {}", hostId(), name, f.reason(), f.detail());
                reportDue = true;
                return new Observation.Published(clock.instant());
            }
            if (step instanceof Step.ReportReverted) {
                out.answer(command, events.reverted(command, name, revert.durationMs(now)));
                reportDue = true;
                return new Observation.Published(clock.instant());
            }
            throw new IllegalStateException("unknown step " + step);
        } catch (BackendException e) {
            if (e.transport() && !(step instanceof Step.Load)) {
                LOG.warn("host {}: {} did not go through ({}); trying again", hostId(), step, e.getMessage());
                return null;
            }
            return new Observation.Refused(e.code(), e.detail(), clock.instant());
        }
    }

    /**
     * Says why a signal or force was refused. A helper older than these ops answers UNKNOWN_OP: kept
     * as a compatibility path only, the apply goes on as for any refusal of these best-effort steps
     * (the waits run out, the stall is reversed).
     */
    private void logRefused(BackendException e, String op) {
        if ("UNKNOWN_OP".equals(e.code())) {
            LOG.warn("host {}: its khp-helper predates the {} op (UNKNOWN_OP): going on without it; update the helper",
                    hostId(), op);
        } else if (!e.transport()) {
            LOG.info("host {}: {} refused: {}", hostId(), op, e.getMessage());
        }
    }

    private Observation fetch(KhpEvent command, String name, Instant now) {
        ApplyRequested r = (ApplyRequested) command.getPayload();
        byte[] bytes = artifacts.find(r.getArtifact().getSha256());
        if (bytes == null) {
            return new Observation.ArtifactChecked(Observation.ArtifactStatus.MISSING,
                    "artifact " + r.getArtifact().getSha256() + " is neither on the artifacts topic nor at the ledger "
                            + settings.ledgerApi(), now);
        }
        String refusal = check.refusal(command.getPatchId(), name, r.getArtifact(), bytes);
        if (refusal != null) {
            return new Observation.ArtifactChecked(Observation.ArtifactStatus.UNTRUSTED, refusal, now);
        }
        module = bytes;
        return new Observation.ArtifactChecked(Observation.ArtifactStatus.TRUSTED, null, now);
    }

    private long kernelLogEnd() {
        try {
            long cursor = Math.max(kmsgCursor, 0);
            for (int i = 0; i < 100; i++) {
                var log = backend.kmsg(cursor);
                cursor = log.cursor();
                if (!log.more()) {
                    break;
                }
            }
            return cursor;
        } catch (BackendException e) {
            return -1;
        }
    }

    /** Kernel log lines since the load that mention livepatch or the module. */
    private String kernelLogSinceLoad(String name) {
        if (kmsgCursor < 0) {
            return null;
        }
        List<String> lines = new ArrayList<>();
        try {
            long cursor = kmsgCursor;
            for (int i = 0; i < 20; i++) {
                var log = backend.kmsg(cursor);
                log.lines().stream().filter(l -> l.contains("livepatch") || l.contains(name)).forEach(lines::add);
                cursor = log.cursor();
                if (!log.more()) {
                    break;
                }
            }
        } catch (BackendException e) {
            return null;
        }
        if (lines.isEmpty()) {
            return null;
        }
        String text = String.join("\n", lines);
        return text.length() > KERNEL_LOG_CHARS ? text.substring(text.length() - KERNEL_LOG_CHARS) : text;
    }

    private void sleepUntil(Instant until) {
        Instant now = clock.instant();
        // keep a pending earlier wake-up, unless its time has come (it may be firing right now)
        if (wakeUp != null && !wakeUp.isDone() && wakeUpAt != null && wakeUpAt.isAfter(now) && !wakeUpAt.isAfter(until)) {
            return;
        }
        if (wakeUp != null) {
            wakeUp.cancel(false);
        }
        // rounded up so that the wake-up never comes before `until`
        long delay = Math.max(0, Duration.between(now, until).toNanos() / 1_000_000 + 1);
        wakeUpAt = until;
        wakeUp = timer.schedule(this::wake, delay, TimeUnit.MILLISECONDS);
    }

    // ------------------------------------------------------------------ reports

    private void report(boolean always) {
        reportDue = false;
        try {
            HostReported r = backend.report();
            boolean changed = lastReported == null || !lastReported.equals(r.getLivepatches());
            if (!always && !changed) {
                return;
            }
            r.setAgentVersion(settings.agentVersion());
            if (!settings.labels().isEmpty()) {
                var labels = new java.util.HashMap<String, String>(r.getLabels());
                labels.putAll(settings.labels());
                r.setLabels(labels);
            }
            out.report(events.reported(hostId(), r));
            lastReported = List.copyOf(r.getLivepatches());
        } catch (BackendException e) {
            LOG.warn("host {}: cannot report: {}", hostId(), e.getMessage());
        }
    }
}
