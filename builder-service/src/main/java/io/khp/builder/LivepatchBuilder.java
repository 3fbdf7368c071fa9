package io.khp.builder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.khp.builder.adapters.BuildSandbox;
import io.khp.builder.adapters.Kbuild;
import io.khp.builder.adapters.KernelPackages;
import io.khp.builder.adapters.KernelTreeCache;
import io.khp.builder.adapters.ModuleElf;
import io.khp.builder.adapters.ObjectDiffTool;
import io.khp.builder.adapters.ProcessRunner;
import io.khp.builder.adapters.ScratchTree;
import io.khp.builder.adapters.TargetSymbols;
import io.khp.builder.core.AppliedHunks;
import io.khp.builder.core.BuildPlanner;
import io.khp.builder.core.BuildRefusal;
import io.khp.builder.core.LivepatchGlue;
import io.khp.builder.core.Manifest;
import io.khp.builder.core.ModuleLoadCheck;
import io.khp.builder.core.ModuleNames;
import io.khp.builder.core.ObjectDiffReport;
import io.khp.builder.core.PatchApplier;
import io.khp.builder.core.ReasonCodes;
import io.khp.builder.core.SymbolVersions;
import io.khp.builder.core.SymposResolver;
import io.khp.builder.core.UnifiedDiff;
import io.khp.bus.ArtifactSignature;
import io.khp.events.AppliedHunk;
import io.khp.events.BuildStage;
import io.khp.events.KernelIdentity;
import io.khp.events.PatchedFunction;
import io.khp.events.Toolchain;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One build, stage by stage: plan the diff, prepare (or reuse) the kernel tree, apply the patch
 * in a scratch copy, compile the touched files before and after, diff them with the object tool,
 * generate the livepatch glue and build the module with kbuild against the target's headers.
 * Refusals come out as {@link BuildRefusal.RefusedException} with the stage and precise reason.
 */
public final class LivepatchBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(LivepatchBuilder.class);

    /** What to build. */
    public record Request(String patchName, String description, String diff, String flavour, String release, boolean atomicReplace) {
    }

    /** An unsigned module and everything PatchBuilt says about it. */
    public record Built(String moduleName, byte[] module, List<PatchedFunction> functions, List<String> newFunctions,
            KernelIdentity target, Toolchain toolchain, String diffSha256, List<AppliedHunk> appliedHunks) {
    }

    /** Told when each stage starts and finishes. */
    @FunctionalInterface
    public interface Progress {
        void stage(BuildStage stage, boolean finished, long elapsedMs, String detail);
    }

    private final KernelPackages packages;
    private final KernelTreeCache trees;
    private final TargetSymbols symbols;
    private final ObjectDiffTool objectTool;
    private final Kbuild kbuild;
    private final Path workRoot;
    private final Path objectCache;
    private final BuildSandbox sandbox;

    public LivepatchBuilder(KernelPackages packages, KernelTreeCache trees, TargetSymbols symbols, ObjectDiffTool objectTool,
            Kbuild kbuild, Path workRoot, Path objectCache, BuildSandbox sandbox) {
        this.packages = packages;
        this.trees = trees;
        this.symbols = symbols;
        this.objectTool = objectTool;
        this.kbuild = kbuild;
        this.workRoot = workRoot;
        this.objectCache = objectCache;
        this.sandbox = sandbox;
    }

    public Built build(Request request, Progress progress) throws BuildRefusal.RefusedException, IOException {
        Files.createDirectories(workRoot);
        Path work = Files.createTempDirectory(workRoot, "build-");
        // the sandboxed build (nobody, when the builder is root) reads the builder's files here but
        // writes only the directories handed over to it
        Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        try {
            return build(request, progress, work);
        } finally {
            deleteTree(work);
        }
    }

    private Built build(Request request, Progress progress, Path work) throws BuildRefusal.RefusedException, IOException {
        Stage stage = new Stage(progress);

        stage.start(BuildStage.REQUEST, "planning " + request.patchName());
        // Sources are handled as bytes-as-characters: see ScratchTree#read.
        String diffView = new String(request.diff().getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        UnifiedDiff diff;
        try {
            diff = UnifiedDiff.parse(diffView);
        } catch (UnifiedDiff.MalformedDiffException e) {
            throw new BuildRefusal.RefusedException(BuildRefusal.of(BuildStage.REQUEST, ReasonCodes.MALFORMED_DIFF, e.getMessage()));
        }
        List<BuildPlanner.CompileUnit> units = BuildPlanner.plan(diff);
        KernelPackages.Flavour flavour;
        try {
            flavour = packages.flavour(request.flavour());
        } catch (RuntimeException e) {
            throw new BuildRefusal.RefusedException(BuildRefusal.of(BuildStage.REQUEST, ReasonCodes.UNSUPPORTED_TARGET,
                    "no Debian kernel packages for flavour " + request.flavour() + ": " + e.getMessage()));
        }
        if (!flavour.release().equals(request.release())) {
            throw new BuildRefusal.RefusedException(BuildRefusal.of(BuildStage.REQUEST, ReasonCodes.UNSUPPORTED_TARGET,
                    "target kernel " + request.release() + " is not the packaged " + flavour.name() + " kernel "
                            + flavour.release() + " (" + flavour.version() + "): its source is not available"));
        }
        String moduleName = ModuleNames.forPatch(request.patchName());
        Optional<String> noSandbox = sandbox.unavailable();
        if (noSandbox.isPresent()) {
            throw new BuildRefusal.RefusedException(BuildRefusal.of(BuildStage.REQUEST, ReasonCodes.SANDBOX_UNAVAILABLE, noSandbox.get()));
        }
        if (!sandbox.enabled()) {
            LOG.error("building {} WITHOUT a sandbox ({}={})", request.patchName(), BuildSandbox.OVERRIDE_VARIABLE,
                    BuildSandbox.OVERRIDE_VALUE);
        }
        stage.finish(units.size() + " C file(s): " + String.join(", ", units.stream().map(BuildPlanner.CompileUnit::sourcePath).toList())
                + (sandbox.enabled() ? "" : "; UNSANDBOXED (" + BuildSandbox.OVERRIDE_VARIABLE + "=" + BuildSandbox.OVERRIDE_VALUE + ")"));

        stage.start(BuildStage.PREPARE_TREE, flavour.release());
        Path tree = trees.tree(flavour.name());
        stage.finish(tree.getFileName().toString());

        stage.start(BuildStage.APPLY_PATCH, null);
        BuildSandbox.Jail jail = sandbox.forBuild(work, List.of(tree, flavour.headers()));
        try (ScratchTree scratch = ScratchTree.of(tree, work, sandbox)) {
            Map<BuildPlanner.CompileUnit, String> patched = new LinkedHashMap<>();
            List<AppliedHunk> hunks = new ArrayList<>();
            for (BuildPlanner.CompileUnit unit : units) {
                if (!scratch.exists(unit.sourcePath())) {
                    throw new BuildRefusal.RefusedException(BuildRefusal.of(BuildStage.APPLY_PATCH, ReasonCodes.FILE_NOT_IN_TREE,
                            unit.sourcePath() + " does not exist in the " + flavour.version() + " source")
                            .withFile(unit.sourcePath(), null));
                }
                PatchApplier.Result r = PatchApplier.apply(scratch.read(unit.sourcePath()), unit.patch());
                if (!r.applied()) {
                    PatchApplier.Refusal refused = r.refusal();
                    throw new BuildRefusal.RefusedException(BuildRefusal.of(BuildStage.APPLY_PATCH, ReasonCodes.PATCH_DOES_NOT_APPLY,
                            utf8(unit.sourcePath() + ": hunk " + refused.hunk() + " (" + refused.text().header()
                                    + ") does not apply to the " + flavour.version() + " source: " + refused.reason()))
                            .withFile(unit.sourcePath(), utf8(refused.text().header() + "\n" + String.join("\n", refused.text().lines()))));
                }
                patched.put(unit, r.text());
                for (PatchApplier.Placement p : r.placements()) {
                    hunks.add(AppliedHunk.newBuilder().setFile(unit.sourcePath()).setHunk(p.hunk()).setLine(p.line())
                            .setOffset(p.offset()).setFuzz(p.fuzz()).build());
                }
            }
            stage.finish(AppliedHunks.summary(units.size(), hunks));

            stage.start(BuildStage.COMPILE, null);
            Path preDir = Files.createDirectories(work.resolve("pre"));
            Path postDir = Files.createDirectories(work.resolve("post"));
            Path cacheDir = objectCache.resolve(tree.getFileName().toString()).resolve(flavour.release());
            Map<BuildPlanner.CompileUnit, Kbuild.ObjectKind> kinds = compilePre(jail, scratch, units, flavour, cacheDir, preDir);
            for (var e : patched.entrySet()) {
                scratch.write(e.getKey().sourcePath(), e.getValue());
                scratch.removeOutputs(e.getKey().objectPath());
            }
            ProcessRunner.Outcome post = kbuild.compilePatched(jail, scratch.root(), flavour.release(), objects(units));
            if (post.timedOut()) {
                throw new BuildRefusal.RefusedException(kbuild.pastDeadline(BuildStage.COMPILE, post, "compiling the patched source"));
            }
            if (!post.ok()) {
                throw new BuildRefusal.RefusedException(BuildRefusal.of(BuildStage.COMPILE, ReasonCodes.COMPILE_ERROR,
                        "the patched source does not compile")
                        .withFile(firstMentioned(post, units), null).withCompilerOutput(post.tail(8000)));
            }
            for (int i = 0; i < units.size(); i++) {
                Files.copy(sandboxOutput(scratch.root().resolve(units.get(i).objectPath())), postDir.resolve(i + ".o"),
                        StandardCopyOption.REPLACE_EXISTING);
            }
            stage.finish(units.size() + " pre and post object(s)");

            stage.start(BuildStage.DIFF_OBJECTS, null);
            Path moduleDir = Files.createDirectories(work.resolve("module"));
            Path diffDir = Files.createDirectories(work.resolve("objdiff"));
            sandbox.handOver(diffDir);
            List<ObjectDiffReport> reports = new ArrayList<>();
            List<String> parts = new ArrayList<>();
            BuildRefusal lineNumbersOnly = null;
            Path symvers = flavour.headers().resolve("Module.symvers");
            Path patchSymbols = work.resolve("patch-symbols");
            List<TargetSymbols.Definitions> preDefinitions = new ArrayList<>();
            for (int i = 0; i < units.size(); i++) {
                preDefinitions.add(TargetSymbols.definitions(preDir.resolve(i + ".o"), jail));
            }
            Files.write(patchSymbols, newGlobals(jail, preDefinitions, postDir));
            for (int i = 0; i < units.size(); i++) {
                BuildPlanner.CompileUnit unit = units.get(i);
                String objectName = kinds.get(unit).objectName();
                Path pre = preDir.resolve(i + ".o");
                TargetSymbols.Definitions defined = preDefinitions.get(i);
                SymposResolver.Result sympos = SymposResolver.resolve(symbols.of(flavour, objectName),
                        defined.locals(), defined.all(), defined.placements());
                Path symposFile = work.resolve("sympos-" + i);
                Files.writeString(symposFile, SymposResolver.symposFile(sympos.positions()));
                ObjectDiffTool.Run run = objectTool.diff(jail, pre, postDir.resolve(i + ".o"), objectName, symvers, symposFile,
                        patchSymbols, unit.sourcePath(), diffDir, "diff-" + i);
                switch (run.status()) {
                    case ERROR -> throw new BuildRefusal.RefusedException(BuildRefusal.of(BuildStage.DIFF_OBJECTS,
                            ReasonCodes.OBJECT_TOOL_ERROR, "the object tool failed on " + unit.objectPath() + ": " + run.diagnostics())
                            .withFile(unit.sourcePath(), null));
                    case REFUSED -> {
                        BuildRefusal refusal = refusalOf(run.report(), unit);
                        // a file whose only change is line numbers adds nothing, but does not stop the others
                        if (!ReasonCodes.NO_FUNCTIONAL_CHANGE.equals(refusal.reasonCode())
                                || run.report().unsupported().size() != 1) {
                            throw new BuildRefusal.RefusedException(refusal);
                        }
                        lineNumbersOnly = lineNumbersOnly == null ? refusal : lineNumbersOnly;
                    }
                    case NOTHING_CHANGED -> {
                    }
                    case CHANGED -> {
                        requireResolved(run.report(), sympos, unit);
                        reports.add(run.report());
                        String part = "khp_part" + i;
                        Files.copy(sandboxOutput(run.output()), moduleDir.resolve(part + ".o_shipped"));
                        // modpost reads each object's kbuild command file (for srcversion); a shipped object has none
                        Files.writeString(moduleDir.resolve("." + part + ".o.cmd"), "savedcmd_" + part + ".o := cat "
                                + part + ".o_shipped > " + part + ".o\n");
                        parts.add(part);
                    }
                }
            }
            if (reports.isEmpty() && lineNumbersOnly != null) {
                throw new BuildRefusal.RefusedException(lineNumbersOnly);
            }
            if (reports.isEmpty()) {
                throw new BuildRefusal.RefusedException(BuildRefusal.of(BuildStage.DIFF_OBJECTS, ReasonCodes.NOTHING_CHANGED,
                        "the patch changes no function's code in " + String.join(", ", units.stream().map(BuildPlanner.CompileUnit::sourcePath).toList())));
            }
            List<PatchedFunction> functions = Manifest.functions(reports);
            stage.finish(functions.size() + " changed, " + Manifest.newFunctions(reports).size() + " new function(s)");

            stage.start(BuildStage.GENERATE, moduleName);
            List<LivepatchGlue.Callback> callbacks;
            try {
                callbacks = LivepatchGlue.callbacks(reports);
            } catch (LivepatchGlue.CallbackConflictException e) {
                throw new BuildRefusal.RefusedException(BuildRefusal.of(BuildStage.GENERATE, ReasonCodes.PATCH_API_MISUSE,
                        e.getMessage()));
            }
            LivepatchGlue.Sources glue = LivepatchGlue.generate(moduleName, request.description(), request.atomicReplace(),
                    LivepatchGlue.functions(reports), callbacks, parts);
            Files.writeString(moduleDir.resolve(LivepatchGlue.GLUE_SOURCE), glue.glueC());
            Files.writeString(moduleDir.resolve("Kbuild"), glue.kbuild());
            stage.finish(null);

            stage.start(BuildStage.KBUILD, moduleName + ".ko");
            handOverAll(moduleDir);
            ProcessRunner.Outcome mod = kbuild.buildModule(jail, flavour.headers(), moduleDir);
            Path ko = moduleDir.resolve(moduleName + ".ko");
            if (mod.timedOut()) {
                throw new BuildRefusal.RefusedException(kbuild.pastDeadline(BuildStage.KBUILD, mod, "building the livepatch module"));
            }
            if (!mod.ok() || !Files.isRegularFile(ko)) {
                throw new BuildRefusal.RefusedException(BuildRefusal.of(BuildStage.KBUILD, ReasonCodes.MODULE_BUILD_ERROR,
                        "kbuild could not build the livepatch module against " + flavour.headers())
                        .withCompilerOutput(mod.tail(8000)));
            }
            ProcessRunner.Outcome fin = objectTool.finalizeModule(jail, ko);
            if (!fin.ok()) {
                throw new BuildRefusal.RefusedException(BuildRefusal.of(BuildStage.KBUILD, ReasonCodes.OBJECT_TOOL_ERROR,
                        "the object tool could not finalize the livepatch relocations of " + ko.getFileName())
                        .withCompilerOutput(fin.tail(4000)));
            }
            proveLoads(jail, ko, flavour, symvers, scratch, units);
            byte[] module = Files.readAllBytes(sandboxOutput(ko));
            stage.finish(module.length + " bytes");

            KernelIdentity target = KernelIdentity.newBuilder().setRelease(flavour.release()).setFlavour(flavour.name())
                    .setSourceVersion(flavour.version()).build();
            Toolchain toolchain = Toolchain.newBuilder().setCompiler(Kbuild.compilerVersion())
                    .setBinutils(Kbuild.binutilsVersion().orElse(null)).setKbuildFlags("KCFLAGS=" + Kbuild.KCFLAGS).build();
            return new Built(moduleName, module, functions, Manifest.newFunctions(reports), target, toolchain,
                    ArtifactSignature.sha256Hex(request.diff().getBytes(StandardCharsets.UTF_8)), List.copyOf(hunks));
        }
    }

    /** Pre objects come from the object cache when an earlier build compiled them; the rest are compiled now. */
    private Map<BuildPlanner.CompileUnit, Kbuild.ObjectKind> compilePre(BuildSandbox.Jail jail, ScratchTree scratch, List<BuildPlanner.CompileUnit> units,
            KernelPackages.Flavour flavour, Path cacheDir, Path preDir) throws IOException, BuildRefusal.RefusedException {
        Map<BuildPlanner.CompileUnit, Kbuild.ObjectKind> kinds = new LinkedHashMap<>();
        List<BuildPlanner.CompileUnit> missing = new ArrayList<>();
        for (BuildPlanner.CompileUnit unit : units) {
            Path cached = cacheDir.resolve(unit.objectPath());
            Path kind = cacheDir.resolve(unit.objectPath() + ".kind");
            if (Files.isRegularFile(cached) && Files.isRegularFile(kind)) {
                String k = Files.readString(kind).strip();
                kinds.put(unit, k.equals("vmlinux") ? new Kbuild.ObjectKind(false, null) : new Kbuild.ObjectKind(true, k));
            } else {
                missing.add(unit);
                scratch.removeOutputs(unit.objectPath());
            }
        }
        if (!missing.isEmpty()) {
            ProcessRunner.Outcome pre = kbuild.compile(jail, scratch.root(), flavour.release(), objects(missing));
            if (pre.timedOut()) {
                throw new BuildRefusal.RefusedException(kbuild.pastDeadline(BuildStage.COMPILE, pre, "compiling the unpatched source"));
            }
            if (!pre.ok()) {
                throw new BuildRefusal.RefusedException(BuildRefusal.of(BuildStage.COMPILE, ReasonCodes.COMPILE_ERROR,
                        "the unpatched source does not compile for " + flavour.release())
                        .withFile(firstMentioned(pre, missing), null).withCompilerOutput(pre.tail(8000)));
            }
            for (BuildPlanner.CompileUnit unit : missing) {
                Kbuild.ObjectKind kind = Kbuild.kindOf(scratch.root(), unit.objectPath());
                kinds.put(unit, kind);
                Path cached = cacheDir.resolve(unit.objectPath());
                Files.createDirectories(cached.getParent());
                Path tmp = cached.resolveSibling(cached.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + Thread.currentThread().getId());
                Files.copy(sandboxOutput(scratch.root().resolve(unit.objectPath())), tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, cached, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                Files.writeString(cacheDir.resolve(unit.objectPath() + ".kind"), kind.objectName() + "\n");
            }
        }
        for (int i = 0; i < units.size(); i++) {
            Files.copy(cacheDir.resolve(units.get(i).objectPath()), preDir.resolve(i + ".o"), StandardCopyOption.REPLACE_EXISTING);
        }
        return kinds;
    }

    /**
     * Global symbols the patch adds (defined after, not before, in any of its files): the
     * livepatch defines them itself, so other files' references to them are linked inside the
     * module. The object tool includes every new global function and data object.
     */
    private static List<String> newGlobals(BuildSandbox.Jail jail, List<TargetSymbols.Definitions> preDefinitions, Path postDir)
            throws IOException {
        Set<String> names = new java.util.TreeSet<>();
        for (int i = 0; i < preDefinitions.size(); i++) {
            Set<String> before = preDefinitions.get(i).all();
            TargetSymbols.definitions(postDir.resolve(i + ".o"), jail).globals().stream().filter(n -> !before.contains(n))
                    .forEach(names::add);
        }
        return new ArrayList<>(names);
    }

    /**
     * Refuses a finalized module that would not load on the target, or that uses an exported
     * symbol whose version the patch changes (see {@link ModuleLoadCheck}).
     */
    private void proveLoads(BuildSandbox.Jail jail, Path ko, KernelPackages.Flavour flavour, Path symvers, ScratchTree scratch,
            List<BuildPlanner.CompileUnit> units) throws IOException, BuildRefusal.RefusedException {
        ModuleLoadCheck.ModuleSymbols module = ModuleElf.symbols(ko, jail);
        String symversText = Files.readString(symvers, StandardCharsets.ISO_8859_1);
        Map<String, String> running = SymbolVersions.parseSymvers(symversText);
        Map<String, SymbolVersions.Change> changes = new LinkedHashMap<>();
        for (BuildPlanner.CompileUnit unit : units) {
            Path object = scratch.root().resolve(unit.objectPath());
            Path cmd = object.resolveSibling("." + object.getFileName() + ".cmd");
            if (Files.isRegularFile(cmd, LinkOption.NOFOLLOW_LINKS)) {
                Map<String, String> patched = SymbolVersions.parseCommandFile(Files.readString(cmd, StandardCharsets.ISO_8859_1));
                SymbolVersions.changes(running, patched, unit.sourcePath()).forEach(c -> changes.put(c.symbol(), c));
            }
        }
        Map<String, List<String>> targetNames = new LinkedHashMap<>();
        for (String object : ModuleLoadCheck.objectsNeeded(module)) {
            try {
                targetNames.put(object, symbols.of(flavour, object).stream().map(SymposResolver.KallsymsEntry::name).toList());
            } catch (IOException e) {
                if (object.equals("vmlinux")) {
                    throw e;
                }
                // a module the target does not have: every symbol of it is unresolved
            }
        }
        List<ModuleLoadCheck.Problem> problems = ModuleLoadCheck.check(module, SymbolVersions.exporters(symversText), targetNames,
                changes);
        if (!problems.isEmpty()) {
            ModuleLoadCheck.Problem first = problems.get(0);
            String file = changes.containsKey(first.symbol()) ? changes.get(first.symbol()).file() : null;
            throw new BuildRefusal.RefusedException(BuildRefusal.of(BuildStage.KBUILD, first.reasonCode(),
                    String.join("; ", problems.stream().map(ModuleLoadCheck.Problem::message).toList()))
                    .withFile(file != null ? file : units.get(0).sourcePath(), null).withSymbol(first.symbol(), null));
        }
    }

    private static BuildRefusal refusalOf(ObjectDiffReport report, BuildPlanner.CompileUnit unit) {
        List<ObjectDiffReport.Unsupported> issues = report == null ? List.of() : report.unsupported();
        if (issues.isEmpty()) {
            return BuildRefusal.of(BuildStage.DIFF_OBJECTS, ReasonCodes.OBJECT_TOOL_ERROR,
                    "the object tool refused " + unit.objectPath() + " without saying why").withFile(unit.sourcePath(), null);
        }
        ObjectDiffReport.Unsupported first = issues.get(0);
        String reason = String.join("; ", issues.stream().map(u -> u.message() != null ? u.message() : u.reason()).toList());
        return BuildRefusal.of(BuildStage.DIFF_OBJECTS, first.reason(), reason)
                .withFile(unit.sourcePath(), null).withSymbol(first.symbol(), first.section());
    }

    /** Refuses when a changed function or a local symbol it references has a duplicate name we could not place. */
    private static void requireResolved(ObjectDiffReport report, SymposResolver.Result sympos, BuildPlanner.CompileUnit unit)
            throws BuildRefusal.RefusedException {
        Set<String> needed = new HashSet<>();
        for (ObjectDiffReport.Changed c : report.changed()) {
            needed.add(c.symbol());
            if (c.relocations() != null) {
                c.relocations().stream().filter(ObjectDiffReport.Relocation::local).forEach(r -> needed.add(r.symbol()));
            }
        }
        for (String name : needed) {
            String why = sympos.unresolved().get(name);
            if (why != null) {
                throw new BuildRefusal.RefusedException(BuildRefusal.of(BuildStage.DIFF_OBJECTS, ReasonCodes.SYMPOS_UNRESOLVED,
                        "cannot tell which " + name + " of the target kernel is the one in " + unit.sourcePath() + ": " + why)
                        .withFile(unit.sourcePath(), null).withSymbol(name, null));
            }
        }
    }

    /** A file the sandboxed build wrote, read by the builder only when it is a plain file (never a link out of the sandbox). */
    private static Path sandboxOutput(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(file + " is not a regular file the build wrote");
        }
        return file;
    }

    private void handOverAll(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.toList()) {
                sandbox.handOver(p);
            }
        }
    }

    private static List<String> objects(List<BuildPlanner.CompileUnit> units) {
        return units.stream().map(BuildPlanner.CompileUnit::objectPath).toList();
    }

    private static String firstMentioned(ProcessRunner.Outcome outcome, List<BuildPlanner.CompileUnit> units) {
        String text = outcome.stderr() + outcome.stdout();
        return units.stream().map(BuildPlanner.CompileUnit::sourcePath).filter(text::contains).findFirst()
                .orElse(units.get(0).sourcePath());
    }

    /** Back from the bytes-as-characters view to text. */
    private static String utf8(String view) {
        return new String(view.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // nothing left to clean
        }
    }

    /** Times stages and reports their start and end. */
    private static final class Stage {
        private final Progress progress;
        private BuildStage current;
        private long started;

        Stage(Progress progress) {
            this.progress = progress;
        }

        void start(BuildStage stage, String detail) {
            current = stage;
            started = System.nanoTime();
            progress.stage(stage, false, 0, detail);
        }

        void finish(String detail) {
            progress.stage(current, true, (System.nanoTime() - started) / 1_000_000, detail);
        }
    }
}
