package io.khp.agent.bus;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.khp.agent.AgentMetrics;
import io.khp.agent.AgentOutput;
import io.khp.agent.AgentSettings;
import io.khp.agent.ArtifactFetcher;
import io.khp.agent.HostWorker;
import io.khp.agent.backend.HostBackend;
import io.khp.agent.core.ArtifactCheck;
import io.khp.agent.core.LifecycleEvents;
import io.khp.agent.ledger.LedgerArtifacts;
import io.khp.bus.ClientSettings;
import io.khp.bus.DeadLetters;
import io.khp.bus.EventCodec;
import io.khp.bus.Events;
import io.khp.bus.Topics;
import io.khp.bus.UndecodableEventException;
import io.khp.events.KhpEvent;

/**
 * The agent on the bus: assigns the partitions of khp.host-commands and khp.host-lifecycle that
 * hold its hosts, reads them from the beginning to rebuild each host's history (crash safety: what
 * was published before is not published again), then starts the host workers and keeps feeding
 * them. Records of other hosts on those partitions are skipped; undecodable ones dead-lettered.
 */
public final class AgentRuntime implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AgentRuntime.class);
    /** Artifacts kept in memory: the ones used last (an agent applies a few patches at a time). */
    private static final int TOPIC_CACHE_ENTRIES = 8;
    private static final int LEDGER_CACHE_ENTRIES = 4;
    private static final long CACHE_BYTES = 128L * 1024 * 1024;

    private final String name;
    private final Map<String, HostWorker> workers = new LinkedHashMap<>();
    private final KafkaProducer<byte[], byte[]> producer;
    private final ArtifactStore artifacts;
    private final ArtifactFetcher artifactSource;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final DeadLetters deadLetters;
    private final ExecutorService pool;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final EventCodec codec = EventCodec.instance();
    private final Thread thread;
    private final AgentMetrics metrics;

    public AgentRuntime(String name, ClientSettings bus, Collection<? extends HostBackend> hosts, AgentSettings settings,
            Map<String, PublicKey> trustedKeys, int threads, Clock clock) {
        this(name, bus, hosts, settings, trustedKeys, threads, clock, new AgentMetrics());
    }

    public AgentRuntime(String name, ClientSettings bus, Collection<? extends HostBackend> hosts, AgentSettings settings,
            Map<String, PublicKey> trustedKeys, int threads, Clock clock, AgentMetrics metrics) {
        this.name = name;
        this.metrics = metrics;
        producer = new KafkaProducer<>(bus.producer(name));
        deadLetters = new DeadLetters(producer, name, metrics.service.deadLettered());
        artifacts = new ArtifactStore(bus, name + "-artifacts", new ArtifactCache(TOPIC_CACHE_ENTRIES, CACHE_BYTES));
        artifactSource = new ArtifactFetcher(artifacts, new LedgerArtifacts(settings.ledgerApi()),
                new ArtifactCache(LEDGER_CACHE_ENTRIES, CACHE_BYTES), settings.artifactTopicWait(),
                settings.policy().artifactRetry(), clock);
        pool = Executors.newFixedThreadPool(threads, daemon(name + "-host"));
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, daemon(name + "-timer"));
        scheduler.setRemoveOnCancelPolicy(true);
        timer = scheduler;
        LifecycleEvents events = new LifecycleEvents(new Events("applier-agent@" + name, clock));
        ArtifactCheck check = new ArtifactCheck(trustedKeys);
        AgentOutput out = new KafkaAgentOutput(producer).measuredBy(metrics);
        for (HostBackend h : hosts) {
            workers.put(h.hostId(), new HostWorker(h, settings, events, out, artifactSource, check, pool, timer, clock));
        }
        var config = bus.consumer(null);
        config.put("client.id", name + "-commands");
        consumer = new KafkaConsumer<>(config);
        metrics.lag.add(consumer::metrics);
        metrics.hosts(workers.size());
        List<TopicPartition> assigned = new ArrayList<>();
        for (String topic : List.of(Topics.HOST_COMMANDS.name(), Topics.HOST_LIFECYCLE.name())) {
            int partitions = consumer.partitionsFor(topic).size();
            for (int p : HostPartitions.partitionsOf(workers.keySet(), partitions)) {
                assigned.add(new TopicPartition(topic, p));
            }
        }
        consumer.assign(assigned);
        consumer.seekToBeginning(assigned);
        LOG.info("{}: {} hosts, reading {}", name, workers.size(), assigned);
        thread = new Thread(() -> run(assigned), name + "-bus");
        thread.setDaemon(true);
        thread.start();
    }

    private static java.util.concurrent.ThreadFactory daemon(String prefix) {
        var n = new java.util.concurrent.atomic.AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private void run(List<TopicPartition> assigned) {
        try {
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(assigned));
            while (running.get() && !reached(end)) {
                dispatch(consumer.poll(Duration.ofMillis(200)));
            }
            LOG.info("{}: history read up to {}; starting {} host workers", name, end, workers.size());
            workers.values().forEach(HostWorker::start);
            caughtUp.countDown();
            while (running.get()) {
                dispatch(consumer.poll(Duration.ofMillis(500)));
            }
        } catch (WakeupException e) {
            if (running.get()) {
                LOG.error("{}: bus reader woken unexpectedly", name, e);
            }
        } catch (RuntimeException e) {
            LOG.error("{}: bus reader failed", name, e);
        } finally {
            consumer.close();
        }
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
        return end.isEmpty();
    }

    private void dispatch(Iterable<ConsumerRecord<byte[], byte[]>> records) {
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
            HostWorker worker = key == null ? null : workers.get(key);
            if (worker == null) {
                continue;
            }
            KhpEvent event;
            try {
                event = codec.decode(r.value());
            } catch (UndecodableEventException e) {
                LOG.warn("{}: dead-lettering {}-{}@{}: {}", name, r.topic(), r.partition(), r.offset(), e.getMessage());
                deadLetters.send(r, e);
                continue;
            }
            if (key.equals(event.getHostId())) {
                worker.offer(event);
            }
        }
    }

    /** Waits until the history has been read and the workers started. */
    public boolean awaitStarted(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Collection<HostWorker> workers() {
        return workers.values();
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.values().forEach(HostWorker::stop);
        timer.shutdownNow();
        pool.shutdownNow();
        artifacts.close();
        producer.close(Duration.ofSeconds(10));
        workers.values().forEach(w -> w.backend().close());
    }
}
