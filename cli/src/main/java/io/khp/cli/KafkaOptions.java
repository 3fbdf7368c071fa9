package io.khp.cli;

import io.khp.bus.ClientSettings;
import picocli.CommandLine.Option;

/** Where a command finds the cluster and the ledger: options over environment over the config file. */
final class KafkaOptions {

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (default: config, $KHP_BOOTSTRAP, 127.0.0.1:9092)")
    String bootstrap;

    @Option(names = "--api", description = "Ledger HTTP API (default: config, $KHP_API, " + KhpConfig.DEFAULT_API + ")")
    String api;

    KhpConfig config() {
        return KhpConfig.fromEnvironment().with("bootstrap", bootstrap).with("api", api);
    }

    ClientSettings settings() {
        return config().kafka();
    }
}
