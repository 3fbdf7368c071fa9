package io.khp.agent.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.khp.events.Applied;
import io.khp.events.ApplyAttempted;
import io.khp.events.ApplyFailed;
import io.khp.events.ApplyOutcome;
import io.khp.events.ApplyRequested;
import io.khp.events.HostReported;
import io.khp.events.KhpEvent;
import io.khp.events.PreRunVerified;
import io.khp.events.RevertRequested;
import io.khp.events.Reverted;
import io.khp.events.RunObjectCaptured;

/**
 * What the bus says about one host: its commands in order and, per command, the lifecycle events
 * already published for it (matched by causation id). Folding the same event twice changes
 * nothing (events are identified by id). After a restart the agent resumes from this and the
 * kernel's own state; the order of Applied modules gives the livepatch stack.
 */
public final class HostHistory {

    /** One command and what has happened to it so far. */
    public static final class Command {
        private final KhpEvent event;
        private Instant capturedAt;
        private String capturedEventId;
        private PreRunVerified verdict;
        private int attempts;
        private ApplyOutcome lastOutcome;
        private boolean finished;

        Command(KhpEvent event) {
            this.event = event;
        }

        public KhpEvent event() {
            return event;
        }

        public boolean isApply() {
            return event.getPayload() instanceof ApplyRequested;
        }

        public String moduleName() {
            return event.getPayload() instanceof ApplyRequested a ? a.getModuleName()
                    : ((RevertRequested) event.getPayload()).getModuleName();
        }

        public Instant capturedAt() {
            return capturedAt;
        }

        public String capturedEventId() {
            return capturedEventId;
        }

        public PreRunVerified verdict() {
            return verdict;
        }

        public int attempts() {
            return attempts;
        }

        public ApplyOutcome lastOutcome() {
            return lastOutcome;
        }

        public boolean finished() {
            return finished;
        }
    }

    private final String hostId;
    private final Set<String> seen = new HashSet<>();
    private final Map<String, Command> commands = new LinkedHashMap<>();
    private final Map<String, String> requestOfCapture = new HashMap<>();
    private final Map<String, PreRunVerified> earlyVerdicts = new HashMap<>();
    private final List<String> stack = new ArrayList<>();
    /** Lifecycle events read before their command (the two topics are read side by side), by causation id. */
    private final Map<String, List<KhpEvent>> early = new HashMap<>();

    public HostHistory(String hostId) {
        this.hostId = hostId;
    }

    public String hostId() {
        return hostId;
    }

    /**
     * Folds one event of this host; returns false when it was already folded, is not about this
     * host, is a report (reports share the lifecycle topic and say nothing about commands) or tells
     * the host it is skipped (nothing to do: its kernel has no artifact of the patch).
     */
    public boolean fold(KhpEvent e) {
        if (e.getPayload() instanceof HostReported || !hostId.equals(e.getHostId()) || !seen.add(e.getEventId())) {
            return false;
        }
        if (e.getPayload() instanceof ApplyRequested skip && skip.getSkipReason() != null) {
            return false;
        }
        Object payload = e.getPayload();
        if (payload instanceof ApplyRequested || payload instanceof RevertRequested) {
            commands.put(e.getEventId(), new Command(e));
            List<KhpEvent> waiting = early.remove(e.getEventId());
            if (waiting != null) {
                waiting.forEach(this::foldLifecycle);
            }
            return true;
        }
        foldLifecycle(e);
        return true;
    }

    private void foldLifecycle(KhpEvent e) {
        Object payload = e.getPayload();
        if (payload instanceof PreRunVerified v) {
            String request = e.getCausationId() == null ? null : requestOfCapture.get(e.getCausationId());
            if (request != null) {
                commands.get(request).verdict = v;
            } else if (e.getCausationId() != null) {
                earlyVerdicts.put(e.getCausationId(), v);
            }
            return;
        }
        if (e.getCausationId() == null) {
            return;
        }
        Command c = commands.get(e.getCausationId());
        if (c == null) {
            early.computeIfAbsent(e.getCausationId(), k -> new ArrayList<>()).add(e);
            return;
        }
        if (payload instanceof RunObjectCaptured) {
            c.capturedAt = e.getOccurredAt();
            c.capturedEventId = e.getEventId();
            requestOfCapture.put(e.getEventId(), e.getCausationId());
            PreRunVerified early = earlyVerdicts.remove(e.getEventId());
            if (early != null) {
                c.verdict = early;
            }
        } else if (payload instanceof ApplyAttempted a) {
            if (a.getAttempt() >= c.attempts) {
                c.attempts = a.getAttempt();
                c.lastOutcome = a.getOutcome();
            }
        } else if (payload instanceof Applied applied) {
            c.finished = true;
            stack.remove(applied.getModuleName());
            stack.add(applied.getModuleName());
        } else if (payload instanceof ApplyFailed) {
            c.finished = true;
        } else if (payload instanceof Reverted r) {
            c.finished = true;
            stack.remove(r.getModuleName());
        }
    }

    /** Commands not yet finished, in the order they were given. */
    public List<Command> pending() {
        return commands.values().stream().filter(c -> !c.finished).toList();
    }

    public Command command(String requestId) {
        return commands.get(requestId);
    }

    /** The command whose RunObjectCaptured has this id, if any. */
    public Command commandOfCapture(String capturedEventId) {
        String request = requestOfCapture.get(capturedEventId);
        return request == null ? null : commands.get(request);
    }

    /** Modules applied on this host (and not reverted), oldest first. */
    public List<String> stack() {
        return List.copyOf(stack);
    }

    /** Modules applied after {@code module} that are still applied. */
    public List<String> above(String module) {
        int i = stack.indexOf(module);
        return i < 0 ? List.of() : List.copyOf(stack.subList(i + 1, stack.size()));
    }
}
