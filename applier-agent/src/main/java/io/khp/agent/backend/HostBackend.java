package io.khp.agent.backend;

import java.util.List;

import io.khp.agent.core.LivepatchState;
import io.khp.events.CaptureRequest;
import io.khp.events.HostReported;
import io.khp.events.RunObjectCaptured;

/**
 * One host as the agent sees it: what its kernel runs and the livepatch operations on it. Calls
 * are made one at a time per host. Implementations: the helper on this machine (local), the helper
 * in a qemu guest behind a serial socket (vm), a simulated host (sim).
 */
public interface HostBackend extends AutoCloseable {

    String hostId();

    /** The host's kernel identity and livepatches; agentVersion and labels are left for the agent to set. */
    HostReported report() throws BackendException;

    /** The bytes of the requested functions and every address of their referenced symbols (attempt 1). */
    RunObjectCaptured capture(List<CaptureRequest> requests) throws BackendException;

    /** finit_module of the image; returns the livepatch's state right after loading. */
    LivepatchState load(String name, byte[] module) throws BackendException;

    LivepatchState status(String name) throws BackendException;

    /**
     * Sends a fake signal to the tasks blocking the transition (sysfs {@code signal}). Returns false
     * when the kernel has no such attribute because it signals them by itself (Linux 6.1: every 15
     * transition attempts); EINVAL when no transition of the patch runs.
     */
    boolean signal(String name) throws BackendException;

    /** Marks every task as switched (sysfs {@code force}). Only with an operator's approval. */
    void force(String name) throws BackendException;

    /** Writes 0 to {@code enabled}; reverses a running enabling transition. */
    void disable(String name) throws BackendException;

    void unload(String name) throws BackendException;

    /** Kernel log records with sequence number >= cursor; {@link KernelLog#cursor()} continues after them. */
    KernelLog kmsg(long cursor) throws BackendException;

    record KernelLog(List<String> lines, long cursor, boolean more) {
    }

    @Override
    void close();
}
