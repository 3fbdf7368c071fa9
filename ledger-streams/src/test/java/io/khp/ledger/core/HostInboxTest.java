package io.khp.ledger.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.khp.events.ApplyOutcome;
import io.khp.events.KhpEvent;
import io.khp.events.Verdict;
import io.khp.ledger.TestEvents;
import io.khp.state.HostState;
import io.khp.state.PatchStatus;
import io.khp.state.Rejection;

class HostInboxTest {

    private static final long HOLD = 10_000;
    private final TestEvents e = new TestEvents();
    private HostState state;
    private List<HostInbox.Held> held = List.of();
    private final List<Rejection> rejections = new ArrayList<>();

    private HostInboxTest receive(long now, KhpEvent... events) {
        for (KhpEvent event : events) {
            settle(HostInbox.receive(state, held, event, PatchCatalog.EMPTY, now));
        }
        return this;
    }

    private void settle(HostInbox.Outcome outcome) {
        state = outcome.state();
        held = outcome.held();
        outcome.refusals().forEach(r -> rejections.add(r.rejection()));
    }

    private PatchStatus stateOf(String patch) {
        return HostLedger.patch(state, patch).map(p -> p.getState()).orElse(null);
    }

    private void applyingP1() {
        receive(0, e.reported("h1", "b1"), e.applyRequested("h1", "p1"), e.captured("h1", "p1"),
                e.verified("h1", "p1", Verdict.MATCH), e.attempted("h1", "p1", 1, ApplyOutcome.APPLIED));
    }

    @Test
    void aRevertReadBeforeItsAppliedWaitsForIt() {
        applyingP1();
        receive(1, e.revertRequested("h1", "p1"));
        assertEquals(PatchStatus.APPLYING, stateOf("p1"));
        assertEquals(1, held.size());
        receive(2, e.applied("h1", "p1", 1));
        assertEquals(PatchStatus.REVERTING, stateOf("p1"));
        assertEquals(List.of(), held);
        receive(3, e.reverted("h1", "p1"));
        assertEquals(PatchStatus.REVERTED, stateOf("p1"));
        assertEquals(List.of(), rejections);
    }

    @Test
    void lifecycleEventsReadBeforeTheirRequestWaitInOrder() {
        receive(0, e.reported("h1", "b1"));
        receive(1, e.captured("h1", "p1"), e.verified("h1", "p1", Verdict.MATCH),
                e.attempted("h1", "p1", 1, ApplyOutcome.APPLIED), e.applied("h1", "p1", 1));
        assertNull(stateOf("p1"));
        assertEquals(4, held.size());
        receive(2, e.applyRequested("h1", "p1"));
        assertEquals(PatchStatus.APPLIED, stateOf("p1"));
        assertEquals(List.of(), held);
        assertEquals(List.of(), rejections);
    }

    @Test
    void aReRequestReadBeforeTheRevertedWaitsForIt() {
        applyingP1();
        receive(1, e.applied("h1", "p1", 1), e.revertRequested("h1", "p1"), e.applyRequested("h1", "p1"));
        assertEquals(PatchStatus.REVERTING, stateOf("p1"));
        receive(2, e.reverted("h1", "p1"));
        assertEquals(PatchStatus.REQUESTED, stateOf("p1"));
        assertEquals(List.of(), rejections);
    }

    @Test
    void aHeldEventIsRejectedAfterTheHoldTimeWithWhatItWaitedFor() {
        applyingP1();
        receive(1_000, e.revertRequested("h1", "p1"));
        settle(HostInbox.expire(state, held, PatchCatalog.EMPTY, 1_000 + HOLD - 1, HOLD));
        assertEquals(1, held.size());
        assertEquals(List.of(), rejections);
        settle(HostInbox.expire(state, held, PatchCatalog.EMPTY, 1_000 + HOLD, HOLD));
        assertEquals(List.of(), held);
        assertEquals(1, rejections.size());
        Rejection r = rejections.get(0);
        assertEquals("RevertRequested", r.getEventType());
        assertEquals("APPLYING", r.getCurrentState());
        assertTrue(r.getReason().contains("expected APPLIED"), r.getReason());
        assertTrue(r.getReason().contains("waiting for Applied"), r.getReason());
        // a late Applied then applies normally
        receive(20_000, e.applied("h1", "p1", 1));
        assertEquals(PatchStatus.APPLIED, stateOf("p1"));
    }

    @Test
    void anEventBehindAnExpiredOneIsRetriedAtOnce() {
        receive(0, e.reported("h1", "b1"), e.captured("h1", "p1"));
        receive(5_000, e.verified("h1", "p1", Verdict.MATCH));
        assertEquals(2, held.size());
        settle(HostInbox.expire(state, held, PatchCatalog.EMPTY, HOLD, HOLD));
        // the capture is rejected; the verdict behind it still waits for a request of its own
        assertEquals(1, rejections.size());
        assertTrue(rejections.get(0).getReason().contains("never requested"), rejections.get(0).getReason());
        assertEquals(1, held.size());
        settle(HostInbox.expire(state, held, PatchCatalog.EMPTY, 5_000 + HOLD, HOLD));
        assertEquals(2, rejections.size());
        assertEquals(List.of(), held);
    }

    @Test
    void refusalsThatWaitingCannotFixAreImmediate() {
        applyingP1();
        receive(1, e.applyRequested("h1", "p1"));
        receive(1, e.reverted("h1", "p1"));
        assertEquals(List.of(), held);
        assertEquals(2, rejections.size());
        assertTrue(rejections.get(0).getReason().contains("already APPLYING"));
    }

    @Test
    void atMostMaxHeldEventsWaitPerHost() {
        receive(0, e.reported("h1", "b1"));
        for (int i = 0; i <= HostInbox.MAX_HELD; i++) {
            receive(i, e.captured("h1", "p" + i));
        }
        assertEquals(HostInbox.MAX_HELD, held.size());
        assertEquals(1, rejections.size());
        assertEquals("p0", rejections.get(0).getPatchId());
        assertTrue(rejections.get(0).getReason().contains("pushed out"), rejections.get(0).getReason());
    }

    @Test
    void aRedeliveredHeldEventIsHeldOnce() {
        applyingP1();
        KhpEvent revert = e.revertRequested("h1", "p1");
        receive(1, revert, revert);
        assertEquals(1, held.size());
        receive(2, e.applied("h1", "p1", 1));
        assertEquals(PatchStatus.REVERTING, stateOf("p1"));
        assertEquals(List.of(), rejections);
    }
}
