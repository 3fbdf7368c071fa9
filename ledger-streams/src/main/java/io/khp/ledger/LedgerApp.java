package io.khp.ledger;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.net.httpserver.HttpServer;

import io.khp.bus.ClientSettings;
import io.khp.ledger.api.LedgerApi;
import io.khp.ledger.api.LogReader;
import io.khp.ledger.streams.HostStateWatch;
import io.khp.ledger.streams.LedgerTopology;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;

/** One running ledger instance: the Streams app (exactly_once_v2) and its HTTP API. */
public final class LedgerApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerApp.class);

    static {
        // the JDK's HTTP server otherwise leaves Nagle on: a reply's header and body wait out a delayed ACK (~40 ms)
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        // Kafka Streams (4.2.2, and 4.4.0 still) formats a trace message with String.format for each record
        // it takes while an input partition of the task has nothing buffered (khp.host-commands while a
        // backlog of lifecycle events is folded). For a %d the JDK builds new DecimalFormatSymbols unless
        // the format locale is en-US: with "en" (LANG=C.UTF-8) that took 7.7 % of the stream threads'
        // samples in `khp bench ledger`
        if (!Locale.US.equals(Locale.getDefault(Locale.Category.FORMAT))) {
            Locale.setDefault(Locale.Category.FORMAT, Locale.US);
        }
    }

    private final KafkaStreams streams;
    private final LedgerApi api;
    private final HostInfo self;
    private final LedgerMetrics metrics = new LedgerMetrics();

    public LedgerApp(ClientSettings settings, LedgerConfig config) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(config.httpHost(), config.httpPort()), 64);
        this.self = new HostInfo(config.httpHost(), server.getAddress().getPort());
        HostStateWatch watch = new HostStateWatch();
        this.streams = new KafkaStreams(LedgerTopology.build(config.holdMs(), config.commitIntervalMs(), watch, metrics.observers()),
                properties(settings, config, self));
        metrics.watch(streams);
        server.createContext("/metrics", new MetricsHandler(metrics.registry()));
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("ledger stream thread failed; replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        this.api = new LedgerApi(streams, self, server, new LogReader(settings), watch);
    }

    /** Kafka Streams' transaction timeout under exactly-once. */
    private static final long DEFAULT_TRANSACTION_TIMEOUT_MS = 10_000;

    private static Properties properties(ClientSettings settings, LedgerConfig config, HostInfo self) {
        Properties p = streamsProperties(settings, config);
        p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        return p;
    }

    /** The ledger's Kafka Streams settings, all but its API's address (which instance answers for a key). */
    public static Properties streamsProperties(ClientSettings settings, LedgerConfig config) {
        Properties p = new Properties();
        p.putAll(settings.common());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.threads());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.streamsCommitIntervalMs());
        if (2 * config.streamsCommitIntervalMs() > DEFAULT_TRANSACTION_TIMEOUT_MS) {
            // a transaction stays open for a whole interval: Streams refuses a timeout shorter than it
            p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), (int) Math.min(Integer.MAX_VALUE,
                    2 * config.streamsCommitIntervalMs()));
        }
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, config.maxTaskIdleMs());
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), 8 * 1024 * 1024);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
        // the patch side's cached stores (patches, rollout hosts); host states are kept by HostStateStore
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 16L * 1024 * 1024);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 128 * 1024);
        if (config.instanceId() != null && !config.instanceId().isBlank()) {
            p.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), config.instanceId());
        }
        return p;
    }

    public void start() {
        api.start();
        streams.start();
    }

    public KafkaStreams streams() {
        return streams;
    }

    public HostInfo self() {
        return self;
    }

    public LedgerMetrics metrics() {
        return metrics;
    }

    public int httpPort() {
        return self.port();
    }

    /** Stops the API and the Streams app; the state directory stays for the next start. */
    @Override
    public void close() {
        api.close();
        streams.close(Duration.ofSeconds(30));
    }
}
