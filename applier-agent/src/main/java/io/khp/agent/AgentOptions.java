package io.khp.agent;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.khp.agent.core.ApplyPolicy;
import io.khp.bus.ConfigFiles;
import io.khp.bus.SigningKeys;

/**
 * The agent's command line:
 * <pre>
 * --backend local --host-id ID [--helper PATH] [--helper-arg ARG]…
 * --backend vm --host ID=SOCKET …
 * --backend sim --sim-hosts N [--sim-prefix P] [--sim-fixture FILE] [--sim-median-ms MS]
 *               [--sim-stall-probability P] [--sim-seed S]
 * common: --keys DIR  --first-wait S  --second-wait S  --max-attempts N  --backoff S
 *         --verify-timeout S  --heartbeat S  --poll-ms MS  --threads N  --name NAME
 *         --api URL  --artifact-topic-wait S
 * </pre>
 */
public record AgentOptions(
        String backend,
        String name,
        String localHostId,
        Path helper,
        List<String> helperArgs,
        Map<String, Path> vmHosts,
        int simHosts,
        String simPrefix,
        Path simFixture,
        long simMedianMs,
        double simStallProbability,
        long simSeed,
        Path keys,
        AgentSettings settings,
        int threads) {

    public static final String USAGE = """
            usage: khp agent --backend local|vm|sim [options]
              local: --host-id ID [--helper PATH (default kmodule/helper/build/khp-helper)] [--helper-arg ARG]...
              vm:    --host ID=SOCKET ...   (sockets: `khp fleet list`)
              sim:   --sim-hosts N [--sim-prefix sim] [--sim-fixture FILE] [--sim-median-ms 2000]
                     [--sim-stall-probability 0.0] [--sim-seed 1]
              common: --keys DIR (trusted keys; default $KHP_KEYS or ~/.config/khp/keys)
                      --first-wait S (15) --second-wait S (60) --max-attempts N (3) --backoff S (10)
                      --verify-timeout S (600) --heartbeat S (60) --poll-ms MS (1000) --threads N (4)
                      --name NAME (agent instance name)
                      --api URL (ledger HTTP API, for artifacts not on khp.artifacts; default $KHP_API,
                        else `api` of $KHP_CONFIG or ~/.config/khp/config.properties, else http://127.0.0.1:8083)
                      --artifact-topic-wait S (10: how long an artifact may be missing from khp.artifacts
                        before it is fetched from the ledger API)
            env: KHP_BOOTSTRAP (default 127.0.0.1:9092), KHP_KAFKA_PROPERTIES, KHP_API, KHP_CONFIG""";

    public static AgentOptions parse(String[] args) {
        return parse(args, System.getenv());
    }

    public static AgentOptions parse(String[] args, Map<String, String> env) {
        String backend = null;
        URI api = null;
        Duration artifactTopicWait = AgentSettings.defaults().artifactTopicWait();
        String name = null;
        String hostId = null;
        Path helper = Path.of(System.getenv().getOrDefault("KHP_HOME", "."), "kmodule/helper/build/khp-helper");
        List<String> helperArgs = new ArrayList<>();
        Map<String, Path> vm = new LinkedHashMap<>();
        int simHosts = 0;
        String simPrefix = "sim";
        Path fixture = null;
        long median = 2000;
        double stall = 0;
        long seed = 1;
        Path keys = SigningKeys.defaultDirectory();
        ApplyPolicy p = ApplyPolicy.defaults();
        Duration first = p.firstWait();
        Duration second = p.secondWait();
        int attempts = p.maxAttempts();
        Duration backoff = p.backoff();
        Duration verify = p.verifyTimeout();
        Duration heartbeat = Duration.ofSeconds(60);
        Duration poll = p.pollInterval();
        int threads = 4;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                throw new IllegalArgumentException(USAGE);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + a + " needs a value\n" + USAGE);
            }
            String v = args[++i];
            switch (a) {
                case "--backend" -> backend = v;
                case "--name" -> name = v;
                case "--host-id" -> hostId = v;
                case "--helper" -> helper = Path.of(v);
                case "--helper-arg" -> helperArgs.add(v);
                case "--host" -> {
                    int eq = v.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--host wants ID=SOCKET, got " + v);
                    }
                    vm.put(v.substring(0, eq), Path.of(v.substring(eq + 1)));
                }
                case "--sim-hosts" -> simHosts = Integer.parseInt(v);
                case "--sim-prefix" -> simPrefix = v;
                case "--sim-fixture" -> fixture = Path.of(v);
                case "--sim-median-ms" -> median = Long.parseLong(v);
                case "--sim-stall-probability" -> stall = Double.parseDouble(v);
                case "--sim-seed" -> seed = Long.parseLong(v);
                case "--keys" -> keys = Path.of(v);
                case "--first-wait" -> first = seconds(v);
                case "--second-wait" -> second = seconds(v);
                case "--max-attempts" -> attempts = Integer.parseInt(v);
                case "--backoff" -> backoff = seconds(v);
                case "--verify-timeout" -> verify = seconds(v);
                case "--heartbeat" -> heartbeat = seconds(v);
                case "--poll-ms" -> poll = Duration.ofMillis(Long.parseLong(v));
                case "--threads" -> threads = Integer.parseInt(v);
                case "--api" -> api = ledgerApi(v, "--api");
                case "--artifact-topic-wait" -> artifactTopicWait = seconds(v);
                default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
            }
        }
        if (backend == null) {
            throw new IllegalArgumentException("--backend is required\n" + USAGE);
        }
        switch (backend) {
            case "local" -> {
                if (hostId == null) {
                    throw new IllegalArgumentException("--backend local needs --host-id");
                }
            }
            case "vm" -> {
                if (vm.isEmpty()) {
                    throw new IllegalArgumentException("--backend vm needs at least one --host ID=SOCKET");
                }
            }
            case "sim" -> {
                if (simHosts < 1) {
                    throw new IllegalArgumentException("--backend sim needs --sim-hosts N (N >= 1)");
                }
            }
            default -> throw new IllegalArgumentException("unknown backend " + backend + " (local, vm or sim)");
        }
        ApplyPolicy policy = p.withWaits(first, second).withVerifyTimeout(verify)
                .withRetries(attempts, backoff, p.busyBackoff())
                .withPolling(poll, p.artifactRetry(), p.artifactTimeout(), p.reverseTimeout());
        AgentSettings settings = AgentSettings.defaults().withPolicy(policy).withHeartbeat(heartbeat)
                .withLedger(api != null ? api : configuredLedgerApi(env), artifactTopicWait);
        String instance = name != null ? name : switch (backend) {
            case "local" -> hostId;
            case "vm" -> "vm-" + String.join("+", vm.keySet());
            default -> simPrefix + "-x" + simHosts;
        };
        return new AgentOptions(backend, instance, hostId, helper, List.copyOf(helperArgs), Map.copyOf(vm), simHosts,
                simPrefix, fixture, median, stall, seed, keys, settings, threads);
    }

    /** $KHP_API, else {@code api} of the operator configuration file (like `khp`'s), else the default. */
    static URI configuredLedgerApi(Map<String, String> env) {
        String fromEnv = env.get("KHP_API");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return ledgerApi(fromEnv.strip(), "KHP_API");
        }
        String api = ConfigFiles.operatorConfig(env).get("api");
        if (api != null && !api.isBlank()) {
            return ledgerApi(api, "api in " + ConfigFiles.operatorConfigPath(env));
        }
        return AgentSettings.DEFAULT_LEDGER_API;
    }

    private static URI ledgerApi(String v, String what) {
        try {
            URI uri = new URI(v);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new URISyntaxException(v, "not an http(s) URL with a host");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(what + ": bad ledger API URL " + v + " (" + e.getReason() + ")");
        }
    }

    private static Duration seconds(String v) {
        return Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
    }
}
