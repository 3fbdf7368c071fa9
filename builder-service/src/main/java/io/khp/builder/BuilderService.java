package io.khp.builder;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

import io.khp.bus.ClientSettings;
import io.khp.bus.DeadLetters;
import io.khp.bus.EventCodec;
import io.khp.bus.Events;
import io.khp.bus.KafkaLag;
import io.khp.bus.Service;
import io.khp.bus.ServiceLauncher;
import io.khp.bus.ServiceMetrics;
import io.khp.bus.Topics;
import io.khp.events.KhpEvent;

/**
 * Builder: a kernel source patch becomes a signed livepatch module. Consumes BuildRequested from
 * khp.builds; publishes BuildProgress, the module on khp.artifacts, then PatchBuilt or BuildFailed.
 * Up to KHP_BUILDER_WORKERS (default 1) builds run at once, also the builds of one patch for
 * several kernels (one partition: the patch id is their key); each request is committed only once
 * it and every request before it in its partition are answered (at-least-once; outcomes have
 * deterministic ids).
 */
public final class BuilderService implements Service {

    public static final String GROUP = "builder-service";

    private final Components components;
    private final int workers;
    private final List<ConcurrentBuildConsumer> consumers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final BuilderMetrics metrics = new BuilderMetrics();
    private final KafkaLag lag = new KafkaLag();
    private Producer<byte[], byte[]> producer;

    public BuilderService(Components components, int workers) {
        this.components = components;
        this.workers = workers;
        metrics.service.registry().register(lag);
    }

    @Override
    public Optional<ServiceMetrics> metrics() {
        return Optional.of(metrics.service);
    }

    public static void main(String[] args) {
        ServiceLauncher.run(new BuilderService(Components.fromEnvironment(),
                Integer.parseInt(System.getenv().getOrDefault("KHP_BUILDER_WORKERS", "1"))));
    }

    @Override
    public String name() {
        return "builder-service";
    }

    @Override
    public synchronized void start(ClientSettings settings) {
        producer = new KafkaProducer<>(settings.producer(name()));
        Events events = new Events(name());
        EventCodec codec = EventCodec.instance();
        Producer<byte[], byte[]> p = producer;
        BuildRequestHandler.Publisher publisher = new BuildRequestHandler.Publisher() {
            @Override
            public void event(String key, KhpEvent event) throws Exception {
                p.send(new ProducerRecord<>(Topics.BUILDS.name(), key.getBytes(StandardCharsets.UTF_8), codec.encode(event))).get();
                metrics.published(event);
            }

            @Override
            public void artifact(String sha256, byte[] module) throws Exception {
                p.send(new ProducerRecord<>(Topics.ARTIFACTS.name(), sha256.getBytes(StandardCharsets.UTF_8), module)).get();
            }
        };
        BuildRequestHandler handler = new BuildRequestHandler(components, events, publisher);
        Map<String, Object> config = settings.consumer(GROUP);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, workers);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, name());
        KafkaConsumer<byte[], byte[]> kafkaConsumer = new KafkaConsumer<>(config);
        lag.add(kafkaConsumer::metrics);
        ConcurrentBuildConsumer consumer = new ConcurrentBuildConsumer(kafkaConsumer,
                new DeadLetters(producer, name(), metrics.service.deadLettered()), workers, name(), (key, event, origin) -> {
                    metrics.taking(event);
                    handler.handle(event);
                });
        consumer.subscribe(List.of(Topics.BUILDS.name()));
        consumers.add(consumer);
        Thread t = new Thread(consumer, name() + "-consumer");
        threads.add(t);
        t.start();
    }

    @Override
    public synchronized void stop() {
        consumers.forEach(ConcurrentBuildConsumer::close);
        for (Thread t : threads) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        consumers.clear();
        lag.clear();
        threads.clear();
        if (producer != null) {
            producer.close();
            producer = null;
        }
    }
}
