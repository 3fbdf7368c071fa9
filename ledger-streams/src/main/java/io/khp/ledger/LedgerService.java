package io.khp.ledger;

import io.khp.bus.ClientSettings;
import io.khp.bus.Service;
import io.khp.bus.ServiceLauncher;

/** Ledger: the authoritative per-host patch state in Kafka Streams, the rollout controller and the HTTP API. */
public final class LedgerService implements Service {

    private LedgerApp app;

    public static void main(String[] args) {
        ServiceLauncher.run(new LedgerService());
    }

    @Override
    public String name() {
        return "ledger-streams";
    }

    @Override
    public void start(ClientSettings settings) throws Exception {
        app = new LedgerApp(settings, LedgerConfig.fromEnvironment());
        app.start();
    }

    @Override
    public synchronized void stop() {
        if (app != null) {
            app.close();
            app = null;
        }
    }
}
