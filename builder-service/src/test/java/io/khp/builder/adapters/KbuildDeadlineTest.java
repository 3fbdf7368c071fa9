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
        // the "compiler" says it started and hangs, as a gcc stuck on a pathological input would;
        // its sleep argument is unique, so it can be looked for among the machine's processes
        String marker = "600." + ProcessHandle.current().pid();
        Files.writeString(tree.resolve("Makefile"), "%.o:\n\ttouch started; exec sleep " + marker + "\n");
        BuildSandbox sandbox = BuildSandbox.fromEnvironment(tree.resolve(".sandbox"), List.of());
        sandbox.handOver(tree);
        Kbuild kbuild = new Kbuild(1, tree, Duration.ofSeconds(2));

        ProcessRunner.Outcome outcome = kbuild.compile(sandbox.forBuild(tree, List.of()), tree, "6.1.0-0-amd64", List.of("fs/hang.o"));

        assertTrue(outcome.timedOut(), "exit " + outcome.exitCode() + ": " + outcome.tail(1000));
        assertFalse(outcome.ok());
        assertTrue(outcome.elapsedMs() >= 2000 && outcome.elapsedMs() < 15_000, "killed after " + outcome.elapsedMs() + " ms");
        assertTrue(Files.exists(tree.resolve("started")), "the compiler ran: " + outcome.tail(500));
        assertTrue(ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().orElse("").contains("sleep " + marker)),
                "the hung compiler was killed with make");
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
