package io.khp.agent.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.khp.agent.core.LivepatchState;
import io.khp.events.HostReported;
import io.khp.events.LockdownMode;

/**
 * The local backend against the real khp-helper binary over stdin/stdout, pointed at fixture
 * /proc and /sys trees (the helper's --proc/--sys roots), so that it runs without root or a Debian kernel.
 */
class HelperProcessBackendTest {

    static Path helper;

    @BeforeAll
    static void build() throws IOException, InterruptedException {
        Path root = Path.of("").toAbsolutePath().getParent();
        Process make = new ProcessBuilder("make", "-s", "-C", root.resolve("kmodule/helper").toString(), "all")
                .redirectErrorStream(true).start();
        String out = new String(make.getInputStream().readAllBytes());
        assertTrue(make.waitFor(300, TimeUnit.SECONDS) && make.exitValue() == 0, "building khp-helper failed:\n" + out);
        helper = root.resolve("kmodule/helper/build/khp-helper");
    }

    static Path fixture(Path dir) throws IOException {
        Path proc = dir.resolve("proc");
        Files.createDirectories(proc.resolve("sys/kernel/random"));
        Files.writeString(proc.resolve("sys/kernel/osrelease"), "6.1.0-99-cloud-amd64\n");
        Files.writeString(proc.resolve("sys/kernel/hostname"), "fixture-host\n");
        Files.writeString(proc.resolve("sys/kernel/random/boot_id"), "0b1c2d3e-0000-4000-8000-000000000001\n");
        Files.writeString(proc.resolve("version"), "Linux version 6.1.0-99-cloud-amd64 (debian-kernel@lists.debian.org)"
                + " #1 SMP PREEMPT_DYNAMIC Debian 6.1.999-1 (2026-11-01)\n");
        Files.writeString(proc.resolve("uptime"), "1234.56 789.00\n");
        Path lp = dir.resolve("sys/kernel/livepatch/khp_lp_one");
        Files.createDirectories(lp.resolve("vmlinux"));
        Files.writeString(lp.resolve("enabled"), "1\n");
        Files.writeString(lp.resolve("transition"), "0\n");
        Files.createDirectories(dir.resolve("dev"));
        return dir;
    }

    static HelperProcessBackend backend(Path dir) {
        return new HelperProcessBackend("local-1", helper, List.of("--proc", dir.resolve("proc").toString(),
                "--sys", dir.resolve("sys").toString(), "--dev", dir.resolve("dev").toString()), Duration.ofSeconds(20));
    }

    @Test
    void reportsTheKernelAndItsLivepatches(@TempDir Path dir) throws Exception {
        try (HelperProcessBackend b = backend(fixture(dir))) {
            HostReported r = b.report();
            assertEquals("6.1.0-99-cloud-amd64", r.getKernel().getRelease());
            assertEquals("cloud-amd64", r.getKernel().getFlavour());
            assertEquals("6.1.999-1", r.getKernel().getSourceVersion());
            assertEquals("fixture-host", r.getHostname());
            assertEquals(1234, r.getUptimeSeconds());
            assertEquals(LockdownMode.NONE, r.getLockdown());
            assertEquals(1, r.getLivepatches().size());
            assertEquals("khp_lp_one", r.getLivepatches().get(0).getName());
            assertTrue(r.getLivepatches().get(0).getEnabled());
            assertEquals(List.of("vmlinux"), r.getLivepatches().get(0).getObjects());
        }
    }

    @Test
    void statusAndDisableGoThroughSysfs(@TempDir Path dir) throws Exception {
        try (HelperProcessBackend b = backend(fixture(dir))) {
            assertEquals(LivepatchState.settled(true), b.status("khp_lp_one"));
            assertFalse(b.status("khp_not_there").present());
            b.disable("khp_lp_one");
            assertEquals("0", Files.readString(dir.resolve("sys/kernel/livepatch/khp_lp_one/enabled")).strip());
            BackendException missing = assertThrows(BackendException.class, () -> b.disable("khp_not_there"));
            assertEquals("NOT_FOUND", missing.code());
        }
    }

    @Test
    void signalAndForceWriteTheirSysfsAttributes(@TempDir Path dir) throws Exception {
        Path lp = fixture(dir).resolve("sys/kernel/livepatch/khp_lp_one");
        Files.writeString(lp.resolve("transition"), "1\n");
        Files.writeString(lp.resolve("signal"), "");
        Files.writeString(lp.resolve("force"), "");
        try (HelperProcessBackend b = backend(dir)) {
            assertTrue(b.signal("khp_lp_one"), "written to the signal attribute");
            assertEquals("1", Files.readString(lp.resolve("signal")));
            assertEquals("", Files.readString(lp.resolve("force")));
            b.force("khp_lp_one");
            assertEquals("1", Files.readString(lp.resolve("force")));
            assertEquals("1\n", Files.readString(lp.resolve("enabled")));

            // Linux 6.1 has no signal attribute: the kernel signals by itself, the helper writes nothing
            Files.delete(lp.resolve("signal"));
            assertFalse(b.signal("khp_lp_one"));
            assertFalse(Files.exists(lp.resolve("signal")));

            assertEquals("NOT_FOUND", assertThrows(BackendException.class, () -> b.signal("khp_not_there")).code());
            assertEquals("NOT_FOUND", assertThrows(BackendException.class, () -> b.force("khp_not_there")).code());
        }
    }

    @Test
    void errorsKeepTheirCodeAndTheHelperKeepsServing(@TempDir Path dir) throws Exception {
        try (HelperProcessBackend b = backend(fixture(dir))) {
            BackendException bad = assertThrows(BackendException.class, () -> b.load("khp_lp_one", "not an ELF".getBytes()));
            assertFalse(bad.transport(), bad.getMessage());
            // no transition running: the kernel would refuse the signal, and the helper does likewise
            BackendException signal = assertThrows(BackendException.class, () -> b.signal("khp_lp_one"));
            assertEquals("EINVAL", signal.code());
            assertEquals(LivepatchState.settled(true), b.status("khp_lp_one"));
        }
    }

    @Test
    void aHelperThatIsGoneIsATransportError(@TempDir Path dir) throws Exception {
        HelperProcessBackend b = new HelperProcessBackend("local-2", Path.of("/bin/true"), List.of(), Duration.ofSeconds(5));
        BackendException e = assertThrows(BackendException.class, b::report);
        assertTrue(e.transport(), e.getMessage());
        b.close();
    }

    @Test
    void aHelperThatHangsIsKilledAtTheDeadlineAndTheNextCallStartsAfresh(@TempDir Path dir) throws Exception {
        fixture(dir);
        // a helper that hangs the first time it runs (records its pid, then sleeps), and is the real one after
        Path pid = dir.resolve("hung.pid");
        Path script = dir.resolve("hanging-helper");
        Files.writeString(script, "#!/bin/sh\n"
                + "if [ ! -e " + pid + " ]; then echo $$ > " + pid + "; exec sleep 600; fi\n"
                + "exec " + helper + " \"$@\"\n");
        script.toFile().setExecutable(true);
        try (HelperProcessBackend b = new HelperProcessBackend("local-3", script, List.of("--proc", dir.resolve("proc").toString(),
                "--sys", dir.resolve("sys").toString(), "--dev", dir.resolve("dev").toString()), Duration.ofMillis(1500))) {
            long started = System.nanoTime();
            BackendException e = assertThrows(BackendException.class, b::report);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(e.deadline(), e.getMessage());
            assertFalse(e.transport());
            assertTrue(e.getMessage().contains("within its deadline of 1500 ms; the helper was killed"), e.getMessage());
            assertTrue(tookMs >= 1500 && tookMs < 10_000, "failed after " + tookMs + " ms");
            long hung = Long.parseLong(Files.readString(pid).strip());
            assertFalse(ProcessHandle.of(hung).map(ProcessHandle::isAlive).orElse(false), "the hung helper was killed");
            assertEquals("6.1.0-99-cloud-amd64", b.report().getKernel().getRelease(), "a fresh helper answers the next call");
        }
    }
}
