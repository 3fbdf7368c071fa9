package io.khp.agent.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import io.khp.bus.ClientSettings;
import io.khp.bus.EventCodec;
import io.khp.bus.Events;
import io.khp.events.KhpEvent;
import io.khp.bus.LogPartitions;

/**
 * Everything published on some khp topics for the hosts a test owns, read from the real broker on
 * a thread of its own, per host in topic order. An optional listener sees each event as it comes
 * (the tests' stand-in verifier answers RunObjectCaptured through it).
 */
public final class EventLog implements AutoCloseable {

    private final Map<String, List<KhpEvent>> byHost = new ConcurrentHashMap<>();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    public EventLog(ClientSettings settings, List<String> topics, Predicate<String> hosts, Consumer<KhpEvent> listener) {
        consumer = new KafkaConsumer<>(settings.consumer(null));
        List<TopicPartition> partitions = LogPartitions.of(consumer, topics);
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = new Thread(() -> {
            try {
                while (running.get()) {
                    for (var r : consumer.poll(Duration.ofMillis(200))) {
                        KhpEvent e;
                        try {
                            e = EventCodec.instance().decode(r.value());
                        } catch (RuntimeException bad) {
                            continue;
                        }
                        if (e.getHostId() == null || !hosts.test(e.getHostId())) {
                            continue;
                        }
                        List<KhpEvent> list = byHost.computeIfAbsent(e.getHostId(), h -> new ArrayList<>());
                        synchronized (list) {
                            list.add(e);
                        }
                        if (listener != null) {
                            listener.accept(e);
                        }
                    }
                }
            } catch (WakeupException ignored) {
                // closing
            } finally {
                consumer.close();
            }
        }, "event-log");
        thread.setDaemon(true);
        thread.start();
    }

    public List<KhpEvent> of(String host) {
        List<KhpEvent> list = byHost.getOrDefault(host, List.of());
        synchronized (list) {
            return List.copyOf(list);
        }
    }

    public List<String> typesOf(String host) {
        return of(host).stream().map(Events::typeOf).toList();
    }

    public long count(String host, String type) {
        return of(host).stream().filter(e -> Events.typeOf(e).equals(type)).count();
    }

    /** Polls the condition every 100 ms until it holds or the deadline passes; returns whether it held. */
    public static boolean await(Duration timeout, Supplier<Boolean> condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (condition.get()) {
                return true;
            }
            Thread.sleep(100); // poll interval of a deadline-bounded wait
        }
        return condition.get();
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
    }
}
