package io.khp.agent;

import io.khp.bus.ClientSettings;
import io.khp.bus.Service;
import io.khp.bus.ServiceLauncher;

/** Applier agent: applies and reverts livepatches on its hosts. */
public final class ApplierAgent implements Service {

    public static void main(String[] args) {
        ServiceLauncher.run(new ApplierAgent());
    }

    @Override
    public String name() {
        return "applier-agent";
    }

    @Override
    public void start(ClientSettings settings) {
    }

    @Override
    public void stop() {
    }
}
