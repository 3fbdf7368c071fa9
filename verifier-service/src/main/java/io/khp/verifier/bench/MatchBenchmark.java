package io.khp.verifier.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.khp.events.PatchedFunction;
import io.khp.events.PreRunVerified;
import io.khp.events.RunObjectCaptured;
import io.khp.verifier.fixtures.FixtureFiles;
import io.khp.verifier.match.FunctionManifest;
import io.khp.verifier.match.HostCapture;
import io.khp.verifier.match.InvalidManifestException;
import io.khp.verifier.match.RunPreMatcher;

/**
 * `khp bench verify`: run-pre function matches per second on the calling thread, without the verdict
 * cache, on the real fixtures (klpdiff manifests of real patches, captures from amd64 and
 * cloud-amd64 guests). Each round converts every capture event to the matcher's input and matches
 * it, as the service does for a capture it has not seen. Prints `<N> function-matches/s` last.
 *
 * Usage: MatchBenchmark FIXTURES_DIR [SECONDS]
 */
public final class MatchBenchmark {

    private record Workload(String name, List<FunctionManifest> manifest, RunObjectCaptured capture) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: MatchBenchmark FIXTURES_DIR [SECONDS]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 5;
        List<Workload> work = load(dir);
        int functionsPerRound = work.stream().mapToInt(w -> w.manifest().size()).sum();
        long bytesPerRound = work.stream().flatMap(w -> w.manifest().stream()).mapToLong(FunctionManifest::length).sum();
        System.err.printf("verify bench: %d captures, %d functions, %d 'pre' bytes per round (%s)%n",
                work.size(), functionsPerRound, bytesPerRound, dir);
        RunPreMatcher matcher = new RunPreMatcher();
        long sink = run(matcher, work, (long) (Math.min(2, seconds) * 1e9)); // warm-up
        long start = System.nanoTime();
        long rounds = 0;
        long deadline = start + (long) (seconds * 1e9);
        while (System.nanoTime() < deadline) {
            sink += round(matcher, work);
            rounds++;
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        double perSecond = rounds * functionsPerRound / elapsed;
        System.err.printf("verify bench: %d rounds in %.2f s, %.1f MB of code compared/s (checksum %d)%n",
                rounds, elapsed, rounds * bytesPerRound / elapsed / 1e6, sink);
        System.out.printf("%d function-matches/s%n", Math.round(perSecond));
    }

    private static long run(RunPreMatcher matcher, List<Workload> work, long nanos) {
        long sink = 0;
        long deadline = System.nanoTime() + nanos;
        while (System.nanoTime() < deadline) {
            sink += round(matcher, work);
        }
        return sink;
    }

    private static long round(RunPreMatcher matcher, List<Workload> work) {
        long sink = 0;
        for (Workload w : work) {
            PreRunVerified v = matcher.match(w.manifest(), HostCapture.from(w.capture()));
            sink += v.getVerdict().ordinal() + v.getResolvedSymbols().size();
        }
        return sink;
    }

    private static List<Workload> load(Path dir) throws Exception {
        List<Workload> work = new ArrayList<>();
        List<Path> patches;
        try (Stream<Path> s = Files.list(dir)) {
            patches = s.filter(Files::isDirectory).sorted().toList();
        }
        for (Path p : patches) {
            List<FunctionManifest> manifest = new ArrayList<>();
            for (PatchedFunction f : FixtureFiles.manifest(p.resolve("report.json"))) {
                try {
                    manifest.add(FunctionManifest.from(f));
                } catch (InvalidManifestException e) {
                    throw new IllegalStateException(p + ": " + e.getMessage(), e);
                }
            }
            try (Stream<Path> s = Files.list(p)) {
                for (Path c : s.filter(f -> f.getFileName().toString().startsWith("capture-")).sorted().toList()) {
                    work.add(new Workload(p.getFileName() + "/" + c.getFileName(), manifest, FixtureFiles.capture(c)));
                }
            }
        }
        if (work.isEmpty()) {
            throw new IllegalStateException("no fixtures in " + dir + ": run verifier-service/fixtures/capture-fixtures");
        }
        return work;
    }
}
