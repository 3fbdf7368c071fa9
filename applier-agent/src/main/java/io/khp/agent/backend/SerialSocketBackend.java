package io.khp.agent.backend;

import java.nio.file.Path;
import java.time.Duration;

/** The {@code vm} backend: khp-helper in a qemu guest, behind the unix socket of the guest's second serial port. */
public final class SerialSocketBackend extends HelperBackend {

    public SerialSocketBackend(String hostId, Path socket, Duration timeout) {
        super(hostId, new HelperConnection("vm helper " + hostId + " at " + socket,
                () -> new SocketLineChannel(socket), timeout));
    }
}
