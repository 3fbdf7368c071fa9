package io.khp.builder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.khp.builder.core.BuildRefusal;
import io.khp.events.ArtifactRef;
import io.khp.events.PatchedFunction;

/**
 * Builds one patch from the command line without Kafka (used by {@code ./khp bench build} and by
 * hand): {@code BuildCommand --patch FILE --name NAME [--flavour F] [--replace] [--out DIR]}.
 * Prints each stage with its duration; writes the signed module and a JSON summary into DIR.
 * Exit status 0 built, 3 refused (the reason is printed), 2 usage error.
 */
public final class BuildCommand {

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new TreeMap<>();
        boolean replace = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--replace" -> replace = true;
                case "--patch", "--name", "--flavour", "--out", "--description" -> {
                    if (i + 1 >= args.length) {
                        usage();
                    }
                    opts.put(args[i], args[++i]);
                }
                default -> usage();
            }
        }
        if (!opts.containsKey("--patch") || !opts.containsKey("--name")) {
            usage();
        }
        Components c = Components.fromEnvironment();
        String flavour = opts.getOrDefault("--flavour", "amd64");
        String release = new io.khp.builder.adapters.KernelPackages(io.khp.builder.adapters.KhpHome.root()).flavour(flavour).release();
        LivepatchBuilder.Request request = new LivepatchBuilder.Request(opts.get("--name"), opts.get("--description"),
                Files.readString(Path.of(opts.get("--patch"))), flavour, release, replace);
        Map<String, Object> summary = new java.util.LinkedHashMap<>();
        List<Map<String, Object>> stages = new ArrayList<>();
        long start = System.nanoTime();
        try {
            LivepatchBuilder.Built built = c.builder().build(request, (stage, finished, ms, detail) -> {
                if (finished) {
                    System.out.printf("  %-13s %7.2f s  %s%n", stage, ms / 1000.0, detail == null ? "" : detail);
                    stages.add(Map.of("stage", stage.toString(), "seconds", ms / 1000.0));
                }
            });
            String patchId = "cli-" + built.diffSha256().substring(0, 12);
            ArtifactRef ref = c.signer().sign(patchId, built.moduleName(), built.module(), built.functions()).orElse(null);
            double total = (System.nanoTime() - start) / 1e9;
            System.out.printf("  %-13s %7.2f s  %s%s%n", "TOTAL", total, built.moduleName() + ".ko",
                    ref == null ? " (unsigned: no key in " + c.signer().keyDirectory() + ")" : " signed by " + ref.getKeyId());
            summary.put("module", built.moduleName());
            summary.put("bytes", built.module().length);
            summary.put("sha256", ref == null ? null : ref.getSha256());
            summary.put("signedBy", ref == null ? null : ref.getKeyId());
            summary.put("functions", built.functions().stream().map(BuildCommand::describe).toList());
            summary.put("newFunctions", built.newFunctions());
            summary.put("stages", stages);
            summary.put("totalSeconds", total);
            if (opts.containsKey("--out")) {
                Path out = Files.createDirectories(Path.of(opts.get("--out")));
                Files.write(out.resolve(built.moduleName() + ".ko"), built.module());
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("build.json").toFile(), summary);
            }
        } catch (BuildRefusal.RefusedException e) {
            BuildRefusal r = e.refusal();
            System.out.println("REFUSED at " + r.stage() + ": " + r.reasonCode() + ": " + r.reason());
            if (r.file() != null) {
                System.out.println("  file: " + r.file());
            }
            if (r.symbol() != null) {
                System.out.println("  symbol: " + r.symbol() + (r.section() == null ? "" : " section " + r.section()));
            }
            if (r.hunk() != null) {
                System.out.println(r.hunk());
            }
            if (r.compilerOutput() != null) {
                System.out.println(r.compilerOutput());
            }
            System.exit(3);
        }
    }

    private static Map<String, Object> describe(PatchedFunction f) {
        return Map.of("object", f.getObjectName(), "symbol", f.getSymbol(), "sympos", f.getSympos(),
                "preBytes", f.getPreBytes().remaining(), "relocations", f.getRelocations().size(), "wildcards", f.getWildcards().size());
    }

    private static void usage() {
        System.err.println("usage: BuildCommand --patch FILE --name NAME [--flavour FLAVOUR] [--replace] [--description TEXT] [--out DIR]");
        System.exit(2);
    }
}
