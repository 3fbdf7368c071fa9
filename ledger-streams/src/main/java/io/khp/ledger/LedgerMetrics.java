package io.khp.ledger;

import java.util.List;
import java.util.Map;

import org.apache.kafka.streams.KafkaStreams;

import io.khp.bus.KafkaLag;
import io.khp.bus.ServiceMetrics;
import io.khp.ledger.core.FleetCensus;
import io.khp.ledger.core.RolloutCensus;
import io.khp.ledger.streams.LedgerObservers;
import io.khp.state.RolloutStatus;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * The ledger's metrics, served at {@code /metrics} on its API port: the fleet as the ledger's state
 * holds it (hosts by kernel, host patches by patch, state and kernel, rollouts by status and wave),
 * counted as host and patch states change (a scrape reads counts, never the hosts), the Streams
 * app's state and lag, dead letters and rejections it wrote, and the JVM.
 */
public final class LedgerMetrics {

    private final ServiceMetrics service = ServiceMetrics.create("KHP_LEDGER_HTTP_PORT", 8083);
    private final KafkaLag lag = new KafkaLag();
    private final LedgerObservers observers;

    public LedgerMetrics() {
        PrometheusRegistry registry = service.registry();
        Counter rejections = Counter.builder().name("khp_ledger_rejections_total")
                .help("Events the ledger refused (written to khp.rejections), by event type").labelNames("event_type")
                .register(registry);
        observers = new LedgerObservers(new FleetCensus(), new RolloutCensus(), service.deadLettered(), rejections);
        registry.register(new Census(observers.fleet(), observers.rollouts()));
        registry.register(lag);
    }

    public LedgerObservers observers() {
        return observers;
    }

    public PrometheusRegistry registry() {
        return service.registry();
    }

    /** Adds the Streams app's state and lag. */
    public void watch(KafkaStreams streams) {
        lag.add(streams::metrics);
        GaugeWithCallback.builder().name("khp_ledger_stream_state")
                .help("1 for the ledger's current Kafka Streams state (RUNNING when healthy), 0 for the others")
                .labelNames("state")
                .callback(cb -> {
                    KafkaStreams.State now = streams.state();
                    for (KafkaStreams.State s : KafkaStreams.State.values()) {
                        cb.call(s == now ? 1 : 0, s.name());
                    }
                }).register(service.registry());
    }

    /** The fleet-wide gauges, read from the censuses at scrape time. */
    static final class Census implements MultiCollector {

        private final FleetCensus fleet;
        private final RolloutCensus rollouts;

        Census(FleetCensus fleet, RolloutCensus rollouts) {
            this.fleet = fleet;
            this.rollouts = rollouts;
        }

        @Override
        public MetricSnapshots collect() {
            GaugeSnapshot.Builder hosts = GaugeSnapshot.builder().name("khp_hosts")
                    .help("Hosts known to the ledger, by kernel release and flavour");
            fleet.hostsByKernel().forEach((k, n) -> hosts.dataPoint(point(n, "release", k.release(), "flavour", k.flavour())));
            GaugeSnapshot drifted = GaugeSnapshot.builder().name("khp_hosts_drifted")
                    .help("Hosts whose loaded livepatches disagree with the ledger's patch states")
                    .dataPoint(GaugeDataPointSnapshot.builder().value(fleet.driftedHosts()).build()).build();
            GaugeSnapshot.Builder patches = GaugeSnapshot.builder().name("khp_host_patches")
                    .help("Host patches by patch, state (PatchStatus) and kernel: each host counts once per patch it knows");
            fleet.hostPatchesByState().forEach((p, n) -> patches.dataPoint(point(n, "patch", p.patchId(), "state", p.state(),
                    "release", p.kernel().release(), "flavour", p.kernel().flavour())));

            List<RolloutCensus.Rollout> all = rollouts.rollouts();
            long[] byStatus = new long[RolloutStatus.values().length];
            GaugeSnapshot.Builder waveHosts = GaugeSnapshot.builder().name("khp_rollout_hosts")
                    .help("Hosts of each wave of the running and halted rollouts, by state");
            GaugeSnapshot.Builder currentWave = GaugeSnapshot.builder().name("khp_rollout_current_wave")
                    .help("Index of the wave a running or halted rollout is at");
            GaugeSnapshot.Builder halted = GaugeSnapshot.builder().name("khp_rollout_halted")
                    .help("1 for each halted rollout");
            for (RolloutCensus.Rollout r : all) {
                byStatus[r.status().ordinal()]++;
                if (r.status() != RolloutStatus.RUNNING && r.status() != RolloutStatus.HALTED) {
                    continue;
                }
                currentWave.dataPoint(point(r.currentWave(), "patch", r.patchId(), "rollout", r.rolloutId()));
                if (r.status() == RolloutStatus.HALTED) {
                    halted.dataPoint(point(1, "patch", r.patchId(), "rollout", r.rolloutId()));
                }
                for (RolloutCensus.Wave w : r.waves()) {
                    for (Map.Entry<String, Integer> c : w.counts().entrySet()) {
                        waveHosts.dataPoint(point(c.getValue(), "patch", r.patchId(), "rollout", r.rolloutId(),
                                "wave", Integer.toString(w.index()), "state", c.getKey()));
                    }
                }
            }
            GaugeSnapshot.Builder rolloutsByStatus = GaugeSnapshot.builder().name("khp_rollouts")
                    .help("Rollouts by status");
            for (RolloutStatus s : RolloutStatus.values()) {
                if (s != RolloutStatus.UNKNOWN) {
                    rolloutsByStatus.dataPoint(point(byStatus[s.ordinal()], "status", s.name()));
                }
            }
            return MetricSnapshots.of(hosts.build(), drifted, patches.build(), rolloutsByStatus.build(), waveHosts.build(),
                    currentWave.build(), halted.build());
        }

        @Override
        public List<String> getPrometheusNames() {
            return List.of("khp_hosts", "khp_hosts_drifted", "khp_host_patches", "khp_rollouts", "khp_rollout_hosts",
                    "khp_rollout_current_wave", "khp_rollout_halted");
        }

        private static GaugeDataPointSnapshot point(double value, String... labels) {
            return GaugeDataPointSnapshot.builder().labels(Labels.of(labels)).value(value).build();
        }
    }
}
