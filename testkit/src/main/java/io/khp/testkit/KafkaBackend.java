package io.khp.testkit;

/**
 * Where the test broker comes from, chosen by the environment variable KHP_TEST_KAFKA:
 * unset or {@code embedded}: an in-JVM KRaft cluster; {@code container}: Testcontainers (needs a
 * Docker engine); {@code bootstrap:HOST:PORT}: an existing cluster.
 */
sealed interface KafkaBackend permits KafkaBackend.Embedded, KafkaBackend.Container, KafkaBackend.External {

    record Embedded() implements KafkaBackend {
    }

    record Container() implements KafkaBackend {
    }

    record External(String bootstrapServers) implements KafkaBackend {
    }

    static KafkaBackend fromEnvironment(String value) {
        if (value == null || value.isBlank() || value.equals("embedded")) {
            return new Embedded();
        }
        if (value.equals("container")) {
            return new Container();
        }
        if (value.startsWith("bootstrap:") && value.length() > "bootstrap:".length()) {
            return new External(value.substring("bootstrap:".length()));
        }
        throw new IllegalArgumentException("KHP_TEST_KAFKA must be unset, 'embedded', 'container' or"
                + " 'bootstrap:HOST:PORT', not '" + value + "'");
    }
}
