package io.khp.builder.adapters;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs one external command to completion, capturing its output (stdout and stderr merged, or apart). */
public final class ProcessRunner {

    /** Exit status and output of a command; {@code timedOut} when it was killed at its deadline. */
    public record Outcome(int exitCode, String stdout, String stderr, boolean timedOut, long elapsedMs) {
        public boolean ok() {
            return exitCode == 0 && !timedOut;
        }

        /** The last {@code max} characters of stderr and stdout, for error reports. */
        public String tail(int max) {
            String all = (stderr.isBlank() ? "" : stderr) + (stdout.isBlank() ? "" : (stderr.isBlank() ? "" : "\n") + stdout);
            return all.length() <= max ? all : "…" + all.substring(all.length() - max);
        }
    }

    private ProcessRunner() {
    }

    public static Outcome run(List<String> command, Path directory, Map<String, String> environment, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (directory != null) {
            pb.directory(directory.toFile());
        }
        pb.environment().putAll(environment);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        long start = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Outcome(127, "", "cannot run " + command.get(0) + ": " + e.getMessage(), false, 0);
        }
        StreamCollector out = new StreamCollector(p.getInputStream());
        StreamCollector err = new StreamCollector(p.getErrorStream());
        out.start();
        err.start();
        boolean finished;
        try {
            finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
            }
            out.join();
            err.join();
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
        long elapsed = (System.nanoTime() - start) / 1_000_000;
        return new Outcome(finished ? p.exitValue() : -1, out.text(), err.text(), !finished, elapsed);
    }

    private static final class StreamCollector extends Thread {
        private final InputStream in;
        private byte[] bytes = new byte[0];

        StreamCollector(InputStream in) {
            this.in = in;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                bytes = in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
