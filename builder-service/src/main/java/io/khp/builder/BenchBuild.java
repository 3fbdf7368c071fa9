package io.khp.builder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

import io.khp.builder.adapters.KernelPackages;
import io.khp.builder.adapters.KhpHome;
import io.khp.events.BuildStage;

/**
 * {@code ./khp bench build}: builds one patch twice in one process, first with whatever cache
 * KHP_CACHE holds (the bench script points it at an empty tree cache: cold), then again with
 * everything prepared (warm), and prints each stage's time. Figures only: no pass/fail.
 */
public final class BenchBuild {

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: BenchBuild PATCH");
            System.exit(2);
        }
        String diff = Files.readString(Path.of(args[0]));
        Components c = Components.fromEnvironment();
        String release = new KernelPackages(KhpHome.root()).flavour("amd64").release();
        LivepatchBuilder.Request request = new LivepatchBuilder.Request("bench-build", null, diff, "amd64", release, false);
        Map<BuildStage, Long> cold = new EnumMap<>(BuildStage.class);
        Map<BuildStage, Long> warm = new EnumMap<>(BuildStage.class);
        long t0 = System.nanoTime();
        c.builder().build(request, (stage, finished, ms, detail) -> {
            if (finished) {
                cold.put(stage, ms);
            }
        });
        long coldMs = (System.nanoTime() - t0) / 1_000_000;
        long t1 = System.nanoTime();
        LivepatchBuilder.Built built = c.builder().build(request, (stage, finished, ms, detail) -> {
            if (finished) {
                warm.put(stage, ms);
            }
        });
        long warmMs = (System.nanoTime() - t1) / 1_000_000;
        System.out.printf("%-14s %10s %10s%n", "stage", "cold s", "warm s");
        for (BuildStage s : cold.keySet()) {
            System.out.printf("%-14s %10.2f %10.2f%n", s, cold.get(s) / 1000.0, warm.getOrDefault(s, 0L) / 1000.0);
        }
        System.out.printf("%-14s %10.2f %10.2f   (goals on 2 cores: cold <= 180 s, warm <= 15 s)%n", "TOTAL", coldMs / 1000.0, warmMs / 1000.0);
        System.out.printf("module %s.ko, %d bytes, %d function(s)%n", built.moduleName(), built.module().length, built.functions().size());
    }
}
