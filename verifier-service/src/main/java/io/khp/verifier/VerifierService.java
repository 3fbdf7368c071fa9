package io.khp.verifier;

import java.time.Clock;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.khp.bus.ClientSettings;
import io.khp.bus.Service;
import io.khp.bus.ServiceLauncher;
import io.khp.bus.ServiceMetrics;
import io.khp.bus.SigningKeys;
import io.khp.verifier.match.RunPreMatcher;

/** Verifier: run-pre matching of patched functions against each host's running kernel. */
public final class VerifierService implements Service {

    private static final Logger LOG = LoggerFactory.getLogger(VerifierService.class);
    /** Capture event ids remembered as answered. */
    private static final int ANSWERED_MEMORY = 100_000;

    private final VerifierSettings settings;
    private final Clock clock;
    private final VerifierMetrics metrics = new VerifierMetrics(this::waitingCaptures, this::cacheHits);
    private volatile VerifierWorker worker;
    private Thread thread;

    public VerifierService(VerifierSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    public static void main(String[] args) {
        ServiceLauncher.run(new VerifierService(VerifierSettings.fromEnvironment(), Clock.systemUTC()));
    }

    @Override
    public String name() {
        return "verifier-service";
    }

    @Override
    public synchronized void start(ClientSettings client) {
        var keys = SigningKeys.trustedKeys(settings.trustedKeys());
        if (keys.isEmpty()) {
            LOG.warn("no trusted keys in {}: every manifest will be answered UNSUPPORTED (untrusted)", settings.trustedKeys());
        }
        RunPreVerifier verifier = new RunPreVerifier(new ManifestReader(keys), new RunPreMatcher(),
                new VerdictCache(settings.cacheSize()), settings.manifestWait(), ANSWERED_MEMORY);
        worker = new VerifierWorker(name(), client, settings.groupId(), verifier, clock, metrics);
        thread = new Thread(worker, name() + "-worker");
        thread.start();
    }

    @Override
    public Optional<ServiceMetrics> metrics() {
        return Optional.of(metrics.service);
    }

    /** Verdicts reused from the cache so far. */
    public long cacheHits() {
        return worker == null ? 0 : worker.cacheHits();
    }

    /** Captures waiting for their patch's manifest. */
    public int waitingCaptures() {
        return worker == null ? 0 : worker.waitingCaptures();
    }

    @Override
    public synchronized void stop() {
        if (worker == null) {
            return;
        }
        worker.close();
        metrics.lag.clear();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        worker = null;
    }
}
