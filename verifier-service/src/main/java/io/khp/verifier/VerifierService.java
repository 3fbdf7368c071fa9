package io.khp.verifier;

import io.khp.bus.ClientSettings;
import io.khp.bus.Service;
import io.khp.bus.ServiceLauncher;

/** Verifier: run-pre matching of patched functions against each host's running kernel. */
public final class VerifierService implements Service {

    public static void main(String[] args) {
        ServiceLauncher.run(new VerifierService());
    }

    @Override
    public String name() {
        return "verifier-service";
    }

    @Override
    public void start(ClientSettings settings) {
    }

    @Override
    public void stop() {
    }
}
