package io.khp.agent.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.khp.agent.core.Observation.KernelSeen;

class RevertProcessTest {

    static final ApplyPolicy POLICY = ApplyPolicy.defaults();
    static final Instant T0 = Instant.parse("2026-11-24T12:00:00Z");

    @Test
    void disableWaitUnloadThenReport() {
        RevertProcess p = RevertProcess.start();
        assertInstanceOf(Step.Inspect.class, p.decide(T0));
        p = p.evolve(new KernelSeen(LivepatchState.settled(true), T0), POLICY);
        assertInstanceOf(Step.Disable.class, p.decide(T0));
        p = p.evolve(new Observation.Done(T0), POLICY);
        assertInstanceOf(Step.Wait.class, p.decide(T0));
        Instant t1 = T0.plus(POLICY.pollInterval());
        assertInstanceOf(Step.Inspect.class, p.decide(t1));
        p = p.evolve(new KernelSeen(LivepatchState.inTransition(false, List.of()), t1), POLICY);
        assertInstanceOf(Step.Wait.class, p.decide(t1));
        Instant t2 = t1.plus(POLICY.pollInterval());
        p = p.evolve(new KernelSeen(LivepatchState.settled(false), t2), POLICY);
        assertInstanceOf(Step.Unload.class, p.decide(t2));
        p = p.evolve(new Observation.Done(t2), POLICY);
        assertInstanceOf(Step.ReportReverted.class, p.decide(t2));
        assertEquals(t2.toEpochMilli() - T0.toEpochMilli(), p.durationMs(t2));
        p = p.evolve(new Observation.Published(t2), POLICY);
        assertInstanceOf(Step.Done.class, p.decide(t2));
    }

    @Test
    void nothingInSysfsIsUnloadedAndNothingLoadedIsReportedReverted() {
        RevertProcess p = RevertProcess.start().evolve(new KernelSeen(LivepatchState.absent(), T0), POLICY);
        assertInstanceOf(Step.Unload.class, p.decide(T0));
        p = p.evolve(new Observation.Refused("ENOENT", "not loaded", T0), POLICY);
        assertInstanceOf(Step.ReportReverted.class, p.decide(T0));
    }

    @Test
    void theKernelFreesTheLivepatchAfterItsUnpatchingTransition() {
        RevertProcess p = RevertProcess.start().evolve(new KernelSeen(LivepatchState.settled(true), T0), POLICY)
                .evolve(new Observation.Done(T0), POLICY);
        Instant t1 = T0.plus(POLICY.pollInterval());
        p = p.evolve(new KernelSeen(LivepatchState.absent(), t1), POLICY);
        assertInstanceOf(Step.Unload.class, p.decide(t1));
        p = p.evolve(new Observation.Done(t1), POLICY);
        assertInstanceOf(Step.ReportReverted.class, p.decide(t1));
    }

    @Test
    void waitsWhilePatchesAboveItAreLoaded() {
        RevertProcess p = RevertProcess.start()
                .evolve(new KernelSeen(LivepatchState.settled(true), List.of("lp_newer"), T0), POLICY);
        assertEquals(new Step.Wait(T0.plus(POLICY.pollInterval())), p.decide(T0));
        assertEquals("lp_newer", p.waitingFor());
        Instant t1 = T0.plus(POLICY.pollInterval());
        p = p.evolve(new KernelSeen(LivepatchState.settled(true), List.of(), t1), POLICY);
        assertInstanceOf(Step.Disable.class, p.decide(t1));
    }

    @Test
    void aBusyUnloadIsRetried() {
        RevertProcess p = RevertProcess.start().evolve(new KernelSeen(LivepatchState.settled(false), T0), POLICY);
        assertInstanceOf(Step.Unload.class, p.decide(T0));
        p = p.evolve(new Observation.Refused("EBUSY", "in use", T0), POLICY);
        assertInstanceOf(Step.Wait.class, p.decide(T0));
        assertInstanceOf(Step.Inspect.class, p.decide(T0.plus(POLICY.pollInterval())));
    }
}
