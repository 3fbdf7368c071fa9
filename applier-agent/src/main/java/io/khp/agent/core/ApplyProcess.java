package io.khp.agent.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import io.khp.events.ApplyFailureReason;
import io.khp.events.ApplyOutcome;
import io.khp.events.Verdict;

/**
 * The state of one apply of one livepatch on one host, and the pure rules that drive it:
 * {@link #decide} gives the next {@link Step}, {@link #evolve} folds in what came of it. No I/O: the
 * host worker carries the steps out. A process is rebuilt after a restart from the events already
 * published ({@link #resume}) and then re-reads the kernel before it loads anything.
 */
public record ApplyProcess(
        Phase phase,
        boolean forceApproved,
        Instant verifyDeadline,
        Instant artifactDeadline,
        Instant notBefore,
        int attempts,
        ApplyOutcome lastOutcome,
        Attempt current,
        ApplyFailureReason failure,
        String failureDetail,
        long transitionMs) {

    public enum Phase {
        CAPTURE, AWAIT_VERDICT, FETCH, INSPECT, LOAD, WATCH, SIGNAL, FORCE, DISABLE, REVERSE_WAIT, UNLOAD,
        UNLOAD_STALE, RECORD_ATTEMPT, BACKOFF, SUCCEED, FAIL, DONE
    }

    /** Kernel errors that mean the module is not signed with a key the kernel trusts. */
    private static final Set<String> SIGNATURE_REFUSALS = Set.of("EKEYREJECTED", "ENOKEY", "EBADMSG");

    /** The code of a {@link Observation.Refused} when the host did not answer (the operation may have happened). */
    public static final String BACKEND_UNREACHABLE = "TRANSPORT";
    /** The code of a {@link Observation.Refused} when the helper did not answer within its deadline and was killed. */
    public static final String HELPER_DEADLINE = "DEADLINE";

    public static ApplyProcess start(boolean forceApproved) {
        return new ApplyProcess(Phase.CAPTURE, forceApproved, null, null, null, 0, null, null, null, null, 0);
    }

    /**
     * The process as the events already published for it describe it (after an agent restart).
     * {@code capturedAt} is null when RunObjectCaptured was not published; {@code verdict} null when no
     * PreRunVerified arrived; {@code attempts}/{@code lastOutcome} from the ApplyAttempted events.
     */
    public static ApplyProcess resume(boolean forceApproved, boolean finished, Instant capturedAt, Verdict verdict,
            String verdictReason, int attempts, ApplyOutcome lastOutcome, ApplyPolicy policy) {
        ApplyProcess p = new ApplyProcess(Phase.CAPTURE, forceApproved, null, null, null, attempts, lastOutcome,
                null, null, null, 0);
        if (finished) {
            return p.to(Phase.DONE);
        }
        if (capturedAt == null) {
            return p;
        }
        p = p.withVerifyDeadline(capturedAt.plus(policy.verifyTimeout())).to(Phase.AWAIT_VERDICT);
        if (verdict != null) {
            p = p.evolve(new Observation.VerdictArrived(verdict, verdictReason, capturedAt), policy);
        }
        if (p.phase == Phase.FETCH && lastOutcome == ApplyOutcome.APPLIED) {
            return p.to(Phase.SUCCEED);
        }
        if (p.phase == Phase.FETCH && lastOutcome == ApplyOutcome.LOAD_ERROR) {
            return p.failing(ApplyFailureReason.LOAD_ERROR, "attempt " + attempts + " failed to load the module");
        }
        return p;
    }

    // ------------------------------------------------------------------ decide

    public Step decide(Instant now, ApplyPolicy policy) {
        return switch (phase) {
            case CAPTURE -> new Step.Capture();
            case AWAIT_VERDICT -> now.isBefore(verifyDeadline)
                    ? new Step.Wait(verifyDeadline)
                    : new Step.Fail(ApplyFailureReason.VERIFY_TIMEOUT,
                            "no PreRunVerified within " + policy.verifyTimeout().toSeconds() + " s of the capture", attempts);
            case FETCH -> notBefore != null && now.isBefore(notBefore) ? new Step.Wait(notBefore) : new Step.Fetch();
            case INSPECT -> notBefore != null && now.isBefore(notBefore) ? new Step.Wait(notBefore) : new Step.Inspect();
            case BACKOFF -> notBefore != null && now.isBefore(notBefore) ? new Step.Wait(notBefore) : new Step.Inspect();
            case LOAD -> new Step.Load(attempts + 1);
            case WATCH, REVERSE_WAIT -> notBefore != null && now.isBefore(notBefore)
                    ? new Step.Wait(notBefore) : new Step.Inspect();
            case SIGNAL -> new Step.Signal();
            case FORCE -> new Step.Force();
            case DISABLE -> new Step.Disable();
            case UNLOAD, UNLOAD_STALE -> notBefore != null && now.isBefore(notBefore)
                    ? new Step.Wait(notBefore) : new Step.Unload();
            case RECORD_ATTEMPT -> new Step.RecordAttempt(current);
            case SUCCEED -> new Step.Succeed(attempts, transitionMs);
            case FAIL -> new Step.Fail(failure, failureDetail, attempts);
            case DONE -> new Step.Done();
        };
    }

    // ------------------------------------------------------------------ evolve

    public ApplyProcess evolve(Observation o, ApplyPolicy policy) {
        if (phase == Phase.DONE) {
            return this;
        }
        if (o instanceof Observation.Captured c) {
            return phase == Phase.CAPTURE ? withVerifyDeadline(c.at().plus(policy.verifyTimeout())).to(Phase.AWAIT_VERDICT) : this;
        }
        if (o instanceof Observation.VerdictArrived v) {
            return phase == Phase.AWAIT_VERDICT ? onVerdict(v) : this;
        }
        if (o instanceof Observation.ArtifactChecked a) {
            return phase == Phase.FETCH ? onArtifact(a, policy) : this;
        }
        if (o instanceof Observation.KernelSeen k) {
            return onKernel(k, policy);
        }
        if (o instanceof Observation.Loaded l) {
            return phase == Phase.LOAD
                    ? withCurrent(Attempt.started(attempts + 1, l.at(), false)).poll(l.at(), policy).to(Phase.WATCH) : this;
        }
        if (o instanceof Observation.Refused r) {
            return onRefused(r, policy);
        }
        if (o instanceof Observation.Done d) {
            return onDone(d, policy);
        }
        return onPublished((Observation.Published) o, policy);
    }

    private ApplyProcess onVerdict(Observation.VerdictArrived v) {
        return switch (v.verdict()) {
            case MATCH -> to(Phase.FETCH);
            case MISMATCH -> failing(ApplyFailureReason.MISMATCH,
                    "the running kernel does not match the patch's pre code" + reasonSuffix(v.reason()));
            case UNSUPPORTED -> failing(ApplyFailureReason.UNSUPPORTED,
                    "the verifier could not check this host" + reasonSuffix(v.reason()));
        };
    }

    private static String reasonSuffix(String reason) {
        return reason == null || reason.isBlank() ? "" : ": " + reason;
    }

    private ApplyProcess onArtifact(Observation.ArtifactChecked a, ApplyPolicy policy) {
        return switch (a.status()) {
            case TRUSTED -> withNotBefore(null).to(Phase.INSPECT);
            case UNTRUSTED -> failing(ApplyFailureReason.UNTRUSTED_ARTIFACT, a.detail());
            case MISSING -> {
                Instant deadline = artifactDeadline != null ? artifactDeadline : a.at().plus(policy.artifactTimeout());
                if (!a.at().isBefore(deadline)) {
                    yield failing(ApplyFailureReason.ARTIFACT_UNAVAILABLE, a.detail());
                }
                yield new ApplyProcess(phase, forceApproved, verifyDeadline, deadline, a.at().plus(policy.artifactRetry()),
                        attempts, lastOutcome, current, failure, failureDetail, transitionMs);
            }
        };
    }

    private ApplyProcess onKernel(Observation.KernelSeen k, ApplyPolicy policy) {
        LivepatchState s = k.state();
        return switch (phase) {
            case INSPECT, BACKOFF -> beforeLoad(s, k.at(), policy);
            case WATCH -> watching(s, k.at(), policy);
            case REVERSE_WAIT -> reversing(s, k.at(), policy);
            default -> this;
        };
    }

    /** Before loading: never load twice. A loaded module is adopted, a disabled one unloaded first. */
    private ApplyProcess beforeLoad(LivepatchState s, Instant at, ApplyPolicy policy) {
        if (s.present() && s.enabled()) {
            return withCurrent(Attempt.started(attempts + 1, at, true)).withNotBefore(null).to(Phase.WATCH)
                    .watching(s, at, policy);
        }
        if (s.present() && s.transition()) {
            // disabled and still unpatching: a reversal from before a restart; finish it as a stalled attempt
            return withCurrent(Attempt.started(attempts + 1, at, true).reversed(at)).poll(at, policy).to(Phase.REVERSE_WAIT);
        }
        if (s.present()) {
            // the kernel refuses to re-enable a disabled livepatch: unload it, then load it again
            return withNotBefore(null).to(Phase.UNLOAD_STALE);
        }
        if (attempts >= policy.maxAttempts()) {
            return failing(failureFor(lastOutcome), attempts + " attempts, the last one " + lastOutcome);
        }
        if (phase == Phase.BACKOFF && notBefore != null && at.isBefore(notBefore)) {
            return this;
        }
        return withNotBefore(null).to(Phase.LOAD);
    }

    private ApplyProcess watching(LivepatchState s, Instant at, ApplyPolicy policy) {
        if (!s.present()) {
            return withCurrent(current.ended(ApplyOutcome.LOAD_ERROR, at, "the module disappeared during its transition"))
                    .to(Phase.RECORD_ATTEMPT);
        }
        if (!s.enabled()) {
            // someone else disabled it: treat as a reversal under way
            return withCurrent(current.reversed(at)).poll(at, policy).to(Phase.REVERSE_WAIT).reversing(s, at, policy);
        }
        if (!s.transition()) {
            ApplyProcess p = withCurrent(current.ended(ApplyOutcome.APPLIED, at, null)).to(Phase.RECORD_ATTEMPT);
            return new ApplyProcess(p.phase, forceApproved, verifyDeadline, artifactDeadline, null, attempts, lastOutcome,
                    p.current, failure, failureDetail, p.current.durationMs());
        }
        Attempt a = current.pending(s.pending());
        Duration elapsed = Duration.between(a.startedAt(), at);
        Duration giveUp = policy.firstWait().plus(policy.secondWait());
        if (elapsed.compareTo(policy.firstWait()) >= 0 && !a.signalled()) {
            return withCurrent(a).to(Phase.SIGNAL);
        }
        if (elapsed.compareTo(giveUp) >= 0) {
            if (forceApproved && !a.forced()) {
                return withCurrent(a).to(Phase.FORCE);
            }
            if (!forceApproved || elapsed.compareTo(giveUp.plus(policy.secondWait())) >= 0) {
                return withCurrent(a).to(Phase.DISABLE);
            }
        }
        return withCurrent(a).poll(at, policy).to(Phase.WATCH);
    }

    private ApplyProcess reversing(LivepatchState s, Instant at, ApplyPolicy policy) {
        if (!s.present()) {
            // the kernel frees a livepatch once it is disabled: its sysfs directory goes, the module stays
            return withNotBefore(null).to(Phase.UNLOAD);
        }
        if (s.enabled() && !s.transition()) {
            // the transition finished before the reversal took hold: the patch is applied
            ApplyProcess p = withCurrent(current.ended(ApplyOutcome.APPLIED, at, null)).to(Phase.RECORD_ATTEMPT);
            return new ApplyProcess(p.phase, forceApproved, verifyDeadline, artifactDeadline, null, attempts, lastOutcome,
                    p.current, failure, failureDetail, p.current.durationMs());
        }
        if (!s.transition()) {
            return withNotBefore(null).to(Phase.UNLOAD);
        }
        if (Duration.between(current.reversedAt(), at).compareTo(policy.reverseTimeout()) >= 0) {
            return withCurrent(current.ended(ApplyOutcome.STALLED_REVERSED, at,
                    "the reversal did not finish in " + policy.reverseTimeout().toSeconds() + " s; module left loaded"))
                    .failingAfterRecord(ApplyFailureReason.STALLED,
                            "transition stalled and its reversal did not finish; the module is still loaded, disabled");
        }
        return poll(at, policy);
    }

    private ApplyProcess onRefused(Observation.Refused r, ApplyPolicy policy) {
        String code = r.code();
        if (HELPER_DEADLINE.equals(code) && phase != Phase.LOAD && phase != Phase.SIGNAL && phase != Phase.FORCE) {
            // looking again would wait on the helper again: the apply fails with the reason
            return failing(ApplyFailureReason.AGENT_ERROR, "in " + phase + ": " + r.message());
        }
        return switch (phase) {
            case CAPTURE -> failing(ApplyFailureReason.AGENT_ERROR, "capture failed: " + code + " " + r.message());
            case FETCH -> failing(ApplyFailureReason.ARTIFACT_UNAVAILABLE, code + " " + r.message());
            case INSPECT, BACKOFF, WATCH, REVERSE_WAIT -> withNotBefore(r.at().plus(policy.pollInterval()));
            case LOAD -> {
                if ("EEXIST".equals(code)) {
                    // loaded but not an enabled livepatch (sysfs showed nothing): a disabled leftover. Unloading
                    // it fails (EBUSY) if it is in use after all, and the inspection that follows adopts it.
                    yield withNotBefore(null).to(Phase.UNLOAD_STALE);
                }
                if (BACKEND_UNREACHABLE.equals(code) || HELPER_DEADLINE.equals(code)) {
                    // perhaps loaded before the host stopped answering: look before anything else
                    yield withNotBefore(r.at().plus(policy.pollInterval())).to(Phase.INSPECT);
                }
                Attempt a = Attempt.started(attempts + 1, r.at(), false);
                if ("EBUSY".equals(code)) {
                    yield withCurrent(a.ended(ApplyOutcome.BUSY, r.at(), code + ": " + r.message())).to(Phase.RECORD_ATTEMPT);
                }
                ApplyFailureReason reason = SIGNATURE_REFUSALS.contains(code) ? ApplyFailureReason.LOCKDOWN
                        : ApplyFailureReason.LOAD_ERROR;
                yield withCurrent(a.ended(ApplyOutcome.LOAD_ERROR, r.at(), code + ": " + r.message()))
                        .failingAfterRecord(reason, "the kernel refused the module: " + code + " " + r.message());
            }
            // signal and force are best effort: the waits go on without them
            case SIGNAL -> withCurrent(current.signal()).poll(r.at(), policy).to(Phase.WATCH);
            case FORCE -> withCurrent(current.force()).poll(r.at(), policy).to(Phase.WATCH);
            // EBUSY: another transition; EINVAL: already disabled; NOT_FOUND: gone. The status tells which.
            case DISABLE -> withCurrent(current.reversed(r.at())).poll(r.at(), policy).to(Phase.REVERSE_WAIT);
            case UNLOAD, UNLOAD_STALE -> {
                if ("ENOENT".equals(code)) {
                    yield onDone(new Observation.Done(r.at()), policy);
                }
                yield withNotBefore(r.at().plus(policy.pollInterval())).to(Phase.INSPECT);
            }
            default -> this;
        };
    }

    private ApplyProcess onDone(Observation.Done d, ApplyPolicy policy) {
        return switch (phase) {
            case SIGNAL -> withCurrent(current.signal()).poll(d.at(), policy).to(Phase.WATCH);
            case FORCE -> withCurrent(current.force()).poll(d.at(), policy).to(Phase.WATCH);
            case DISABLE -> withCurrent(current.reversed(d.at())).poll(d.at(), policy).to(Phase.REVERSE_WAIT);
            case UNLOAD -> withCurrent(current.ended(ApplyOutcome.STALLED_REVERSED, d.at(), null)).to(Phase.RECORD_ATTEMPT);
            case UNLOAD_STALE -> to(Phase.INSPECT);
            default -> this;
        };
    }

    private ApplyProcess onPublished(Observation.Published p, ApplyPolicy policy) {
        return switch (phase) {
            case RECORD_ATTEMPT -> afterRecord(p.at(), policy);
            // AWAIT_VERDICT: the verify timeout's failure was published
            case SUCCEED, FAIL, AWAIT_VERDICT -> to(Phase.DONE);
            default -> this;
        };
    }

    private ApplyProcess afterRecord(Instant at, ApplyPolicy policy) {
        Attempt a = current;
        ApplyProcess recorded = new ApplyProcess(phase, forceApproved, verifyDeadline, artifactDeadline, null,
                a.number(), a.outcome(), null, failure, failureDetail, transitionMs);
        if (failure != null) {
            return recorded.to(Phase.FAIL);
        }
        return switch (a.outcome()) {
            case APPLIED -> recorded.to(Phase.SUCCEED);
            case STALLED_REVERSED, BUSY -> {
                if (a.number() >= policy.maxAttempts()) {
                    yield recorded.failing(failureFor(a.outcome()), a.number() + " attempts, the last one " + a.outcome()
                            + (a.stalled().isEmpty() ? "" : " (" + a.stalled().size() + " tasks pending)"));
                }
                Duration wait = a.outcome() == ApplyOutcome.BUSY ? policy.busyBackoff() : policy.backoffAfter(a.number());
                yield recorded.withNotBefore(at.plus(wait)).to(Phase.BACKOFF);
            }
            case LOAD_ERROR -> recorded.to(Phase.INSPECT);
        };
    }

    private static ApplyFailureReason failureFor(ApplyOutcome outcome) {
        if (outcome == null) {
            return ApplyFailureReason.UNKNOWN;
        }
        return switch (outcome) {
            case STALLED_REVERSED -> ApplyFailureReason.STALLED;
            case BUSY -> ApplyFailureReason.BUSY;
            case LOAD_ERROR, APPLIED -> ApplyFailureReason.LOAD_ERROR;
        };
    }

    // ------------------------------------------------------------------ withers

    public boolean finished() {
        return phase == Phase.DONE;
    }

    private ApplyProcess to(Phase next) {
        return new ApplyProcess(next, forceApproved, verifyDeadline, artifactDeadline, notBefore, attempts, lastOutcome,
                current, failure, failureDetail, transitionMs);
    }

    private ApplyProcess withVerifyDeadline(Instant deadline) {
        return new ApplyProcess(phase, forceApproved, deadline, artifactDeadline, notBefore, attempts, lastOutcome,
                current, failure, failureDetail, transitionMs);
    }

    private ApplyProcess withNotBefore(Instant at) {
        return new ApplyProcess(phase, forceApproved, verifyDeadline, artifactDeadline, at, attempts, lastOutcome,
                current, failure, failureDetail, transitionMs);
    }

    private ApplyProcess poll(Instant at, ApplyPolicy policy) {
        return withNotBefore(at.plus(policy.pollInterval()));
    }

    private ApplyProcess withCurrent(Attempt a) {
        return new ApplyProcess(phase, forceApproved, verifyDeadline, artifactDeadline, notBefore, attempts, lastOutcome,
                a, failure, failureDetail, transitionMs);
    }

    private ApplyProcess failing(ApplyFailureReason reason, String detail) {
        return new ApplyProcess(Phase.FAIL, forceApproved, verifyDeadline, artifactDeadline, null, attempts, lastOutcome,
                null, reason, detail, transitionMs);
    }

    /** Record the current attempt first, then fail. */
    private ApplyProcess failingAfterRecord(ApplyFailureReason reason, String detail) {
        return new ApplyProcess(Phase.RECORD_ATTEMPT, forceApproved, verifyDeadline, artifactDeadline, null, attempts,
                lastOutcome, current, reason, detail, transitionMs);
    }

    /** The stalled tasks seen last, for reports. */
    public List<io.khp.events.StalledTask> stalledTasks() {
        return current == null ? List.of() : current.stalled();
    }
}
