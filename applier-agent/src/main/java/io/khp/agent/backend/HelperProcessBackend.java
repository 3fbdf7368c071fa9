package io.khp.agent.backend;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The {@code local} backend: khp-helper run as a child process on this machine, spoken to over stdin/stdout. */
public final class HelperProcessBackend extends HelperBackend {

    public HelperProcessBackend(String hostId, Path helperBinary, List<String> extraArgs, Duration timeout) {
        super(hostId, new HelperConnection("local helper " + hostId, () -> {
            List<String> command = new ArrayList<>();
            command.add(helperBinary.toString());
            command.add("--host-id");
            command.add(hostId);
            command.addAll(extraArgs);
            return new ProcessLineChannel(command);
        }, timeout));
    }
}
