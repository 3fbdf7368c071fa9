package io.khp.ledger.core;

import static io.khp.ledger.TestEvents.hosts;
import static io.khp.ledger.TestEvents.percent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.khp.events.RolloutCounts;
import io.khp.events.RolloutRequested;
import io.khp.ledger.TestEvents;
import io.khp.state.PatchStatus;
import io.khp.state.RolloutHost;
import io.khp.state.RolloutState;
import io.khp.state.RolloutStatus;

class RolloutPlannerTest {

    private static List<String> fleet(int n) {
        return IntStream.range(0, n).mapToObj(i -> String.format("h%02d", i)).toList();
    }

    @Test
    void countsThenPercentagesAndTheLastSizeRepeats() {
        List<List<String>> waves = RolloutPlanner.waves(fleet(10), List.of(hosts(1), percent(30)));
        assertEquals(List.of(1, 3, 3, 3), waves.stream().map(List::size).toList());
        assertEquals(List.of("h00"), waves.get(0));
        assertEquals(fleet(10), waves.stream().flatMap(List::stream).toList(), "every host once, in id order");
    }

    @Test
    void percentagesRoundUpAndWavesNeverOverflow() {
        assertEquals(List.of(1, 1, 1), RolloutPlanner.waves(fleet(3), List.of(percent(10))).stream().map(List::size).toList());
        assertEquals(List.of(3), RolloutPlanner.waves(fleet(3), List.of(hosts(50))).stream().map(List::size).toList());
        assertEquals(List.of(5), RolloutPlanner.waves(fleet(5), List.of()).stream().map(List::size).toList());
        assertEquals(List.of(), RolloutPlanner.waves(List.of(), List.of(hosts(2))));
        assertEquals(List.of(2, 1), RolloutPlanner.waves(List.of("b", "a", "c", "a"), List.of(hosts(2))).stream().map(List::size).toList());
    }

    @Test
    void invalidWaveSizesAreNamed() {
        assertNull(RolloutPlanner.invalidWaves(List.of(hosts(1), percent(100))));
        assertNotNull(RolloutPlanner.invalidWaves(List.of(hosts(0))));
        assertNotNull(RolloutPlanner.invalidWaves(List.of(percent(101))));
    }

    private static RolloutState rollout(double ratio, int... sizes) {
        List<List<String>> waves = new java.util.ArrayList<>();
        int n = 0;
        for (int size : sizes) {
            waves.add(fleet(n + size).subList(n, n + size));
            n += size;
        }
        RolloutRequested request = RolloutRequested.newBuilder().setRolloutId("r1").setSelector(TestEvents.explicitHosts("x"))
                .setWaves(List.of()).setMaxFailureRatio(ratio).build();
        return RolloutPlanner.start("p1", request, "hosts=x", waves, 1000, 1000);
    }

    private static RolloutState move(RolloutState r, int wave, PatchStatus to, int times) {
        for (int i = 0; i < times; i++) {
            r = RolloutPlanner.record(r, wave, PatchStatus.PENDING, to);
        }
        return r;
    }

    @Test
    void theNextWaveStartsOnlyWhenEveryHostOfTheWaveIsTerminal() {
        RolloutState r = rollout(0.0, 2, 3);
        assertEquals(RolloutStatus.RUNNING, r.getStatus());
        assertEquals(5, r.getTargeted());
        r = move(r, 0, PatchStatus.APPLIED, 1);
        assertInstanceOf(RolloutDecision.Wait.class, RolloutPlanner.decide(r));
        r = RolloutPlanner.record(r, 0, PatchStatus.PENDING, PatchStatus.REQUESTED);
        assertInstanceOf(RolloutDecision.Wait.class, RolloutPlanner.decide(r));
        r = RolloutPlanner.record(r, 0, PatchStatus.REQUESTED, PatchStatus.APPLIED);
        assertEquals(new RolloutDecision.StartWave(1), RolloutPlanner.decide(r));
        r = RolloutPlanner.startWave(r, 1, 2000, 2000);
        assertEquals(2000L, r.getWaves().get(0).getEndedAt());
        r = move(r, 1, PatchStatus.APPLIED, 3);
        assertInstanceOf(RolloutDecision.Complete.class, RolloutPlanner.decide(r));
        RolloutCounts c = RolloutPlanner.counts(r);
        assertEquals(5, c.getApplied());
        assertEquals(0, c.getPending());
    }

    @Test
    void tooManyFailuresHalt() {
        RolloutState r = move(move(rollout(0.25, 4, 4), 0, PatchStatus.APPLIED, 2), 0, PatchStatus.FAILED, 2);
        RolloutDecision.Halt halt = assertInstanceOf(RolloutDecision.Halt.class, RolloutPlanner.decide(r));
        assertEquals(0, halt.wave());
        assertTrue(halt.reason().contains("2 of 4"), halt.reason());
        r = RolloutPlanner.end(r, RolloutStatus.HALTED, halt.reason(), 3000);
        assertInstanceOf(RolloutDecision.Wait.class, RolloutPlanner.decide(r));
        assertEquals(2, RolloutPlanner.counts(r).getFailed());
        assertEquals(4, RolloutPlanner.counts(r).getPending());
    }

    @Test
    void failuresUpToTheRatioContinue() {
        RolloutState r = move(move(rollout(0.25, 4, 4), 0, PatchStatus.APPLIED, 3), 0, PatchStatus.FAILED, 1);
        assertEquals(new RolloutDecision.StartWave(1), RolloutPlanner.decide(r));
    }

    @Test
    void rejectedHostsAreNotFailures() {
        RolloutState r = move(move(rollout(0.0, 4), 0, PatchStatus.APPLIED, 1), 0, PatchStatus.REJECTED, 3);
        assertInstanceOf(RolloutDecision.Complete.class, RolloutPlanner.decide(r));
        assertEquals(3, RolloutPlanner.counts(r).getRejected());
        assertEquals(0, RolloutPlanner.counts(r).getFailed());
        RolloutState allRejected = move(rollout(0.0, 2), 0, PatchStatus.REJECTED, 2);
        assertInstanceOf(RolloutDecision.Complete.class, RolloutPlanner.decide(allRejected));
    }

    @Test
    void aLostPatchCountsAsAFailure() {
        RolloutState r = move(move(rollout(0.0, 2), 0, PatchStatus.APPLIED, 1), 0, PatchStatus.LOST, 1);
        assertInstanceOf(RolloutDecision.Halt.class, RolloutPlanner.decide(r));
    }

    @Test
    void aReplacedPatchIsDoneAndNoFailure() {
        RolloutState r = move(rollout(0.0, 2, 1), 0, PatchStatus.APPLIED, 2);
        r = RolloutPlanner.record(r, 0, PatchStatus.APPLIED, PatchStatus.REPLACED);
        assertEquals(new RolloutDecision.StartWave(1), RolloutPlanner.decide(r));
        RolloutCounts c = RolloutPlanner.counts(r);
        assertEquals(1, c.getApplied());
        assertEquals(1, c.getReverted());
        assertEquals(0, c.getFailed());
    }

    @Test
    void skippedHostsEndTheirWaveAndAreNeverFailures() {
        RolloutState r = rollout(0.0, 3, 1);
        r = move(r, 0, PatchStatus.SKIPPED, 2);
        assertInstanceOf(RolloutDecision.Wait.class, RolloutPlanner.decide(r));
        r = move(r, 0, PatchStatus.APPLIED, 1);
        assertEquals(new RolloutDecision.StartWave(1), RolloutPlanner.decide(r), "0 failed of 1 attempted");
        r = RolloutPlanner.startWave(r, 1, 2000, 2000);
        r = move(r, 1, PatchStatus.SKIPPED, 1);
        assertInstanceOf(RolloutDecision.Complete.class, RolloutPlanner.decide(r), "a wave of skipped hosts alone is over");
        RolloutCounts counts = RolloutPlanner.counts(r);
        assertEquals(3, counts.getSkipped());
        assertEquals(1, counts.getApplied());
        assertEquals(0, counts.getFailed());
        assertEquals(0, counts.getPending());
    }

    @Test
    void aFailureAmongSkippedHostsCountsAgainstTheAttemptedOnly() {
        RolloutState r = rollout(0.5, 4);
        r = move(r, 0, PatchStatus.SKIPPED, 2);
        r = move(r, 0, PatchStatus.APPLIED, 1);
        r = move(r, 0, PatchStatus.FAILED, 1);
        assertInstanceOf(RolloutDecision.Complete.class, RolloutPlanner.decide(r), "1 failed of 2 attempted = 0.5");
        RolloutState strict = move(move(move(rollout(0.4, 4), 0, PatchStatus.SKIPPED, 2), 0, PatchStatus.APPLIED, 1), 0, PatchStatus.FAILED, 1);
        RolloutDecision.Halt halt = assertInstanceOf(RolloutDecision.Halt.class, RolloutPlanner.decide(strict));
        assertTrue(halt.reason().contains("1 of 2 attempted"), halt.reason());
    }

    private static RolloutState timed(double ratio, long hostTimeoutMs, long waveTimeoutMs, int... sizes) {
        RolloutState r = rollout(ratio, sizes);
        r.setHostTimeoutMs(hostTimeoutMs);
        r.setWaveTimeoutMs(waveTimeoutMs);
        return r;
    }

    private static List<RolloutHost> hostsIn(int wave, PatchStatus... states) {
        List<RolloutHost> hosts = new java.util.ArrayList<>();
        for (int i = 0; i < states.length; i++) {
            hosts.add(RolloutHost.newBuilder().setHostId("h" + wave + i).setWave(wave).setState(states[i]).build());
        }
        return hosts;
    }

    @Test
    void hostsWithoutAnOutcomeTimeOutWhenTheHostTimeoutHasPassedSinceTheWaveStarted() {
        // given a wave started at 1000 on the ledger's clock, host timeout 60 s, wave timeout 300 s
        RolloutState r = timed(0.0, 60_000, 300_000, 3);
        List<RolloutHost> hosts = hostsIn(0, PatchStatus.APPLIED, PatchStatus.CAPTURED, PatchStatus.PENDING);
        // when the clock is just short of the timeout, then nothing expires
        assertEquals(List.of(), RolloutPlanner.expired(r, hosts, 60_999));
        // when it reaches it, then the hosts without an outcome expire, with their last state
        List<RolloutPlanner.Expired> expired = RolloutPlanner.expired(r, hosts, 61_000);
        assertEquals(List.of("h01", "h02"), expired.stream().map(RolloutPlanner.Expired::hostId).toList());
        assertEquals(PatchStatus.CAPTURED, expired.get(0).state());
        assertTrue(expired.get(0).reason().contains("host timeout of 60 s"), expired.get(0).reason());
        assertTrue(expired.get(0).reason().contains("last state CAPTURED"), expired.get(0).reason());
    }

    @Test
    void theWaveTimeoutCutsFirstWhenItIsTheShorter() {
        RolloutState r = timed(0.0, 600_000, 30_000, 2);
        List<RolloutPlanner.Expired> expired = RolloutPlanner.expired(r, hostsIn(0, PatchStatus.REQUESTED, PatchStatus.FAILED), 31_000);
        assertEquals(1, expired.size());
        assertTrue(expired.get(0).reason().contains("wave 0 reached its timeout of 30 s"), expired.get(0).reason());
    }

    @Test
    void timeoutsCountFromTheStartOfTheRunningWaveOnly() {
        RolloutState r = timed(0.5, 60_000, 300_000, 1, 1);
        r = move(r, 0, PatchStatus.APPLIED, 1);
        r = RolloutPlanner.startWave(r, 1, 500_000, 500_000);
        List<RolloutHost> hosts = new java.util.ArrayList<>(hostsIn(0, PatchStatus.APPLIED));
        hosts.addAll(hostsIn(1, PatchStatus.REQUESTED));
        assertEquals(List.of(), RolloutPlanner.expired(r, hosts, 559_999));
        assertEquals(List.of("h10"), RolloutPlanner.expired(r, hosts, 560_000).stream().map(RolloutPlanner.Expired::hostId).toList());
        RolloutState halted = RolloutPlanner.end(r, RolloutStatus.HALTED, "stop", 560_000);
        assertEquals(List.of(), RolloutPlanner.expired(halted, hosts, 9_999_999), "a rollout that is over times nothing out");
    }

    @Test
    void aTimedOutHostEndsItsWaveAndCountsAsFailed() {
        // given a wave of 4 with a failure budget of 25 %
        RolloutState r = timed(0.25, 60_000, 300_000, 4, 4);
        r = move(r, 0, PatchStatus.APPLIED, 3);
        r = RolloutPlanner.record(r, 0, PatchStatus.PENDING, PatchStatus.REQUESTED);
        assertInstanceOf(RolloutDecision.Wait.class, RolloutPlanner.decide(r));
        // when the fourth times out: 1 of 4 failed, within the budget, the next wave starts
        RolloutState oneTimedOut = RolloutPlanner.record(r, 0, PatchStatus.REQUESTED, PatchStatus.TIMED_OUT);
        assertEquals(new RolloutDecision.StartWave(1), RolloutPlanner.decide(oneTimedOut));
        RolloutCounts c = RolloutPlanner.counts(oneTimedOut);
        assertEquals(1, c.getTimedOut());
        assertEquals(1, c.getFailed());
        // and with a budget of 0 the same wave halts
        RolloutState strict = timed(0.0, 60_000, 300_000, 2);
        strict = RolloutPlanner.record(move(strict, 0, PatchStatus.APPLIED, 1), 0, PatchStatus.PENDING, PatchStatus.TIMED_OUT);
        RolloutDecision.Halt halt = assertInstanceOf(RolloutDecision.Halt.class, RolloutPlanner.decide(strict));
        assertTrue(halt.reason().contains("1 of 2"), halt.reason());
    }

    @Test
    void timeoutsMustBePositive() {
        RolloutRequested.Builder request = RolloutRequested.newBuilder().setRolloutId("r1").setSelector(TestEvents.explicitHosts("x"))
                .setWaves(List.of());
        assertNull(RolloutPlanner.invalidTimeouts(request.build()), "the defaults are valid");
        assertEquals(600_000, request.build().getHostTimeoutMs());
        assertNotNull(RolloutPlanner.invalidTimeouts(request.setHostTimeoutMs(0).build()));
        assertNotNull(RolloutPlanner.invalidTimeouts(request.setHostTimeoutMs(1000).setWaveTimeoutMs(-5).build()));
    }
}
