package io.khp.testkit;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/** Apache Kafka in a container, for machines with a Docker engine (KHP_TEST_KAFKA=container). */
final class ContainerKafka implements TestKafka, AutoCloseable {

    private final KafkaContainer container;

    ContainerKafka(String image) {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            throw new IllegalStateException("KHP_TEST_KAFKA=container but no Docker engine answers here");
        }
        container = new KafkaContainer(image);
        container.start();
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public void close() {
        container.stop();
    }
}
