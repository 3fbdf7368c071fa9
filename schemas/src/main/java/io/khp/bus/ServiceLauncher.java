package io.khp.bus;

import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link Service} as a process: makes sure khp's topics exist and are co-partitioned, starts
 * the service, and stops it cleanly on SIGTERM/SIGINT.
 */
public final class ServiceLauncher {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceLauncher.class);

    private ServiceLauncher() {
    }

    public static void run(Service service) {
        ClientSettings settings = ClientSettings.fromEnvironment();
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicReference<MetricsEndpoint> endpoint = new AtomicReference<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("{} stopping", service.name());
            service.stop();
            MetricsEndpoint metrics = endpoint.get();
            if (metrics != null) {
                metrics.close();
            }
            stopped.countDown();
        }, service.name() + "-shutdown"));
        try (Admin admin = Admin.create(settings.common())) {
            String cluster = admin.describeCluster().clusterId().get();
            new TopicProvisioner(admin, replicationFactor()).ensure(Topics.all());
            LOG.info("{} connected to cluster {} at {}", service.name(), cluster, settings.bootstrapServers());
            service.start(settings);
            LOG.info("{} started", service.name());
            Optional<ServiceMetrics> metrics = service.metrics();
            if (metrics.isPresent() && metrics.get().port(System.getenv()) != MetricsEndpoint.OFF) {
                String host = MetricsEndpoint.hostFromEnvironment();
                endpoint.set(MetricsEndpoint.start(metrics.get().registry(), host, metrics.get().port(System.getenv())));
                LOG.info("{} metrics on http://{}:{}/metrics", service.name(), host, endpoint.get().port());
            }
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.error("{} failed to start: {}", service.name(), e.getMessage(), e);
            service.stop();
            System.exit(1);
        }
    }

    static short replicationFactor() {
        return Short.parseShort(System.getenv().getOrDefault("KHP_REPLICATION_FACTOR", "1"));
    }
}
