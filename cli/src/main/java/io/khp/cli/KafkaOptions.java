package io.khp.cli;

import io.khp.bus.ClientSettings;
import picocli.CommandLine.Option;

/** The cluster a command talks to: --bootstrap, else KHP_BOOTSTRAP, else 127.0.0.1:9092. */
final class KafkaOptions {

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (default: $KHP_BOOTSTRAP or 127.0.0.1:9092)")
    String bootstrap;

    ClientSettings settings() {
        ClientSettings fromEnvironment = ClientSettings.fromEnvironment();
        return bootstrap == null ? fromEnvironment
                : fromEnvironment.with(org.apache.kafka.clients.CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    }
}
