package io.khp.builder;

import io.khp.bus.ClientSettings;
import io.khp.bus.Service;
import io.khp.bus.ServiceLauncher;

/** Builder: a kernel source patch becomes a signed livepatch module. */
public final class BuilderService implements Service {

    public static void main(String[] args) {
        ServiceLauncher.run(new BuilderService());
    }

    @Override
    public String name() {
        return "builder-service";
    }

    @Override
    public void start(ClientSettings settings) {
    }

    @Override
    public void stop() {
    }
}
