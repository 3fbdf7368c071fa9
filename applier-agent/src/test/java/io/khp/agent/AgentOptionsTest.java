package io.khp.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

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
