package io.khp.agent.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.khp.agent.backend.BackendException;
import io.khp.agent.backend.HostBackend;
import io.khp.agent.core.LivepatchState;
import io.khp.events.CaptureRequest;
import io.khp.events.HostReported;
import io.khp.events.RunObjectCaptured;

/** A real backend whose signal and force replies the test can look at afterwards ("signal ok written=false", "signal EINVAL" …). */
public final class SignalRecordingBackend implements HostBackend {

    private final HostBackend real;
    private final List<String> replies = new CopyOnWriteArrayList<>();

    public SignalRecordingBackend(HostBackend real) {
        this.real = real;
    }

    public List<String> replies() {
        return List.copyOf(replies);
    }

    @Override
    public boolean signal(String name) throws BackendException {
        try {
            boolean written = real.signal(name);
            replies.add("signal ok written=" + written);
            return written;
        } catch (BackendException e) {
            replies.add("signal " + e.code());
            throw e;
        }
    }

    @Override
    public void force(String name) throws BackendException {
        try {
            real.force(name);
            replies.add("force ok");
        } catch (BackendException e) {
            replies.add("force " + e.code());
            throw e;
        }
    }

    @Override
    public String hostId() {
        return real.hostId();
    }

    @Override
    public HostReported report() throws BackendException {
        return real.report();
    }

    @Override
    public RunObjectCaptured capture(List<CaptureRequest> requests) throws BackendException {
        return real.capture(requests);
    }

    @Override
    public LivepatchState load(String name, byte[] module) throws BackendException {
        return real.load(name, module);
    }

    @Override
    public LivepatchState status(String name) throws BackendException {
        return real.status(name);
    }

    @Override
    public void disable(String name) throws BackendException {
        real.disable(name);
    }

    @Override
    public void unload(String name) throws BackendException {
        real.unload(name);
    }

    @Override
    public KernelLog kmsg(long cursor) throws BackendException {
        return real.kmsg(cursor);
    }

    @Override
    public void close() {
        real.close();
    }
}
