package io.khp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.khp.bus.Events;
import io.khp.events.*;

class RolloutProgressTest {

    private final Events events = new Events("test");

    private KhpEvent event(String host, String patch, Object payload) {
        return events.envelope().setHostId(host).setPatchId(patch).setPayload(payload).build();
    }

    @Test
    void countsEachHostsLatestStepAndEndsOnCompletion() {
        RolloutProgress progress = new RolloutProgress("p", "r");
        assertTrue(progress.accept(event(null, "p", RolloutWaveStarted.newBuilder().setRolloutId("r").setWave(0)
                .setHosts(List.of("a", "b")).build())));
        assertTrue(progress.accept(event("a", "p", PreRunVerified.newBuilder().setVerdict(Verdict.MATCH).build())));
        assertTrue(progress.accept(event("b", "p", PreRunVerified.newBuilder().setVerdict(Verdict.MISMATCH).build())));
        assertTrue(progress.accept(event("a", "p", Applied.newBuilder().setModuleName("m").setTransitionMs(1).build())));
        assertFalse(progress.accept(event("b", "p", ApplyFailed.newBuilder().setReasonCode(ApplyFailureReason.MISMATCH)
                .setDetail("kernel differs").build())), "a rejected host's ApplyFailed keeps it rejected");
        assertEquals(Map.of("applied", 1, "rejected", 1), progress.counts());
        assertTrue(progress.summary().contains("wave 1 started"), progress.summary());
        assertEquals(Optional.empty(), progress.outcome());
        progress.accept(event(null, "p", RolloutCompleted.newBuilder().setRolloutId("r").setCounts(RolloutCounts.newBuilder().build()).build()));
        assertEquals(Optional.of(RolloutProgress.Outcome.COMPLETED), progress.outcome());
    }

    @Test
    void ignoresOtherPatchesOtherRolloutsAndHostsOutsideTheWaves() {
        RolloutProgress progress = new RolloutProgress("p", "r");
        progress.accept(event(null, "p", RolloutWaveStarted.newBuilder().setRolloutId("r").setWave(1).setHosts(List.of("a")).build()));
        assertFalse(progress.accept(event("a", "other", Applied.newBuilder().setModuleName("m").setTransitionMs(1).build())));
        assertFalse(progress.accept(event("z", "p", Applied.newBuilder().setModuleName("m").setTransitionMs(1).build())));
        assertFalse(progress.accept(event(null, "p", RolloutHalted.newBuilder().setRolloutId("r-other").setWave(1).setReason("x")
                .setCounts(RolloutCounts.newBuilder().build()).build())));
        assertEquals(Map.of("waiting", 1), progress.counts());
        progress.accept(event(null, "p", RolloutHalted.newBuilder().setRolloutId("r").setWave(1).setReason("failures 1/1 > 0.0")
                .setCounts(RolloutCounts.newBuilder().build()).build()));
        assertEquals(Optional.of(RolloutProgress.Outcome.HALTED), progress.outcome());
        assertTrue(progress.summary().contains("failures 1/1"));
    }

    @Test
    void aHostTheRolloutTimedOutIsShownApartFromFailures() {
        RolloutProgress progress = new RolloutProgress("p", "r");
        progress.accept(event(null, "p", RolloutWaveStarted.newBuilder().setRolloutId("r").setWave(0).setHosts(List.of("a", "b")).build()));
        progress.accept(event("a", "p", ApplyFailed.newBuilder().setReasonCode(ApplyFailureReason.LOAD_ERROR).setDetail("x").build()));
        assertTrue(progress.accept(event("b", "p", ApplyFailed.newBuilder().setReasonCode(ApplyFailureReason.TIMED_OUT)
                .setDetail("no outcome within the host timeout of 600 s").build())));
        assertEquals(Map.of("failed", 1, "timed-out", 1), progress.counts());
        assertTrue(progress.accept(event("b", "p", Applied.newBuilder().setModuleName("m").setTransitionMs(1).build())),
                "a late Applied shows the host as it is");
        assertEquals(Map.of("failed", 1, "applied", 1), progress.counts());
    }
}
