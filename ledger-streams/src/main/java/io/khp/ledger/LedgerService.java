package io.khp.ledger;

import io.khp.bus.ClientSettings;
import io.khp.bus.Service;
import io.khp.bus.ServiceLauncher;

/** Ledger: the authoritative per-host patch state in Kafka Streams. */
public final class LedgerService implements Service {

    public static void main(String[] args) {
        ServiceLauncher.run(new LedgerService());
    }

    @Override
    public String name() {
        return "ledger-streams";
    }

    @Override
    public void start(ClientSettings settings) {
    }

    @Override
    public void stop() {
    }
}
