package io.khp.builder.adapters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.khp.builder.core.ObjectDiffReport;

/**
 * kmodule's object tool {@code klpdiff} (see kmodule/klpdiff/README.md), run once per touched
 * file: pre and post objects in, a livepatch-ready object and REPORT.json out.
 */
public final class ObjectDiffTool {

    /** What one run gave: the report (when written), the output object (when written) and the tool's status. */
    public record Run(Status status, ObjectDiffReport report, Path output, String diagnostics) {
    }

    public enum Status { CHANGED, REFUSED, NOTHING_CHANGED, ERROR }

    private final Path binary;
    private final Path khpHome;
    private final boolean inTree;
    private boolean made;

    public ObjectDiffTool(Path khpHome) {
        this.khpHome = khpHome;
        String env = System.getenv("KHP_KLPDIFF");
        this.inTree = env == null || env.isBlank();
        this.binary = inTree ? khpHome.resolve("kmodule/klpdiff/klpdiff") : Path.of(env);
    }

    /**
     * Brings the in-tree tool up to date with its sources once per process (make rebuilds only what
     * changed, so a binary left from another checkout is not used as is); a KHP_KLPDIFF binary is
     * used as given.
     */
    public synchronized void ensureBuilt() {
        if (made || (!inTree && Files.isExecutable(binary))) {
            return;
        }
        ProcessRunner.Outcome o = ProcessRunner.run(List.of("make", "-s", "-C", khpHome.resolve("kmodule/klpdiff").toString(), "all"),
                null, Map.of(), Duration.ofMinutes(5));
        if (!o.ok() || !Files.isExecutable(binary)) {
            throw new IllegalStateException("the object tool " + binary + " does not build: " + o.tail(2000));
        }
        made = true;
    }

    /**
     * After kbuild linked the module: turns the linkable klp relocations back into livepatch
     * relocation sections and SHN_LIVEPATCH symbols ({@code klpdiff --finalize}); ld -r cannot.
     */
    public ProcessRunner.Outcome finalizeModule(BuildSandbox.Jail jail, Path ko) {
        ensureBuilt();
        return jail.run(List.of(binary.toString(), "--finalize", ko.toString()), ko.getParent(), Map.of(),
                Duration.ofMinutes(2), binary);
    }

    /**
     * @param patchSymbols names that other parts of the livepatch define (new globals of other
     *        files): references to them stay normal relocations, linked inside the module
     */
    public Run diff(BuildSandbox.Jail jail, Path pre, Path post, String objectName, Path symvers, Path symposFile, Path patchSymbols,
            String sourceFile, Path outDir, String stem) throws IOException {
        ensureBuilt();
        Path out = outDir.resolve(stem + ".o");
        Path report = outDir.resolve(stem + ".json");
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--pre", pre.toString(), "--post", post.toString(),
                "--object", objectName, "--symvers", symvers.toString(), "--out", out.toString(), "--report", report.toString(),
                "--source-file", sourceFile, "--linkable"));
        if (symposFile != null) {
            cmd.add("--sympos");
            cmd.add(symposFile.toString());
        }
        if (patchSymbols != null) {
            cmd.add("--patch-symbols");
            cmd.add(patchSymbols.toString());
        }
        ProcessRunner.Outcome o = jail.run(cmd, outDir, Map.of(), Duration.ofMinutes(5), binary, symvers);
        Status status = switch (o.exitCode()) {
            case 0 -> Status.CHANGED;
            case 3 -> Status.REFUSED;
            case 4 -> Status.NOTHING_CHANGED;
            default -> Status.ERROR;
        };
        if (o.timedOut()) {
            status = Status.ERROR;
        }
        ObjectDiffReport parsed = null;
        if (status != Status.ERROR) {
            if (!Files.isRegularFile(report)) {
                return new Run(Status.ERROR, null, null, "klpdiff exited " + o.exitCode() + " without writing its report: " + o.tail(2000));
            }
            parsed = ObjectDiffReport.parse(Files.readAllBytes(report));
        }
        if (status == Status.CHANGED && !Files.isRegularFile(out)) {
            return new Run(Status.ERROR, parsed, null, "klpdiff exited 0 without writing " + out);
        }
        return new Run(status, parsed, status == Status.CHANGED ? out : null, o.tail(4000));
    }
}
