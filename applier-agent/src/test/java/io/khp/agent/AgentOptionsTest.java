package io.khp.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentOptionsTest {

    @Test
    void vmHostsAndWaits() {
        AgentOptions o = AgentOptions.parse(new String[] {"--backend", "vm", "--host", "h1=/tmp/a.sock", "--host",
                "h2=/tmp/b.sock", "--first-wait", "1.5", "--second-wait", "2", "--max-attempts", "5", "--keys", "/k"});
        assertEquals(Map.of("h1", Path.of("/tmp/a.sock"), "h2", Path.of("/tmp/b.sock")), o.vmHosts());
        assertEquals(Duration.ofMillis(1500), o.settings().policy().firstWait());
        assertEquals(Duration.ofSeconds(2), o.settings().policy().secondWait());
        assertEquals(5, o.settings().policy().maxAttempts());
        assertEquals(Path.of("/k"), o.keys());
    }

    @Test
    void defaultsAreKpatchs() {
        AgentOptions o = AgentOptions.parse(new String[] {"--backend", "sim", "--sim-hosts", "3"});
        assertEquals(Duration.ofSeconds(15), o.settings().policy().firstWait());
        assertEquals(Duration.ofSeconds(60), o.settings().policy().secondWait());
        assertEquals(3, o.simHosts());
    }

    @Test
    void theLedgerApiComesFromTheOptionTheEnvironmentOrTheConfigFile(@TempDir Path dir) throws Exception {
        String[] sim = {"--backend", "sim", "--sim-hosts", "1"};
        Path config = dir.resolve("config.properties");
        Map<String, String> noConfig = Map.of("KHP_CONFIG", dir.resolve("absent").toString());
        assertEquals(URI.create("http://127.0.0.1:8083"), AgentOptions.parse(sim, noConfig).settings().ledgerApi());
        Files.writeString(config, "api=http://ledger.example:9000\n");
        Map<String, String> withConfig = Map.of("KHP_CONFIG", config.toString());
        assertEquals(URI.create("http://ledger.example:9000"), AgentOptions.parse(sim, withConfig).settings().ledgerApi());
        Map<String, String> withEnv = Map.of("KHP_CONFIG", config.toString(), "KHP_API", "http://10.0.0.5:8083");
        assertEquals(URI.create("http://10.0.0.5:8083"), AgentOptions.parse(sim, withEnv).settings().ledgerApi());
        AgentOptions o = AgentOptions.parse(new String[] {"--backend", "sim", "--sim-hosts", "1", "--api",
                "https://ledger:8443/khp", "--artifact-topic-wait", "2.5"}, withEnv);
        assertEquals(URI.create("https://ledger:8443/khp"), o.settings().ledgerApi());
        assertEquals(Duration.ofMillis(2500), o.settings().artifactTopicWait());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse(new String[] {"--backend",
                "sim", "--sim-hosts", "1", "--api", "ledger:8083"}, noConfig)).getMessage().contains("--api"));
    }

    @Test
    void badCommandLinesSayWhy() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse(new String[] {}))
                .getMessage().contains("--backend is required"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse(new String[] {"--backend", "local"})).getMessage().contains("--host-id"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse(new String[] {"--backend", "vm", "--host", "nosocket"})).getMessage()
                .contains("ID=SOCKET"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse(new String[] {"--backend", "sim", "--sim-hosts", "1", "--max-attempts", "0"}))
                .getMessage().contains("maxAttempts"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse(new String[] {"--bogus", "1"})).getMessage().contains("unknown option"));
    }
}
