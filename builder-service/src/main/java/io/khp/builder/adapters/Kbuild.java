package io.khp.builder.adapters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.khp.builder.core.BuildRefusal;
import io.khp.builder.core.ReasonCodes;
import io.khp.events.BuildStage;

/** The kernel's build system, run as processes: single objects in a tree, a module against headers. */
public final class Kbuild {

    public static final String COMPILER = "gcc-12";
    public static final String KCFLAGS = "-ffunction-sections -fdata-sections";

    /** For an object: whether kbuild compiled it for a module, and that module's name. */
    public record ObjectKind(boolean module, String moduleName) {
        public String objectName() {
            return module ? moduleName : "vmlinux";
        }
    }

    private static final Pattern MODNAME = Pattern.compile("-DKBUILD_MODNAME='\"([^\"]+)\"'");

    /** How long one compiler or kbuild run may take unless KHP_BUILDER_COMPILE_TIMEOUT says otherwise. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(20);

    private final int jobs;
    private final Path patchApiHeaders;
    private final Duration deadline;

    /**
     * {@code patchApiHeaders}: the directory holding khp/patch.h and the kpatch-compatible headers;
     * {@code deadline}: how long one make run (with its compilers) may take before it is killed.
     */
    public Kbuild(int jobs, Path patchApiHeaders, Duration deadline) {
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("the compile deadline must be positive, not " + deadline);
        }
        this.jobs = jobs;
        this.patchApiHeaders = patchApiHeaders;
        this.deadline = deadline;
    }

    /** KHP_BUILDER_COMPILE_TIMEOUT (seconds) as a deadline, the default when unset. */
    public static Duration deadlineFrom(String seconds) {
        if (seconds == null || seconds.isBlank()) {
            return DEFAULT_DEADLINE;
        }
        try {
            long s = Long.parseLong(seconds.strip());
            if (s > 0) {
                return Duration.ofSeconds(s);
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException("KHP_BUILDER_COMPILE_TIMEOUT must be a positive number of seconds, not '" + seconds + "'");
    }

    /** The refusal of a make run that went past its deadline: what ran, the deadline, the output so far. */
    public BuildRefusal pastDeadline(BuildStage stage, ProcessRunner.Outcome outcome, String what) {
        return BuildRefusal.of(stage, ReasonCodes.BUILD_TIMEOUT, what + " took longer than its deadline of "
                + deadline.toSeconds() + " s (KHP_BUILDER_COMPILE_TIMEOUT) and was killed with its compilers")
                .withCompilerOutput(outcome.tail(8000));
    }

    /**
     * Compiles {@code objects} (tree-relative .o paths) in {@code tree} as the target kernel's
     * build would. The flags are exactly those of the cached pre objects.
     */
    public ProcessRunner.Outcome compile(BuildSandbox.Jail jail, Path tree, String kernelRelease, List<String> objects) {
        return compile(jail, tree, kernelRelease, objects, KCFLAGS);
    }

    /**
     * Compiles patched sources: as {@link #compile}, with the patch API headers on the include
     * path ({@code #include <khp/patch.h>}, {@code "kpatch-macros.h"}). An extra {@code -I} of a
     * directory the kernel does not use changes no code.
     */
    public ProcessRunner.Outcome compilePatched(BuildSandbox.Jail jail, Path tree, String kernelRelease, List<String> objects) {
        String dir = patchApiHeaders.toAbsolutePath().toString();
        if (!Files.isRegularFile(patchApiHeaders.resolve("khp/patch.h")) || dir.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalStateException("the patch API headers are not usable at " + dir
                    + " (khp/patch.h missing, or whitespace in the path)");
        }
        return compile(jail, tree, kernelRelease, objects, KCFLAGS + " -I" + dir, patchApiHeaders);
    }

    private ProcessRunner.Outcome compile(BuildSandbox.Jail jail, Path tree, String kernelRelease, List<String> objects,
            String kcflags, Path... inputs) {
        List<String> cmd = new ArrayList<>(List.of("make", "-s", "-j" + jobs, "CC=" + COMPILER,
                "KERNELRELEASE=" + kernelRelease, "KCFLAGS=" + kcflags));
        cmd.addAll(objects);
        return jail.run(cmd, tree, Map.of(), deadline, inputs);
    }

    /** Reads kbuild's record of how {@code object} was compiled. */
    public static ObjectKind kindOf(Path tree, String object) throws IOException {
        Path o = tree.resolve(object);
        Path cmd = o.resolveSibling("." + o.getFileName() + ".cmd");
        String text = Files.readString(cmd, java.nio.charset.StandardCharsets.ISO_8859_1);
        String firstLine = text.lines().findFirst().orElse("");
        boolean module = firstLine.contains(" -DMODULE ") || firstLine.contains(" -DMODULE=");
        Matcher m = MODNAME.matcher(firstLine);
        String name = m.find() ? m.group(1).replace('-', '_') : null;
        return new ObjectKind(module, name);
    }

    /**
     * Builds the livepatch module in {@code moduleDir} (holding Kbuild and sources) against the
     * target's headers. modpost only warns about unresolved symbols: the .klp.sym.* symbols are
     * resolved by the livepatch core when the module loads, not by the module loader.
     */
    public ProcessRunner.Outcome buildModule(BuildSandbox.Jail jail, Path headers, Path moduleDir) {
        return jail.run(List.of("make", "-s", "-j" + jobs, "-C", headers.toString(), "M=" + moduleDir,
                "CC=" + COMPILER, "KBUILD_MODPOST_WARN=1", "modules"), moduleDir, Map.of(), deadline, headers);
    }

    /** gcc's version line, e.g. "gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0". */
    public static String compilerVersion() {
        return firstLine(List.of(COMPILER, "--version")).orElse(COMPILER);
    }

    public static Optional<String> binutilsVersion() {
        return firstLine(List.of("ld", "--version"));
    }

    private static Optional<String> firstLine(List<String> cmd) {
        ProcessRunner.Outcome o = ProcessRunner.run(cmd, null, Map.of(), Duration.ofSeconds(30));
        return o.ok() ? o.stdout().lines().findFirst() : Optional.empty();
    }
}
