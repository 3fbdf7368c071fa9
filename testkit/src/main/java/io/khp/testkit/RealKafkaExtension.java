package io.khp.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts the test broker once per JVM (see {@link KafkaBackend} for where it comes from), proves it
 * with one produce/consume round trip, and closes it when the JVM's tests are done.
 */
public final class RealKafkaExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RealKafkaExtension.class);
    private static final String CONTAINER_IMAGE = "apache/kafka:" + kafkaVersion();

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestKafka.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return shared(context);
    }

    /** The JVM-wide broker, started on first use. */
    public static TestKafka shared(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(Holder.class, k -> new Holder(start()), Holder.class)
                .kafka;
    }

    private static TestKafka start() {
        KafkaBackend backend = KafkaBackend.fromEnvironment(System.getenv("KHP_TEST_KAFKA"));
        TestKafka kafka;
        try {
            if (backend instanceof KafkaBackend.External external) {
                kafka = new ExternalKafka(external.bootstrapServers());
            } else if (backend instanceof KafkaBackend.Container) {
                kafka = new ContainerKafka(CONTAINER_IMAGE);
            } else {
                kafka = new EmbeddedKraftCluster();
            }
        } catch (Exception e) {
            throw new ParameterResolutionException("cannot start the test Kafka broker (" + backend + ")", e);
        }
        roundTrip(kafka);
        return kafka;
    }

    /** One record produced and read back: the broker really works before any test relies on it. */
    static void roundTrip(TestKafka kafka) {
        String topic = kafka.uniqueTopic("khp-testkit-roundtrip");
        kafka.createTopic(topic, 1);
        String value = "ping " + Instant.now();
        Map<String, Object> producerConfig = kafka.clientConfig();
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        try (var producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "k", value)).get();
        } catch (Exception e) {
            throw new IllegalStateException("test broker at " + kafka.bootstrapServers() + " did not take a record", e);
        }
        Map<String, Object> consumerConfig = kafka.clientConfig();
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            Instant deadline = Instant.now().plusSeconds(60);
            while (Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (value.equals(r.value())) {
                        return;
                    }
                }
            }
        }
        throw new IllegalStateException("test broker at " + kafka.bootstrapServers()
                + " did not give back the record produced to " + topic + " within 60 s ("
                + value.getBytes(StandardCharsets.UTF_8).length + " bytes)");
    }

    private static String kafkaVersion() {
        String v = org.apache.kafka.common.utils.AppInfoParser.getVersion();
        return v == null || v.equals("unknown") ? "latest" : v;
    }

    private record Holder(TestKafka kafka) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() throws Throwable {
            if (kafka instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
    }
}
