package io.khp.agent.backend;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The helper as a child process: requests on its stdin, replies on its stdout (stderr goes to ours). */
public final class ProcessLineChannel implements LineChannel {

    private final Process process;
    private final OutputStream stdin;
    private final LineReader stdout;

    public ProcessLineChannel(List<String> command) throws IOException {
        process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        stdin = process.getOutputStream();
        var out = process.getInputStream();
        stdout = new LineReader("khp-helper-stdout-" + process.pid(), out::read);
    }

    @Override
    public synchronized void writeLine(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    @Override
    public String readLine(Duration timeout) throws IOException {
        return stdout.take(timeout);
    }

    @Override
    public boolean open() {
        return process.isAlive() && !stdout.ended();
    }

    @Override
    public void abort() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the helper process is running (for tests of the deadline). */
    boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // the process is going away anyway
        }
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
