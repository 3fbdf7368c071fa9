package io.khp.ledger.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.sun.net.httpserver.HttpServer;

import io.khp.bus.AvroRecordSerde;
import io.khp.ledger.LedgerMetrics;
import io.khp.ledger.streams.GlobalStoreUpdater;
import io.khp.state.HostKernel;
import io.khp.state.HostPatch;
import io.khp.state.HostState;
import io.khp.state.PatchState;
import io.khp.state.PatchStatus;
import io.khp.state.RolloutState;
import io.khp.state.RolloutStatus;
import io.khp.state.RolloutWave;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;

/**
 * `khp bench metrics`: the time of a scrape of the ledger's {@code /metrics} (over HTTP, the JDK
 * server and the Prometheus client's handler, as the ledger serves it) for a fleet of N simulated
 * hosts, and what keeping the fleet census costs per host state change. Host states go through the
 * same listener as the ledger's global store (decode, then count). The fleet: 4 kernels, 6 patches,
 * each host with 3 of them in states spread over every PatchStatus, 2 % of hosts drifted, and one
 * running rollout of 3 waves per patch. Args: [hosts…] (default 10000 100000).
 */
public final class MetricsBenchmark {

    private static final AvroRecordSerde<HostState> HOST = new AvroRecordSerde<>(HostState.class);
    private static final AvroRecordSerde<PatchState> PATCH = new AvroRecordSerde<>(PatchState.class);
    private static final int PATCHES = 6;
    private static final int WARMUP_SCRAPES = 30;
    private static final int SCRAPES = 100;

    public static void main(String[] args) throws Exception {
        // as the ledger runs its API (LedgerApp): a reply's header and body would otherwise wait out a delayed ACK
        System.setProperty("sun.net.httpserver.nodelay", "true");
        List<Integer> fleets = new ArrayList<>();
        for (String a : args) {
            fleets.add(Integer.parseInt(a));
        }
        if (fleets.isEmpty()) {
            fleets.addAll(List.of(10_000, 100_000));
        }
        for (int hosts : fleets) {
            run(hosts);
        }
    }

    private static void run(int hosts) throws Exception {
        LedgerMetrics metrics = new LedgerMetrics();
        GlobalStoreUpdater.Listener<byte[]> fleet = metrics.observers().fleetListener();
        List<byte[]> first = new ArrayList<>(hosts);
        List<byte[]> second = new ArrayList<>(hosts);
        List<String> ids = new ArrayList<>(hosts);
        for (int i = 0; i < hosts; i++) {
            ids.add("host-" + i);
            first.add(HOST.encode(host(i, 0)));
            second.add(HOST.encode(host(i, 1)));
        }
        for (int i = 0; i < hosts; i++) {
            fleet.changed(ids.get(i), first.get(i));
        }
        // every host changes again and again (a patch moves on): the census takes the old counts off
        int rounds = 10;
        long start = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
            List<byte[]> states = r % 2 == 0 ? second : first;
            for (int i = 0; i < hosts; i++) {
                fleet.changed(ids.get(i), states.get(i));
            }
        }
        double updateNs = (System.nanoTime() - start) / ((double) rounds * hosts);
        long decodeStart = System.nanoTime();
        long sink = 0;
        for (int r = 0; r < rounds; r++) {
            List<byte[]> states = r % 2 == 0 ? second : first;
            for (int i = 0; i < hosts; i++) {
                sink += HOST.decode(states.get(i)).getPatches().size();
            }
        }
        double decodeNs = (System.nanoTime() - decodeStart) / ((double) rounds * hosts);
        if (sink == 42) {
            System.out.println();
        }
        GlobalStoreUpdater.Listener<byte[]> catalog = metrics.observers().catalogListener();
        for (int p = 0; p < PATCHES; p++) {
            catalog.changed("patch-" + p, PATCH.encode(patch(p, hosts)));
        }

        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/metrics", new MetricsHandler(metrics.registry()));
        server.start();
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/metrics"))
                    .header("Accept", "text/plain; version=0.0.4").GET().build();
            int bytes = 0;
            long series = 0;
            for (int i = 0; i < WARMUP_SCRAPES; i++) {
                client.send(scrape, HttpResponse.BodyHandlers.ofByteArray());
            }
            double[] ms = new double[SCRAPES];
            for (int i = 0; i < SCRAPES; i++) {
                long t = System.nanoTime();
                HttpResponse<byte[]> r = client.send(scrape, HttpResponse.BodyHandlers.ofByteArray());
                ms[i] = (System.nanoTime() - t) / 1e6;
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("scrape answered " + r.statusCode());
                }
                bytes = r.body().length;
                series = new String(r.body(), java.nio.charset.StandardCharsets.UTF_8).lines()
                        .filter(l -> !l.isEmpty() && !l.startsWith("#")).count();
            }
            Arrays.sort(ms);
            System.out.printf(Locale.ROOT, "%,d hosts: scrape median %.2f ms, p99 %.2f ms, max %.2f ms (%d scrapes, %,d series, %,d bytes);"
                    + " census %,.0f ns per host state change, of which decoding the state %,.0f ns%n", hosts, ms[SCRAPES / 2],
                    ms[(int) Math.ceil(SCRAPES * 0.99) - 1], ms[SCRAPES - 1], SCRAPES, series, bytes, updateNs, decodeNs);
            System.out.printf(Locale.ROOT, "scrape_p99_ms %d %.2f%n", hosts, ms[(int) Math.ceil(SCRAPES * 0.99) - 1]);
        } finally {
            server.stop(0);
        }
    }

    private static HostState host(int i, int round) {
        int kernel = i % 4;
        PatchStatus[] states = PatchStatus.values();
        List<HostPatch> patches = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            int patch = (i + k) % PATCHES;
            patches.add(HostPatch.newBuilder().setPatchId("patch-" + patch)
                    .setState(states[1 + (i / 7 + k + round) % (states.length - 1)]).setAttempts(1).setUpdatedAt(i).build());
        }
        return HostState.newBuilder().setHostId("host-" + i).setHostname("host-" + i)
                .setKernel(HostKernel.newBuilder().setRelease("6.1.0-" + (20 + kernel) + (kernel % 2 == 0 ? "-amd64" : "-cloud-amd64"))
                        .setFlavour(kernel % 2 == 0 ? "amd64" : "cloud-amd64").build())
                .setLastSeen((long) i).setDrift(i % 50 == 0).setPatches(patches).setVersion(round + 1L).build();
    }

    private static PatchState patch(int p, int hosts) {
        List<RolloutWave> waves = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            waves.add(RolloutWave.newBuilder().setIndex(w).setSize(hosts / 3)
                    .setCounts(Map.of("APPLIED", hosts / 6, "REQUESTED", hosts / 12, "FAILED", 3)).build());
        }
        return PatchState.newBuilder().setPatchId("patch-" + p).setRollouts(List.of(RolloutState.newBuilder()
                .setRolloutId("rollout-" + p).setPatchId("patch-" + p).setStatus(p == 0 ? RolloutStatus.HALTED : RolloutStatus.RUNNING)
                .setCurrentWave(1).setWaves(waves).setTargeted(hosts).setSelector("all").setRequestedAt(0L).build())).build();
    }
}
