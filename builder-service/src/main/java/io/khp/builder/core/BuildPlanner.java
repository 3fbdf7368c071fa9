package io.khp.builder.core;

import java.util.ArrayList;
import java.util.List;

import io.khp.events.BuildStage;

/**
 * Decides, from the diff alone, which kernel objects a build compiles and what it refuses before
 * touching a tree. A header change is refused (compiling every includer and diffing them all is
 * not supported); so are assembly, build-system changes and created or deleted files.
 */
public final class BuildPlanner {

    /** One C file the patch changes and the object kbuild makes from it. */
    public record CompileUnit(String sourcePath, String objectPath, UnifiedDiff.FilePatch patch) {
    }

    private BuildPlanner() {
    }

    public static List<CompileUnit> plan(UnifiedDiff diff) throws BuildRefusal.RefusedException {
        List<CompileUnit> units = new ArrayList<>();
        for (UnifiedDiff.FilePatch file : diff.files()) {
            String path = file.path();
            String name = path.substring(path.lastIndexOf('/') + 1);
            String firstHunk = file.hunks().isEmpty() ? null : file.hunks().get(0).header();
            if (path.endsWith(".S") || path.endsWith(".s")) {
                throw refuse(ReasonCodes.ASSEMBLY_CHANGED, "the patch changes assembly source " + path
                        + ": only C functions can be live-patched", path, firstHunk);
            }
            if (path.endsWith(".h")) {
                throw refuse(ReasonCodes.HEADER_CHANGED, "the patch changes header " + path
                        + ": header changes are refused (every object including it would have to be rebuilt and "
                        + "diffed; change the C files that use it instead)", path, firstHunk);
            }
            if (name.equals("Makefile") || name.equals("Kbuild") || name.startsWith("Kconfig") || name.endsWith(".mk")) {
                throw refuse(ReasonCodes.BUILD_SYSTEM_CHANGED, "the patch changes build file " + path
                        + ": build-system changes cannot be live-patched", path, firstHunk);
            }
            if (!path.endsWith(".c")) {
                continue; // documentation and other non-code files do not reach the kernel
            }
            if (file.created() || file.deleted()) {
                throw refuse(ReasonCodes.FILE_CREATED_OR_DELETED, "the patch " + (file.created() ? "creates " : "deletes ")
                        + path + ": only changes to existing C files can be live-patched", path, firstHunk);
            }
            if (!file.oldPath().equals(file.newPath())) {
                throw refuse(ReasonCodes.FILE_CREATED_OR_DELETED, "the patch renames " + file.oldPath() + " to "
                        + file.newPath(), path, firstHunk);
            }
            if (units.stream().anyMatch(u -> u.sourcePath().equals(path))) {
                throw refuse(ReasonCodes.MALFORMED_DIFF, "the diff patches " + path + " twice", path, null);
            }
            units.add(new CompileUnit(path, path.substring(0, path.length() - 2) + ".o", file));
        }
        if (units.isEmpty()) {
            throw new BuildRefusal.RefusedException(BuildRefusal.of(BuildStage.APPLY_PATCH, ReasonCodes.NO_C_FILE,
                    "the patch touches no C file (" + String.join(", ", diff.files().stream().map(UnifiedDiff.FilePatch::path).toList())
                            + "): nothing to live-patch"));
        }
        return List.copyOf(units);
    }

    private static BuildRefusal.RefusedException refuse(String code, String reason, String file, String hunk) {
        return new BuildRefusal.RefusedException(BuildRefusal.of(BuildStage.APPLY_PATCH, code, reason).withFile(file, hunk));
    }
}
