package io.khp.agent.sim;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import io.khp.agent.backend.BackendException;
import io.khp.agent.backend.HelperBackendFacts;
import io.khp.agent.backend.HostBackend;
import io.khp.agent.core.LivepatchState;
import io.khp.events.CaptureRequest;
import io.khp.events.CapturedFunction;
import io.khp.events.HostReported;
import io.khp.events.LoadedLivepatch;
import io.khp.events.RunObjectCaptured;
import io.khp.events.StalledTask;
import io.khp.events.SymbolCandidates;

/**
 * One simulated host: a kernel whose run object is the captured fixture and whose livepatch
 * transitions follow a {@link TransitionModel}, with the kernel's rules (one transition at a time,
 * EEXIST on a second load, EBUSY to unload an enabled patch, reboots drop every livepatch).
 */
public final class SimulatedHost implements HostBackend {

    private static final StalledTask BLOCKER = new StalledTask(4242, "sim_io_worker",
            "[<0>] khp_sim_blocked+0x2d/0x60\n[<0>] kthread+0xd7/0x100\n[<0>] ret_from_fork+0x1f/0x30");

    private static final class Patch {
        boolean enabled = true;
        Instant transitionEnds;
        boolean stalled;

        /** The kernel frees a livepatch once disabled: its sysfs directory goes, the module stays loaded. */
        boolean inSysfs() {
            return enabled || transitionEnds != null;
        }
    }

    private final String hostId;
    private final RunObjectFixture fixture;
    private final TransitionModel model;
    private final Clock clock;
    private final Random random;
    private final Map<String, Patch> patches = new LinkedHashMap<>();
    private String bootId;
    private Instant bootedAt;
    private int loads;

    SimulatedHost(String hostId, RunObjectFixture fixture, TransitionModel model, Clock clock, long seed) {
        this.hostId = hostId;
        this.fixture = fixture;
        this.model = model;
        this.clock = clock;
        this.random = new Random(seed);
        reboot();
    }

    @Override
    public String hostId() {
        return hostId;
    }

    public synchronized void reboot() {
        patches.clear();
        bootId = new UUID(random.nextLong(), random.nextLong()).toString();
        bootedAt = clock.instant();
    }

    /** How many modules this host has loaded since it was created. */
    public synchronized int loads() {
        return loads;
    }

    @Override
    public synchronized HostReported report() {
        var r = fixture.report();
        List<LoadedLivepatch> loaded = new ArrayList<>();
        patches.forEach((name, p) -> {
            settle(p);
            if (p.inSysfs()) {
                loaded.add(new LoadedLivepatch(name, p.enabled, p.transitionEnds != null, List.of("vmlinux")));
            }
        });
        return HostReported.newBuilder()
                .setHostname(hostId)
                .setKernel(HelperBackendFacts.kernel(r.path("release").asText(), r.path("version").asText(),
                        r.path("build_id").isTextual() ? r.path("build_id").asText() : null))
                .setKernelVersion(r.path("version").asText())
                .setBootId(bootId)
                .setUptimeSeconds(Math.max(0, clock.instant().getEpochSecond() - bootedAt.getEpochSecond()))
                .setLockdown(HelperBackendFacts.lockdown(r.path("lockdown").asText("none")))
                .setLivepatches(loaded)
                .setAgentVersion("")
                .setLabels(Map.of("sim", "true"))
                .build();
    }

    @Override
    public RunObjectCaptured capture(List<CaptureRequest> requests) {
        List<CapturedFunction> functions = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (CaptureRequest c : requests) {
            String module = "vmlinux".equals(c.getObjectName()) ? null : c.getObjectName();
            var f = fixture.function(module, c.getSymbol(), c.getSympos() == null ? 0 : c.getSympos());
            boolean found = f != null && f.bytes().length >= c.getLength();
            functions.add(CapturedFunction.newBuilder()
                    .setObjectName(c.getObjectName()).setSymbol(c.getSymbol()).setSympos(c.getSympos())
                    .setFound(found)
                    .setAddress(found ? f.address() : null)
                    .setBytes(ByteBuffer.wrap(found ? Arrays.copyOf(f.bytes(), c.getLength()) : new byte[0]))
                    .build());
            c.getReferencedSymbols().stream().filter(s -> !names.contains(s)).forEach(names::add);
        }
        List<SymbolCandidates> symbols = names.stream().map(n -> new SymbolCandidates(n, fixture.symbol(n))).toList();
        return RunObjectCaptured.newBuilder().setAttempt(1).setFunctions(functions).setSymbols(symbols).build();
    }

    @Override
    public synchronized LivepatchState load(String name, byte[] module) throws BackendException {
        if (patches.containsKey(name)) {
            throw new BackendException("EEXIST", "finit_module: File exists");
        }
        if (inTransition()) {
            throw new BackendException("EBUSY", "finit_module: another livepatch is in transition");
        }
        loads++;
        Patch p = new Patch();
        p.stalled = model.sampleStall(random);
        p.transitionEnds = clock.instant().plus(model.sampleTransition(random));
        patches.put(name, p);
        return state(p);
    }

    private boolean inTransition() {
        return patches.values().stream().anyMatch(p -> {
            settle(p);
            return p.transitionEnds != null;
        });
    }

    private void settle(Patch p) {
        if (p.transitionEnds != null && !(p.enabled && p.stalled) && !clock.instant().isBefore(p.transitionEnds)) {
            p.transitionEnds = null;
        }
    }

    private LivepatchState state(Patch p) {
        settle(p);
        if (p.transitionEnds == null) {
            return LivepatchState.settled(p.enabled);
        }
        return LivepatchState.inTransition(p.enabled, p.enabled && p.stalled ? List.of(BLOCKER) : List.of());
    }

    @Override
    public synchronized LivepatchState status(String name) {
        Patch p = patches.get(name);
        if (p != null) {
            settle(p);
        }
        return p == null || !p.inSysfs() ? LivepatchState.absent() : state(p);
    }

    @Override
    public synchronized boolean signal(String name) throws BackendException {
        get(name);
        return true;
    }

    @Override
    public synchronized void force(String name) throws BackendException {
        Patch p = get(name);
        p.transitionEnds = null;
        p.stalled = false;
    }

    @Override
    public synchronized void disable(String name) throws BackendException {
        Patch p = get(name);
        settle(p);
        if (!p.enabled) {
            throw new BackendException("EINVAL", "already disabled");
        }
        if (p.transitionEnds == null && inTransition()) {
            throw new BackendException("EBUSY", "another livepatch is in transition");
        }
        p.enabled = false;
        p.stalled = false;
        p.transitionEnds = clock.instant().plus(model.reverseTime());
    }

    @Override
    public synchronized void unload(String name) throws BackendException {
        Patch p = patches.get(name);
        if (p == null) {
            throw new BackendException("ENOENT", "delete_module: not loaded");
        }
        settle(p);
        if (p.enabled || p.transitionEnds != null) {
            throw new BackendException("EBUSY", "delete_module: the livepatch is still enabled");
        }
        patches.remove(name);
    }

    private Patch get(String name) throws BackendException {
        Patch p = patches.get(name);
        if (p != null) {
            settle(p);
        }
        if (p == null || !p.inSysfs()) {
            throw new BackendException("NOT_FOUND", "no /sys/kernel/livepatch/" + name);
        }
        return p;
    }

    @Override
    public KernelLog kmsg(long cursor) {
        return new KernelLog(List.of(), cursor, false);
    }

    @Override
    public void close() {
    }
}
