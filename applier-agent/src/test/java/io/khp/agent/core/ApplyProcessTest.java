package io.khp.agent.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.khp.agent.core.Observation.ArtifactChecked;
import io.khp.agent.core.Observation.ArtifactStatus;
import io.khp.agent.core.Observation.KernelSeen;
import io.khp.events.ApplyFailureReason;
import io.khp.events.ApplyOutcome;
import io.khp.events.StalledTask;
import io.khp.events.Verdict;

class ApplyProcessTest {

    static final ApplyPolicy POLICY = ApplyPolicy.defaults()
            .withWaits(Duration.ofSeconds(15), Duration.ofSeconds(60))
            .withRetries(3, Duration.ofSeconds(10), Duration.ofSeconds(5));
    static final Instant T0 = Instant.parse("2026-11-24T12:00:00Z");
    static final StalledTask TASK = new StalledTask(87, "khp_stall", "[<0>] khp_stall_sleep+0x2d/0x60 [khp_stall]");

    /** A scripted host: answers each step with an observation, records the steps, advances a fake clock. */
    static final class Run {
        ApplyProcess p;
        Instant now = T0;
        final List<Step> steps = new ArrayList<>();

        Run(ApplyProcess start) {
            p = start;
        }

        Step decide() {
            Step s = p.decide(now, POLICY);
            steps.add(s);
            return s;
        }

        Run observe(Observation o) {
            p = p.evolve(o, POLICY);
            return this;
        }

        Run at(Duration sinceStart) {
            now = T0.plus(sinceStart);
            return this;
        }
    }

    /** Drives a fresh process through capture, a verdict and a trusted artifact, up to the kernel inspection. */
    static Run verified() {
        Run r = new Run(ApplyProcess.start(false));
        assertInstanceOf(Step.Capture.class, r.decide());
        r.observe(new Observation.Captured(r.now));
        assertInstanceOf(Step.Wait.class, r.decide());
        r.observe(new Observation.VerdictArrived(Verdict.MATCH, null, r.now));
        assertInstanceOf(Step.Fetch.class, r.decide());
        r.observe(new ArtifactChecked(ArtifactStatus.TRUSTED, null, r.now));
        assertInstanceOf(Step.Inspect.class, r.decide());
        return r;
    }

    static Run loaded() {
        Run r = verified();
        r.observe(new KernelSeen(LivepatchState.absent(), r.now));
        assertEquals(new Step.Load(1), r.decide());
        return r.observe(new Observation.Loaded(r.now));
    }

    @Test
    void aQuickTransitionIsRecordedThenApplied() {
        Run r = loaded();
        assertInstanceOf(Step.Wait.class, r.decide());
        r.at(Duration.ofSeconds(2));
        assertInstanceOf(Step.Inspect.class, r.decide());
        r.observe(new KernelSeen(LivepatchState.settled(true), r.now));
        Step record = r.decide();
        Attempt a = ((Step.RecordAttempt) record).attempt();
        assertEquals(1, a.number());
        assertEquals(ApplyOutcome.APPLIED, a.outcome());
        assertEquals(2000, a.durationMs());
        r.observe(new Observation.Published(r.now));
        assertEquals(new Step.Succeed(1, 2000), r.decide());
        r.observe(new Observation.Published(r.now));
        assertInstanceOf(Step.Done.class, r.decide());
        assertTrue(r.p.finished());
    }

    @Test
    void waitsForTheVerdictAndTimesOut() {
        Run r = new Run(ApplyProcess.start(false));
        r.decide();
        r.observe(new Observation.Captured(r.now));
        Step wait = r.decide();
        assertEquals(new Step.Wait(T0.plus(POLICY.verifyTimeout())), wait);
        r.at(POLICY.verifyTimeout());
        Step fail = r.decide();
        assertEquals(ApplyFailureReason.VERIFY_TIMEOUT, ((Step.Fail) fail).reason());
        r.observe(new Observation.Published(r.now));
        assertInstanceOf(Step.Done.class, r.decide(), "failed once, then finished");
        r.observe(new Observation.VerdictArrived(Verdict.MATCH, null, r.now));
        assertInstanceOf(Step.Done.class, r.decide(), "a late verdict changes nothing");
    }

    /** Every Fail/Succeed step, once published, finishes the process: nothing is published twice. */
    @Test
    void everyFinalStepFinishesOncePublished() {
        List<Run> runs = new ArrayList<>();
        Run timeout = new Run(ApplyProcess.start(false));
        timeout.decide();
        timeout.observe(new Observation.Captured(T0)).at(POLICY.verifyTimeout());
        runs.add(timeout);
        for (Verdict v : List.of(Verdict.MISMATCH, Verdict.UNSUPPORTED)) {
            Run r = new Run(ApplyProcess.start(false));
            r.observe(new Observation.Captured(T0)).observe(new Observation.VerdictArrived(v, null, T0));
            runs.add(r);
        }
        for (ArtifactStatus status : List.of(ArtifactStatus.UNTRUSTED, ArtifactStatus.MISSING)) {
            Run r = new Run(ApplyProcess.start(false));
            r.observe(new Observation.Captured(T0)).observe(new Observation.VerdictArrived(Verdict.MATCH, null, T0))
                    .observe(new ArtifactChecked(status, "x", T0));
            if (status == ArtifactStatus.MISSING) {
                r.at(POLICY.artifactTimeout()).observe(new ArtifactChecked(status, "x", r.now));
            }
            runs.add(r);
        }
        for (Run r : runs) {
            Step s = r.decide();
            assertInstanceOf(Step.Fail.class, s, r.p.phase().toString());
            r.observe(new Observation.Published(r.now));
            assertInstanceOf(Step.Done.class, r.decide(), ((Step.Fail) s).reason().toString());
        }
    }

    @Test
    void mismatchAndUnsupportedNeverFetchOrLoad() {
        for (Verdict v : List.of(Verdict.MISMATCH, Verdict.UNSUPPORTED)) {
            Run r = new Run(ApplyProcess.start(false));
            r.decide();
            r.observe(new Observation.Captured(r.now));
            r.observe(new Observation.VerdictArrived(v, "byte 0x12 differs", r.now));
            Step s = r.decide();
            Step.Fail f = (Step.Fail) s;
            assertEquals(v == Verdict.MISMATCH ? ApplyFailureReason.MISMATCH : ApplyFailureReason.UNSUPPORTED, f.reason());
            assertTrue(f.detail().contains("byte 0x12 differs"));
            r.observe(new Observation.Published(r.now));
            assertInstanceOf(Step.Done.class, r.decide());
            assertFalse(r.steps.stream().anyMatch(x -> x instanceof Step.Fetch || x instanceof Step.Load));
        }
    }

    @Test
    void anUntrustedArtifactIsRefusedBeforeLoading() {
        Run r = new Run(ApplyProcess.start(false));
        r.decide();
        r.observe(new Observation.Captured(r.now)).observe(new Observation.VerdictArrived(Verdict.MATCH, null, r.now));
        r.decide();
        r.observe(new ArtifactChecked(ArtifactStatus.UNTRUSTED, "sha256 differs", r.now));
        Step.Fail f = (Step.Fail) r.decide();
        assertEquals(ApplyFailureReason.UNTRUSTED_ARTIFACT, f.reason());
        assertEquals("sha256 differs", f.detail());
    }

    @Test
    void aMissingArtifactIsRetriedUntilItsDeadline() {
        Run r = new Run(ApplyProcess.start(false));
        r.decide();
        r.observe(new Observation.Captured(r.now)).observe(new Observation.VerdictArrived(Verdict.MATCH, null, r.now));
        r.decide();
        r.observe(new ArtifactChecked(ArtifactStatus.MISSING, "not there", r.now));
        assertEquals(new Step.Wait(T0.plus(POLICY.artifactRetry())), r.decide());
        r.at(POLICY.artifactRetry());
        assertInstanceOf(Step.Fetch.class, r.decide());
        r.at(POLICY.artifactTimeout());
        r.observe(new ArtifactChecked(ArtifactStatus.MISSING, "not there", r.now));
        assertEquals(ApplyFailureReason.ARTIFACT_UNAVAILABLE, ((Step.Fail) r.decide()).reason());
    }

    /** Runs a stall with kpatch's waits: signal after the first wait, reverse after the second. */
    static Run stallOnce(Run r, int attempt, Instant loadedAt) {
        Duration base = Duration.between(T0, loadedAt);
        r.at(base.plus(Duration.ofSeconds(1)));
        r.observe(new KernelSeen(LivepatchState.inTransition(true, List.of(TASK)), r.now));
        r.at(base.plus(POLICY.firstWait()));
        assertInstanceOf(Step.Inspect.class, r.decide());
        r.observe(new KernelSeen(LivepatchState.inTransition(true, List.of(TASK)), r.now));
        assertInstanceOf(Step.Signal.class, r.decide());
        r.observe(new Observation.Done(r.now));
        r.at(base.plus(POLICY.firstWait()).plus(POLICY.secondWait()));
        assertInstanceOf(Step.Inspect.class, r.decide());
        r.observe(new KernelSeen(LivepatchState.inTransition(true, List.of(TASK)), r.now));
        assertInstanceOf(Step.Disable.class, r.decide(), "reverse after the second wait, never force");
        r.observe(new Observation.Done(r.now));
        r.at(base.plus(POLICY.firstWait()).plus(POLICY.secondWait()).plus(Duration.ofSeconds(2)));
        assertInstanceOf(Step.Inspect.class, r.decide());
        r.observe(new KernelSeen(LivepatchState.absent(), r.now));
        assertInstanceOf(Step.Unload.class, r.decide());
        r.observe(new Observation.Done(r.now));
        Attempt a = ((Step.RecordAttempt) r.decide()).attempt();
        assertEquals(attempt, a.number());
        assertEquals(ApplyOutcome.STALLED_REVERSED, a.outcome());
        assertEquals(List.of(TASK), a.stalled());
        r.observe(new Observation.Published(r.now));
        return r;
    }

    @Test
    void aStallIsReversedUnloadedRetriedWithBackoffThenGivenUp() {
        Run r = loaded();
        Instant loadedAt = r.now;
        for (int attempt = 1; attempt <= 3; attempt++) {
            stallOnce(r, attempt, loadedAt);
            if (attempt == 3) {
                break;
            }
            Step wait = r.decide();
            assertEquals(new Step.Wait(r.now.plus(POLICY.backoffAfter(attempt))), wait);
            r.now = ((Step.Wait) wait).until();
            assertInstanceOf(Step.Inspect.class, r.decide());
            r.observe(new KernelSeen(LivepatchState.absent(), r.now));
            assertEquals(new Step.Load(attempt + 1), r.decide());
            loadedAt = r.now;
            r.observe(new Observation.Loaded(r.now));
        }
        Step.Fail f = (Step.Fail) r.decide();
        assertEquals(ApplyFailureReason.STALLED, f.reason());
        assertEquals(3, f.attempts());
        assertFalse(r.steps.stream().anyMatch(s -> s instanceof Step.Force));
        assertEquals(3, r.steps.stream().filter(s -> s instanceof Step.Load).count());
    }

    @Test
    void forceIsWrittenOnlyWithTheOperatorsApproval() {
        Run r = new Run(ApplyProcess.start(true));
        r.decide();
        r.observe(new Observation.Captured(r.now)).observe(new Observation.VerdictArrived(Verdict.MATCH, null, r.now))
                .observe(new ArtifactChecked(ArtifactStatus.TRUSTED, null, r.now))
                .observe(new KernelSeen(LivepatchState.absent(), r.now)).observe(new Observation.Loaded(r.now));
        r.at(POLICY.firstWait());
        r.observe(new KernelSeen(LivepatchState.inTransition(true, List.of(TASK)), r.now));
        assertInstanceOf(Step.Signal.class, r.decide());
        r.observe(new Observation.Done(r.now));
        r.at(POLICY.firstWait().plus(POLICY.secondWait()));
        r.observe(new KernelSeen(LivepatchState.inTransition(true, List.of(TASK)), r.now));
        assertInstanceOf(Step.Force.class, r.decide());
        r.observe(new Observation.Done(r.now));
        r.at(POLICY.firstWait().plus(POLICY.secondWait()).plus(Duration.ofSeconds(1)));
        r.observe(new KernelSeen(LivepatchState.settled(true), r.now));
        assertEquals(ApplyOutcome.APPLIED, ((Step.RecordAttempt) r.decide()).attempt().outcome());
    }

    @Test
    void busyIsRecordedAndRetriedAfterTheBusyBackoff() {
        Run r = verified();
        r.observe(new KernelSeen(LivepatchState.absent(), r.now));
        r.decide();
        r.observe(new Observation.Refused("EBUSY", "another transition", r.now));
        Attempt a = ((Step.RecordAttempt) r.decide()).attempt();
        assertEquals(ApplyOutcome.BUSY, a.outcome());
        r.observe(new Observation.Published(r.now));
        assertEquals(new Step.Wait(T0.plus(POLICY.busyBackoff())), r.decide());
        r.at(POLICY.busyBackoff());
        assertInstanceOf(Step.Inspect.class, r.decide());
        r.observe(new KernelSeen(LivepatchState.absent(), r.now));
        assertEquals(new Step.Load(2), r.decide());
    }

    @Test
    void aLoadErrorIsRecordedAndFailsWithoutRetry() {
        Run r = verified();
        r.observe(new KernelSeen(LivepatchState.absent(), r.now));
        r.decide();
        r.observe(new Observation.Refused("ENOEXEC", "Exec format error", r.now));
        assertEquals(ApplyOutcome.LOAD_ERROR, ((Step.RecordAttempt) r.decide()).attempt().outcome());
        r.observe(new Observation.Published(r.now));
        Step.Fail f = (Step.Fail) r.decide();
        assertEquals(ApplyFailureReason.LOAD_ERROR, f.reason());
        assertEquals(1, f.attempts());
    }

    @Test
    void aSignatureRefusalIsALockdownFailure() {
        Run r = verified();
        r.observe(new KernelSeen(LivepatchState.absent(), r.now));
        r.decide();
        r.observe(new Observation.Refused("EKEYREJECTED", "Key was rejected by service", r.now));
        r.decide();
        r.observe(new Observation.Published(r.now));
        assertEquals(ApplyFailureReason.LOCKDOWN, ((Step.Fail) r.decide()).reason());
    }

    @Test
    void anAlreadyLoadedModuleIsAdoptedNotLoadedTwice() {
        Run r = verified();
        r.observe(new KernelSeen(LivepatchState.settled(true), r.now));
        Attempt a = ((Step.RecordAttempt) r.decide()).attempt();
        assertTrue(a.adopted());
        assertEquals(ApplyOutcome.APPLIED, a.outcome());
        assertFalse(r.steps.stream().anyMatch(s -> s instanceof Step.Load));
    }

    @Test
    void eexistOnLoadUnloadsTheDisabledLeftoverThenLoads() {
        Run r = verified();
        r.observe(new KernelSeen(LivepatchState.absent(), r.now));
        r.decide();
        r.observe(new Observation.Refused("EEXIST", "File exists", r.now));
        assertInstanceOf(Step.Unload.class, r.decide());
        r.observe(new Observation.Done(r.now));
        assertInstanceOf(Step.Inspect.class, r.decide());
        r.observe(new KernelSeen(LivepatchState.absent(), r.now));
        assertEquals(new Step.Load(1), r.decide());
    }

    @Test
    void eexistForAModuleInUseEndsInAdoptingIt() {
        Run r = verified();
        r.observe(new KernelSeen(LivepatchState.absent(), r.now));
        r.decide();
        r.observe(new Observation.Refused("EEXIST", "File exists", r.now));
        r.decide();
        r.observe(new Observation.Refused("EBUSY", "in use", r.now));
        r.at(POLICY.pollInterval());
        assertInstanceOf(Step.Inspect.class, r.decide());
        r.observe(new KernelSeen(LivepatchState.inTransition(true, List.of()), r.now));
        assertEquals(ApplyProcess.Phase.WATCH, r.p.phase());
        assertEquals(1, r.steps.stream().filter(s -> s instanceof Step.Load).count());
    }

    @Test
    void aDisabledPatchIsUnloadedThenLoadedAgain() {
        Run r = verified();
        r.observe(new KernelSeen(LivepatchState.settled(false), r.now));
        assertInstanceOf(Step.Unload.class, r.decide());
        r.observe(new Observation.Done(r.now));
        assertInstanceOf(Step.Inspect.class, r.decide());
        r.observe(new KernelSeen(LivepatchState.absent(), r.now));
        assertEquals(new Step.Load(1), r.decide());
    }

    @Test
    void resumingAfterACrashSkipsWhatWasPublished() {
        ApplyProcess fresh = ApplyProcess.resume(false, false, null, null, null, 0, null, POLICY);
        assertInstanceOf(Step.Capture.class, fresh.decide(T0, POLICY));

        ApplyProcess waiting = ApplyProcess.resume(false, false, T0, null, null, 0, null, POLICY);
        assertEquals(new Step.Wait(T0.plus(POLICY.verifyTimeout())), waiting.decide(T0.plusSeconds(5), POLICY));

        ApplyProcess verifiedProcess = ApplyProcess.resume(false, false, T0, Verdict.MATCH, null, 1,
                ApplyOutcome.STALLED_REVERSED, POLICY);
        assertInstanceOf(Step.Fetch.class, verifiedProcess.decide(T0, POLICY));
        ApplyProcess next = verifiedProcess.evolve(new ArtifactChecked(ArtifactStatus.TRUSTED, null, T0), POLICY)
                .evolve(new KernelSeen(LivepatchState.absent(), T0), POLICY);
        assertEquals(new Step.Load(2), next.decide(T0, POLICY), "numbering goes on after the recorded attempts");

        ApplyProcess appliedNotAnnounced = ApplyProcess.resume(false, false, T0, Verdict.MATCH, null, 2,
                ApplyOutcome.APPLIED, POLICY);
        assertEquals(new Step.Succeed(2, 0), appliedNotAnnounced.decide(T0, POLICY));

        ApplyProcess mismatch = ApplyProcess.resume(false, false, T0, Verdict.MISMATCH, "x", 0, null, POLICY);
        assertEquals(ApplyFailureReason.MISMATCH, ((Step.Fail) mismatch.decide(T0, POLICY)).reason());

        ApplyProcess exhausted = ApplyProcess.resume(false, false, T0, Verdict.MATCH, null, 3,
                ApplyOutcome.STALLED_REVERSED, POLICY)
                .evolve(new ArtifactChecked(ArtifactStatus.TRUSTED, null, T0), POLICY)
                .evolve(new KernelSeen(LivepatchState.absent(), T0), POLICY);
        assertEquals(ApplyFailureReason.STALLED, ((Step.Fail) exhausted.decide(T0, POLICY)).reason());

        ApplyProcess done = ApplyProcess.resume(false, true, T0, Verdict.MATCH, null, 1, ApplyOutcome.APPLIED, POLICY);
        assertInstanceOf(Step.Done.class, done.decide(T0, POLICY));
    }

    @Test
    void aRestartDuringATransitionAdoptsAndKeepsWatching() {
        ApplyProcess p = ApplyProcess.resume(false, false, T0, Verdict.MATCH, null, 0, null, POLICY)
                .evolve(new ArtifactChecked(ArtifactStatus.TRUSTED, null, T0), POLICY)
                .evolve(new KernelSeen(LivepatchState.inTransition(true, List.of(TASK)), T0), POLICY);
        assertEquals(ApplyProcess.Phase.WATCH, p.phase());
        assertTrue(p.current().adopted());
        assertEquals(1, p.current().number());
    }

    @Test
    void aRestartDuringAReversalFinishesItAsAStalledAttempt() {
        ApplyProcess p = ApplyProcess.resume(false, false, T0, Verdict.MATCH, null, 0, null, POLICY)
                .evolve(new ArtifactChecked(ArtifactStatus.TRUSTED, null, T0), POLICY)
                .evolve(new KernelSeen(LivepatchState.inTransition(false, List.of()), T0), POLICY);
        assertEquals(ApplyProcess.Phase.REVERSE_WAIT, p.phase());
        p = p.evolve(new KernelSeen(LivepatchState.settled(false), T0.plusSeconds(1)), POLICY);
        assertInstanceOf(Step.Unload.class, p.decide(T0.plusSeconds(1), POLICY));
        p = p.evolve(new Observation.Done(T0.plusSeconds(1)), POLICY);
        assertEquals(ApplyOutcome.STALLED_REVERSED, ((Step.RecordAttempt) p.decide(T0, POLICY)).attempt().outcome());
    }

    @Test
    void aReversalThatDoesNotFinishFailsAndLeavesTheModuleAlone() {
        Run r = loaded();
        r.at(POLICY.firstWait());
        r.observe(new KernelSeen(LivepatchState.inTransition(true, List.of(TASK)), r.now));
        r.observe(new Observation.Done(r.now));
        r.at(POLICY.firstWait().plus(POLICY.secondWait()));
        r.observe(new KernelSeen(LivepatchState.inTransition(true, List.of(TASK)), r.now));
        assertInstanceOf(Step.Disable.class, r.decide());
        r.observe(new Observation.Done(r.now));
        r.at(POLICY.firstWait().plus(POLICY.secondWait()).plus(POLICY.reverseTimeout()));
        r.observe(new KernelSeen(LivepatchState.inTransition(false, List.of(TASK)), r.now));
        assertInstanceOf(Step.RecordAttempt.class, r.decide());
        r.observe(new Observation.Published(r.now));
        Step.Fail f = (Step.Fail) r.decide();
        assertEquals(ApplyFailureReason.STALLED, f.reason());
        assertFalse(r.steps.stream().anyMatch(s -> s instanceof Step.Unload || s instanceof Step.Force));
    }

    @Test
    void aTransportFailureDuringLoadLooksBeforeLoadingAgain() {
        Run r = verified();
        r.observe(new KernelSeen(LivepatchState.absent(), r.now));
        r.decide();
        r.observe(new Observation.Refused(ApplyProcess.BACKEND_UNREACHABLE, "no reply", r.now));
        r.at(POLICY.pollInterval());
        assertInstanceOf(Step.Inspect.class, r.decide());
        r.observe(new KernelSeen(LivepatchState.settled(true), r.now));
        assertEquals(ApplyOutcome.APPLIED, ((Step.RecordAttempt) r.decide()).attempt().outcome());
        assertEquals(1, r.steps.stream().filter(s -> s instanceof Step.Load).count());
    }

    @Test
    void aHelperPastItsDeadlineFailsTheApplyWithTheReason() {
        // given the kernel inspection before the load, when the helper does not answer in time (it was killed)
        Run r = verified();
        r.observe(new Observation.Refused(ApplyProcess.HELPER_DEADLINE,
                "local helper h1: no reply to status within its deadline of 30000 ms; the helper was killed", r.now));
        // then the apply fails at once with the reason, and nothing is loaded
        Step.Fail f = assertInstanceOf(Step.Fail.class, r.decide());
        assertEquals(ApplyFailureReason.AGENT_ERROR, f.reason());
        assertTrue(f.detail().contains("in INSPECT") && f.detail().contains("within its deadline of 30000 ms"), f.detail());
        assertEquals(0, r.steps.stream().filter(s -> s instanceof Step.Load).count());
    }

    @Test
    void aHelperPastItsDeadlineDuringTheLoadIsAskedOnceMoreWhatItLoaded() {
        Run r = verified();
        r.observe(new KernelSeen(LivepatchState.absent(), r.now));
        r.decide();
        r.observe(new Observation.Refused(ApplyProcess.HELPER_DEADLINE, "no reply to load", r.now));
        r.at(POLICY.pollInterval());
        assertInstanceOf(Step.Inspect.class, r.decide(), "the module may be loaded: look (with a fresh helper)");
        r.observe(new Observation.Refused(ApplyProcess.HELPER_DEADLINE, "no reply to status", r.now));
        assertEquals(ApplyFailureReason.AGENT_ERROR, assertInstanceOf(Step.Fail.class, r.decide()).reason());
    }

    @Test
    void backoffDoublesAndIsCapped() {
        assertEquals(Duration.ofSeconds(10), POLICY.backoffAfter(1));
        assertEquals(Duration.ofSeconds(20), POLICY.backoffAfter(2));
        assertEquals(Duration.ofMinutes(5), POLICY.backoffAfter(30));
    }
}
