package io.khp.builder.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.khp.builder.core.BuildRefusal;
import io.khp.builder.core.ReasonCodes;
import io.khp.events.BuildStage;

/** A make run that hangs (a real make whose recipe sleeps) is killed at the deadline, with what it started. */
class KbuildDeadlineTest {

    @Test
    void aCompileThatHangsIsKilledAtItsDeadlineAndRefusedWithTheReason(@TempDir Path tree) throws Exception {
        Path pid = tree.resolve("compiler.pid");
        // the "compiler" records its pid and hangs, as a gcc stuck on a pathological input would
        Files.writeString(tree.resolve("Makefile"), "%.o:\n\techo $$$$ > " + pid + "; exec sleep 600\n");
        Kbuild kbuild = new Kbuild(1, tree, Duration.ofSeconds(2));

        ProcessRunner.Outcome outcome = kbuild.compile(tree, "6.1.0-0-amd64", List.of("fs/hang.o"));

        assertTrue(outcome.timedOut());
        assertFalse(outcome.ok());
        assertTrue(outcome.elapsedMs() >= 2000 && outcome.elapsedMs() < 15_000, "killed after " + outcome.elapsedMs() + " ms");
        long compiler = Long.parseLong(Files.readString(pid).strip());
        assertFalse(ProcessHandle.of(compiler).map(ProcessHandle::isAlive).orElse(false), "the hung compiler was killed with make");
        BuildRefusal refusal = kbuild.pastDeadline(BuildStage.COMPILE, outcome, "compiling the patched source");
        assertEquals(ReasonCodes.BUILD_TIMEOUT, refusal.reasonCode());
        assertEquals(BuildStage.COMPILE, refusal.stage());
        assertTrue(refusal.reason().contains("compiling the patched source took longer than its deadline of 2 s"), refusal.reason());
        assertEquals(ReasonCodes.BUILD_TIMEOUT, refusal.toEvent().getReasonCode());
    }

    @Test
    void theDeadlineComesFromTheEnvironmentInSeconds() {
        assertEquals(Kbuild.DEFAULT_DEADLINE, Kbuild.deadlineFrom(null));
        assertEquals(Duration.ofSeconds(90), Kbuild.deadlineFrom("90"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Kbuild.deadlineFrom("0")).getMessage()
                .contains("KHP_BUILDER_COMPILE_TIMEOUT"));
        assertThrows(IllegalArgumentException.class, () -> Kbuild.deadlineFrom("ten"));
    }
}
