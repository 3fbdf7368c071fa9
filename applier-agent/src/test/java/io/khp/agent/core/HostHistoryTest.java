package io.khp.agent.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.khp.bus.Events;
import io.khp.events.ApplyOutcome;
import io.khp.events.ApplyRequested;
import io.khp.events.ArtifactRef;
import io.khp.events.HostReported;
import io.khp.events.KernelIdentity;
import io.khp.events.KhpEvent;
import io.khp.events.LockdownMode;
import io.khp.events.PreRunVerified;
import io.khp.events.RevertRequested;
import io.khp.events.RunObjectCaptured;
import io.khp.events.Verdict;

class HostHistoryTest {

    static final Instant T0 = Instant.parse("2026-11-24T12:00:00Z");
    static final Events CONTROLLER = new Events("controller", Clock.fixed(T0, ZoneOffset.UTC));
    static final LifecycleEvents AGENT = new LifecycleEvents(new Events("agent", Clock.fixed(T0, ZoneOffset.UTC)));
    static final ArtifactRef REF = new ArtifactRef("ab", 2L, "cd", ByteBuffer.wrap(new byte[64]), "k");

    static KhpEvent apply(String host, String patch, String module) {
        return CONTROLLER.envelope().setHostId(host).setPatchId(patch)
                .setPayload(ApplyRequested.newBuilder().setModuleName(module).setArtifact(REF).build()).build();
    }

    static KhpEvent revert(String host, String patch, String module) {
        return CONTROLLER.envelope().setHostId(host).setPatchId(patch)
                .setPayload(RevertRequested.newBuilder().setModuleName(module).build()).build();
    }

    static KhpEvent verdict(KhpEvent captured, Verdict v) {
        return new Events("verifier").answering(captured).setPayload(PreRunVerified.newBuilder().setVerdict(v).build()).build();
    }

    static Attempt attempt(int n, ApplyOutcome outcome) {
        return Attempt.started(n, T0, false).ended(outcome, T0.plusSeconds(1), null);
    }

    @Test
    void foldsACommandsLifecycleInAnyOrderBetweenTheTopics() {
        KhpEvent cmd = apply("h1", "p1", "lp1");
        KhpEvent captured = AGENT.captured(cmd, RunObjectCaptured.newBuilder().build());
        KhpEvent verdict = verdict(captured, Verdict.MATCH);
        KhpEvent attempted = AGENT.attempted(cmd, attempt(1, ApplyOutcome.STALLED_REVERSED), null);

        HostHistory inOrder = new HostHistory("h1");
        List.of(cmd, captured, verdict, attempted).forEach(inOrder::fold);
        HostHistory lifecycleFirst = new HostHistory("h1");
        List.of(captured, verdict, attempted, cmd).forEach(lifecycleFirst::fold);

        for (HostHistory h : List.of(inOrder, lifecycleFirst)) {
            HostHistory.Command c = h.pending().get(0);
            assertEquals(T0, c.capturedAt());
            assertNotNull(c.verdict());
            assertEquals(Verdict.MATCH, c.verdict().getVerdict());
            assertEquals(1, c.attempts());
            assertEquals(ApplyOutcome.STALLED_REVERSED, c.lastOutcome());
            assertFalse(c.finished());
        }
    }

    @Test
    void aRepeatedEventChangesNothingAndOtherHostsAreIgnored() {
        HostHistory h = new HostHistory("h1");
        KhpEvent cmd = apply("h1", "p1", "lp1");
        assertTrue(h.fold(cmd));
        assertFalse(h.fold(cmd));
        assertFalse(h.fold(apply("h2", "p1", "lp1")));
        assertEquals(1, h.pending().size());
        KhpEvent applied = AGENT.applied(cmd, "lp1", 10, 1);
        assertTrue(h.fold(applied));
        assertFalse(h.fold(applied));
        assertEquals(List.of(), h.pending());
        assertEquals(List.of("lp1"), h.stack());
    }

    @Test
    void reportsOnTheLifecycleTopicAreNotFolded() {
        HostHistory h = new HostHistory("h1");
        KhpEvent cmd = apply("h1", "p1", "lp1");
        h.fold(cmd);
        KhpEvent report = AGENT.reported("h1", HostReported.newBuilder().setHostname("h1")
                .setKernel(KernelIdentity.newBuilder().setRelease("6.1.0-test-amd64").setFlavour("amd64").build())
                .setKernelVersion("Linux version 6.1.0-test-amd64").setBootId("b1").setUptimeSeconds(1)
                .setLockdown(LockdownMode.NONE).setAgentVersion("test").build());
        assertFalse(h.fold(report));
        assertEquals(1, h.pending().size());
        assertEquals(List.of(), h.stack());
    }

    @Test
    void theStackFollowsAppliedAndRevertedInOrder() {
        HostHistory h = new HostHistory("h1");
        KhpEvent a1 = apply("h1", "p1", "lp1");
        KhpEvent a2 = apply("h1", "p2", "lp2");
        KhpEvent r1 = revert("h1", "p1", "lp1");
        List.of(a1, a2, r1).forEach(h::fold);
        h.fold(AGENT.applied(a1, "lp1", 1, 1));
        h.fold(AGENT.applied(a2, "lp2", 1, 1));
        assertEquals(List.of("lp2"), h.above("lp1"));
        assertEquals(List.of(), h.above("lp2"));
        assertEquals(List.of(r1), h.pending().stream().map(HostHistory.Command::event).toList());
        h.fold(AGENT.reverted(r1, "lp1", 5));
        assertEquals(List.of("lp2"), h.stack());
        assertEquals(List.of(), h.pending());
    }

    @Test
    void eventIdsAreDeterministicPerCommandAttemptAndKind() {
        KhpEvent cmd = apply("h1", "p1", "lp1");
        assertEquals(AGENT.attempted(cmd, attempt(2, ApplyOutcome.BUSY), null).getEventId(),
                new LifecycleEvents(new Events("agent-restarted")).attempted(cmd, attempt(2, ApplyOutcome.BUSY), "x")
                        .getEventId());
        assertFalse(AGENT.attempted(cmd, attempt(1, ApplyOutcome.BUSY), null).getEventId()
                .equals(AGENT.attempted(cmd, attempt(2, ApplyOutcome.BUSY), null).getEventId()));
        KhpEvent again = apply("h1", "p1", "lp1");
        assertFalse(AGENT.applied(cmd, "lp1", 1, 1).getEventId().equals(AGENT.applied(again, "lp1", 1, 1).getEventId()),
                "a second apply of the same patch gets its own ids");
    }

    @Test
    void aRequestTheRolloutTimedOutIsNotResumed() {
        // an agent that was dead while its request timed out reads the ledger's verdict on its commands topic
        KhpEvent cmd = apply("h1", "p1", "lp1");
        KhpEvent timedOut = new Events("ledger-streams").answering(cmd).setHostId("h1").setPatchId("p1")
                .setPayload(io.khp.events.ApplyFailed.newBuilder().setReasonCode(io.khp.events.ApplyFailureReason.TIMED_OUT)
                        .setDetail("no outcome within the host timeout of 600 s").build()).build();
        HostHistory history = new HostHistory("h1");
        history.fold(cmd);
        assertEquals(1, history.pending().size());
        history.fold(timedOut);
        assertEquals(List.of(), history.pending(), "the rollout gave up on it: the agent does not start it late");
    }
}
