package io.khp.ledger.bench;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;

import io.khp.bus.ClientSettings;
import io.khp.bus.EventCodec;
import io.khp.bus.TopicProvisioner;
import io.khp.bus.Topics;
import io.khp.events.KhpEvent;
import io.khp.ledger.EventTopics;
import io.khp.ledger.LedgerApp;
import io.khp.ledger.LedgerConfig;
import io.khp.ledger.streams.LedgerTopology;

/**
 * `khp bench ledger`: replays lifecycle events for a fleet into a fresh broker, measures how fast
 * the ledger folds them into state (events/s), the freshness of its API (produce → visible in
 * GET /hosts/{id}) at a fixed offered load, and raw producer throughput for records of the same
 * size, before the replay and right after the fold (the ratio takes the mean of the two).
 * Args: [events] [hosts] [offered events/s] [freshness seconds] [warm-up events].
 */
public final class LedgerBenchmark {

    private static final EventCodec CODEC = EventCodec.instance();

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int hosts = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
        int freshnessSeconds = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        // a long-running ledger and producer have their code compiled: each phase first runs untimed
        // records. This JVM's compilers still compiled for 0.9-1.5 s of the ledger's 2.5-3 s fold
        // after three times as many records as are timed, and for 0.16-0.98 s of a 1.8-2.6 s fold
        // after ten times: the default
        int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 10 * events;
        ClientSettings settings = ClientSettings.fromEnvironment();
        try (Admin admin = Admin.create(settings.common())) {
            new TopicProvisioner(admin, (short) 1).ensure(Topics.all());
        }
        System.out.printf(Locale.ROOT, "ledger benchmark: %,d events for %,d hosts against %s, %d cores%n", events, hosts,
                settings.bootstrapServers(), Runtime.getRuntime().availableProcessors());

        int recordSize = meanRecordSize(hosts);
        // 0. raw producer throughput for records of the events' size, on the idle broker; measured
        // again right after the fold (2.), as this machine's speed drifts between the two phases
        double rawBefore = rawProducer(settings, warmup, events, recordSize);
        System.out.printf(Locale.ROOT, "raw producer: %,d records of %d bytes: %,.0f records/s (after %,d to warm up)%n",
                events, recordSize, rawBefore, warmup);

        // 1. the events, produced before the ledger starts: a warm-up fleet's, then the measured fleet's
        int stepsPerHost = (events + hosts - 1) / hosts;
        long t0 = System.nanoTime();
        long warmed = load(settings, WARMUP_HOSTS, hosts, warmup).events();
        Loaded loaded = load(settings, 0, hosts, events);
        long produced = loaded.events();
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "loaded %,d + %,d events (mean %d bytes) in %.1f s (encode + produce: %,.0f events/s)%n",
                warmed, produced, loaded.bytes() / produced, loadSeconds, (warmed + produced) / loadSeconds);

        // 2. the ledger folds them; timed from the end of the warm-up to the last event, by the records its threads processed
        Path state = Files.createTempDirectory("khp-ledger-bench");
        LedgerConfig config = LedgerConfig.fromEnvironment().withApplicationId("khp-ledger-bench-" + System.currentTimeMillis())
                .withHttpPort(0).withStateDir(state);
        double ledgerRate;
        double rawRate;
        List<Double> latencies;
        try (LedgerApp ledger = new LedgerApp(settings, config)) {
            long started = System.nanoTime();
            ledger.start();
            while (ledger.streams().state() != KafkaStreams.State.RUNNING) {
                pause(20);
            }
            long running = System.nanoTime();
            long warmedUp = awaitProcessed(ledger.streams(), warmed, Duration.ofMinutes(30));
            JvmWork beforeFold = JvmWork.now();
            long folded = awaitProcessed(ledger.streams(), warmed + produced, Duration.ofMinutes(30));
            JvmWork duringFold = JvmWork.now().minus(beforeFold);
            awaitCaughtUp(settings, config.applicationId(), Duration.ofMinutes(30));
            double foldSeconds = (folded - warmedUp) / 1e9;
            ledgerRate = produced / foldSeconds;
            System.out.printf(Locale.ROOT, "ledger: started in %.1f s, warmed up on %,d events in %.1f s, folded %,d events into state in %.1f s: %,.0f events/s%n",
                    (running - started) / 1e9, warmed, (warmedUp - running) / 1e9, produced, foldSeconds, ledgerRate);
            // what else this JVM did meanwhile on the same cores: a long-running ledger has its code compiled
            System.out.printf(Locale.ROOT, "during the fold: JIT compiling %.2f s, GC pauses %.2f s (of %.2f s on %d cores)%n",
                    duringFold.compilingMs() / 1e3, duringFold.gcMs() / 1e3, foldSeconds, Runtime.getRuntime().availableProcessors());

            System.out.printf(Locale.ROOT, "rejections after the replay: %,d%n", recordsOn(settings, Topics.REJECTIONS.name()));

            double rawAfter = rawProducer(settings, warmup, events, recordSize);
            rawRate = (rawBefore + rawAfter) / 2;
            System.out.printf(Locale.ROOT, "raw producer right after the fold (the ledger idle): %,.0f records/s; mean of both: %,.0f records/s%n",
                    rawAfter, rawRate);

            // 3. freshness at a fixed offered load
            latencies = freshness(settings, ledger.httpPort(), hosts, stepsPerHost, rate, freshnessSeconds);
            printThreadMetrics(ledger.streams());
        } finally {
            deleteTree(state);
        }
        // 4. the ceiling: Kafka Streams alone, reading and decoding the same events the same way, folding nothing
        double ceiling = streamsCeiling(settings, config, warmed, produced);
        System.out.printf(Locale.ROOT, "kafka streams alone (read + decode, exactly-once, %d threads, same topics): %,.0f events/s, ratio %.3f%n",
                config.threads(), ceiling, ceiling / rawRate);

        Collections.sort(latencies);
        double p50 = percentile(latencies, 0.50);
        double p99 = percentile(latencies, 0.99);
        System.out.printf(Locale.ROOT, "freshness at %,d events/s offered: %d samples, p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                rate, latencies.size(), p50, p99, latencies.isEmpty() ? 0.0 : latencies.get(latencies.size() - 1));

        System.out.printf(Locale.ROOT, "rejections after the offered load: %,d%n", recordsOn(settings, Topics.REJECTIONS.name()));
        printSomeRejections(settings);

        System.out.printf(Locale.ROOT, "ratio %.3f%n", ledgerRate / rawRate);
        System.out.printf(Locale.ROOT, "p99 %.0f%n", p99);
    }

    /** Host indexes of the warm-up fleet (its names differ from the measured fleet's). */
    private static final int WARMUP_HOSTS = 100_000;

    private record Loaded(long events, long bytes) {
    }

    /** Produces {@code events} lifecycle events of {@code hosts} hosts, step by step. */
    private static Loaded load(ClientSettings settings, int firstHost, int hosts, int events) {
        long[] bytes = {0};
        try (KafkaProducer<String, byte[]> producer = producer(settings, "bench-load")) {
            LifecycleGenerator.inReplayOrder(firstHost, hosts, events, Instant.now(), e -> {
                byte[] value = CODEC.encode(e);
                bytes[0] += value.length;
                producer.send(new ProducerRecord<>(EventTopics.topicOf(e), EventTopics.keyOf(e), value));
            });
            producer.flush();
        }
        return new Loaded(events, bytes[0]);
    }

    /** Time this JVM's compilers spent compiling and its collectors paused it, so far. */
    private record JvmWork(long compilingMs, long gcMs) {

        static JvmWork now() {
            long gc = 0;
            for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
                gc += Math.max(0, collector.getCollectionTime());
            }
            CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            return new JvmWork(jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0, gc);
        }

        JvmWork minus(JvmWork earlier) {
            return new JvmWork(compilingMs - earlier.compilingMs, gcMs - earlier.gcMs);
        }
    }

    /**
     * Waits until this JVM's compilers compiled for at most 2 % of a second (a minute at most):
     * the producer's timed records then run the code its warm-up made hot, compiled.
     */
    private static void awaitCompilersQuiet() {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        long before = JvmWork.now().compilingMs();
        while (System.nanoTime() < deadline) {
            pause(1000);
            long now = JvmWork.now().compilingMs();
            if (now - before <= 20) {
                return;
            }
            before = now;
        }
    }

    /**
     * Waits until the ledger's stream threads have processed {@code records} input records
     * (Streams' process-total; it also counts the few summed host counts the ledger sends itself),
     * and returns when, as System.nanoTime. The counters are looked up once: listing every metric
     * of the app each time would take CPU from the ledger it measures.
     */
    private static long awaitProcessed(KafkaStreams streams, long records, Duration timeout) {
        List<org.apache.kafka.common.Metric> counters = new ArrayList<>();
        streams.metrics().forEach((name, metric) -> {
            if (name.group().equals("stream-thread-metrics") && name.name().equals("process-total")) {
                counters.add(metric);
            }
        });
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            double processed = 0;
            for (var counter : counters) {
                if (counter.metricValue() instanceof Double v) {
                    processed += v;
                }
            }
            if (processed >= records) {
                return System.nanoTime();
            }
            pause(5);
        }
        throw new IllegalStateException("the ledger did not process " + records + " records within " + timeout);
    }

    /**
     * Events/s of a Streams app that reads and decodes the ledger's input and does nothing else, with
     * the ledger's Streams settings (exactly-once, threads, commit interval, task idling): the most any
     * fold on Kafka Streams can reach here. Timed like the ledger, after the warm-up fleet's events.
     */
    private static double streamsCeiling(ClientSettings settings, LedgerConfig config, long warmup, long records) throws Exception {
        StreamsBuilder builder = new StreamsBuilder();
        // timed by the app itself: with several threads it may process everything before it reports RUNNING
        AtomicLong decoded = new AtomicLong();
        AtomicLongArray passed = new AtomicLongArray(2);
        CountDownLatch done = new CountDownLatch(1);
        builder.stream(LedgerTopology.HOST_INPUTS, Consumed.with(Serdes.String(), Serdes.ByteArray())).foreach((key, value) -> {
                    if (CODEC.decode(value).getPayload() == null) {
                        return;
                    }
                    long n = decoded.incrementAndGet();
                    if (n == warmup) {
                        passed.set(0, System.nanoTime());
                    } else if (n == warmup + records) {
                        passed.set(1, System.nanoTime());
                        done.countDown();
                    }
                });
        Path state = Files.createTempDirectory("khp-ledger-bench-ceiling");
        Properties p = LedgerApp.streamsProperties(settings,
                config.withApplicationId("khp-bench-ceiling-" + System.currentTimeMillis()).withStateDir(state));
        try (KafkaStreams streams = new KafkaStreams(builder.build(), p)) {
            streams.start();
            if (!done.await(30, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the ceiling app decoded " + decoded.get() + " of " + (warmup + records) + " events");
            }
            return records / ((passed.get(1) - passed.get(0)) / 1e9);
        } finally {
            deleteTree(state);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    /** Mean encoded size of a sample of the events the benchmark replays. */
    private static int meanRecordSize(int hosts) {
        long bytes = 0;
        int n = 0;
        for (int step = 0; step < 100; step++) {
            for (int h = 0; h < Math.min(hosts, 50); h++) {
                bytes += CODEC.encode(LifecycleGenerator.event(h, step, Instant.now())).length;
                n++;
            }
        }
        return (int) (bytes / n);
    }

    private static KafkaProducer<String, byte[]> producer(ClientSettings settings, String id) {
        Map<String, Object> config = settings.producer(id);
        config.put("batch.size", 256 * 1024);
        config.put("linger.ms", 5);
        config.put("compression.type", "none");
        return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }

    /** Waits until the ledger's consumer group has committed every input record. */
    private static void awaitCaughtUp(ClientSettings settings, String group, Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        try (Admin admin = Admin.create(settings.common())) {
            Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> specs = new java.util.HashMap<>();
            for (String t : LedgerTopology.HOST_INPUTS) {
                for (int p = 0; p < Topics.HOST_PARTITIONS; p++) {
                    specs.put(new TopicPartition(t, p), org.apache.kafka.clients.admin.OffsetSpec.latest());
                }
            }
            var ends = admin.listOffsets(specs).all().get();
            while (Instant.now().isBefore(deadline)) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                boolean done = true;
                for (var end : ends.entrySet()) {
                    OffsetAndMetadata c = committed.get(end.getKey());
                    if (end.getValue().offset() > 0 && (c == null || c.offset() < end.getValue().offset())) {
                        done = false;
                        break;
                    }
                }
                if (done) {
                    return;
                }
                pause(100);
            }
        }
        throw new IllegalStateException("the ledger did not catch up within " + timeout);
    }

    /**
     * Offers lifecycle events at a fixed rate; every 100th is instead a sample, a heartbeat report
     * of the host, read through the API (waiting reads: GET /hosts/{id}?after=VERSION) until the
     * host's last-seen time reaches it.
     */
    private static List<Double> freshness(ClientSettings settings, int port, int hosts, int firstStep, int rate, int seconds)
            throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ExecutorService checkers = Executors.newFixedThreadPool(16);
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        int total = rate * seconds;
        long interval = 1_000_000_000L / rate;
        int[] stepOf = new int[hosts];
        Arrays.fill(stepOf, firstStep);
        try (KafkaProducer<String, byte[]> producer = producer(settings, "bench-fresh")) {
            long start = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long due = start + i * interval;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                int h = i % hosts; // round robin: a host's consecutive steps are a second apart at 10,000/s and 10,000 hosts
                boolean sample = i % 100 == 0;
                Instant now = Instant.now();
                // a sample is the host's heartbeat report, which the ledger always takes (lifecycle steps
                // of a host stuck by a refused event would never show up)
                KhpEvent e = sample ? LifecycleGenerator.event(h, 0, now) : LifecycleGenerator.event(h, stepOf[h]++, now);
                long sent = System.nanoTime();
                producer.send(new ProducerRecord<>(EventTopics.topicOf(e), EventTopics.keyOf(e), CODEC.encode(e)));
                if (sample) {
                    String path = "/hosts/" + e.getHostId();
                    long seenAt = now.toEpochMilli();
                    checkers.submit(() -> {
                        // the first read answers at once; each next one waits for a newer state of the host
                        long after = -1;
                        long deadline = sent + TimeUnit.SECONDS.toNanos(30);
                        while (System.nanoTime() < deadline) {
                            try {
                                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                        + path + "?after=" + after + "&wait=5000")).GET().build(),
                                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                                if (r.statusCode() == 200 && lastSeenOf(r.body()) >= seenAt) {
                                    latencies.add((System.nanoTime() - sent) / 1e6);
                                    return;
                                }
                                if (r.statusCode() == 200) {
                                    after = versionOf(r.body());
                                } else {
                                    pause(10);
                                }
                            } catch (Exception ex) {
                                pause(10); // not reachable right now: try again
                            }
                        }
                        latencies.add(30_000.0);
                    });
                }
            }
            producer.flush();
            double achieved = total / ((System.nanoTime() - start) / 1e9);
            System.out.printf(Locale.ROOT, "offered %,d events in %d s (%,.0f events/s achieved)%n", total, seconds, achieved);
        }
        checkers.shutdown();
        checkers.awaitTermination(2, TimeUnit.MINUTES);
        return new ArrayList<>(latencies);
    }

    /** The stream threads' own timings (Streams metrics, over the whole run). */
    private static void printThreadMetrics(KafkaStreams streams) {
        Map<String, Double> sums = new java.util.TreeMap<>();
        streams.metrics().forEach((name, metric) -> {
            if (name.group().equals("stream-thread-metrics") && metric.metricValue() instanceof Double v && !v.isNaN()
                    && (name.name().endsWith("-latency-avg") || name.name().endsWith("-latency-max") || name.name().endsWith("-ratio")
                    || name.name().endsWith("-rate"))) {
                sums.merge(name.name(), v, Double::sum);
            }
        });
        sums.forEach((name, v) -> System.out.printf(Locale.ROOT, "  stream threads %s: %.3f%n", name, v));
    }

    private static void printSomeRejections(ClientSettings settings) {
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(settings.consumer(null),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (int p = 0; p < Topics.REJECTIONS.partitions(); p++) {
                parts.add(new TopicPartition(Topics.REJECTIONS.name(), p));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            int shown = 0;
            for (var r : consumer.poll(Duration.ofSeconds(5))) {
                var j = Topics.REJECTIONS.valueSerde().deserializer().deserialize(r.topic(), r.value());
                System.out.println("  rejected " + j.getEventType() + " " + j.getHostId() + " " + j.getPatchId() + ": " + j.getReason());
                if (++shown == 5) {
                    break;
                }
            }
        }
    }

    private static long recordsOn(ClientSettings settings, String topic) throws Exception {
        try (Admin admin = Admin.create(settings.common())) {
            Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> specs = new java.util.HashMap<>();
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            for (int p = 0; p < partitions; p++) {
                specs.put(new TopicPartition(topic, p), org.apache.kafka.clients.admin.OffsetSpec.latest());
            }
            return admin.listOffsets(specs).all().get().values().stream().mapToLong(o -> o.offset()).sum();
        }
    }

    /** Records/s of a plain producer sending {@code records} records of {@code size} bytes, after {@code warmup} untimed ones. */
    private static double rawProducer(ClientSettings settings, long warmup, long records, int size) throws Exception {
        String topic = "khp-bench-raw-" + System.currentTimeMillis();
        try (Admin admin = Admin.create(settings.common())) {
            admin.createTopics(List.of(new NewTopic(topic, Topics.HOST_PARTITIONS, (short) 1))).all().get();
            TopicProvisioner.awaitWritable(admin, List.of(topic));
        }
        byte[][] values = new byte[64][];
        Random random = new Random(7);
        for (int i = 0; i < values.length; i++) {
            values[i] = new byte[size];
            random.nextBytes(values[i]);
        }
        double rate;
        try (KafkaProducer<String, byte[]> producer = producer(settings, "bench-raw")) {
            sendRaw(producer, topic, values, warmup);
            awaitCompilersQuiet();
            long t0 = System.nanoTime();
            sendRaw(producer, topic, values, records);
            rate = records / ((System.nanoTime() - t0) / 1e9);
        }
        try (Admin admin = Admin.create(settings.common())) {
            admin.deleteTopics(List.of(topic)).all().get();
        }
        return rate;
    }

    private static void sendRaw(KafkaProducer<String, byte[]> producer, String topic, byte[][] values, long records) {
        // the keys are made beforehand: the producer alone is timed
        String[] keys = new String[10_000];
        Arrays.setAll(keys, LifecycleGenerator::host);
        for (long i = 0; i < records; i++) {
            producer.send(new ProducerRecord<>(topic, keys[(int) (i % keys.length)], values[(int) (i % values.length)]));
        }
        producer.flush();
    }

    private static final java.util.regex.Pattern VERSION = java.util.regex.Pattern.compile("\"version\":(\\d+)");

    /** The version (events folded) of a host state of the API's JSON. */
    private static long versionOf(String json) {
        var m = VERSION.matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static final java.util.regex.Pattern LAST_SEEN = java.util.regex.Pattern.compile("\"lastSeen\":(\\d+)");

    /** When the host was last heard of, in a host state of the API's JSON. */
    private static long lastSeenOf(String json) {
        var m = LAST_SEEN.matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static double percentile(List<Double> sorted, double q) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    private static void pause(long millis) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
    }
}
