package io.khp.agent.core;

import java.util.List;

import io.khp.events.StalledTask;

/** What the kernel shows of one livepatch under /sys/kernel/livepatch, with the tasks still pending. */
public record LivepatchState(boolean present, boolean enabled, boolean transition, int pendingCount,
        List<StalledTask> pending) {

    public LivepatchState {
        pending = List.copyOf(pending);
    }

    public static LivepatchState absent() {
        return new LivepatchState(false, false, false, 0, List.of());
    }

    public static LivepatchState settled(boolean enabled) {
        return new LivepatchState(true, enabled, false, 0, List.of());
    }

    public static LivepatchState inTransition(boolean enabled, List<StalledTask> pending) {
        return new LivepatchState(true, enabled, true, pending.size(), pending);
    }
}
