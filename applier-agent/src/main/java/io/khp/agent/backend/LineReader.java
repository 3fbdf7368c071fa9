package io.khp.agent.backend;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Splits a byte stream into lines on a daemon thread, so that reads can time out. The source is
 * read in chunks until it ends; after the end, {@link #take} throws.
 */
final class LineReader {

    /** Reads some bytes into the buffer; -1 at the end. */
    interface Source {
        int read(byte[] buffer) throws IOException;
    }

    private static final String END = new String("end-of-stream");

    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private volatile boolean ended;
    private volatile String endReason = "the helper closed the channel";

    LineReader(String name, Source source) {
        Thread t = new Thread(() -> pump(source), name);
        t.setDaemon(true);
        t.start();
    }

    private void pump(Source source) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buffer = new byte[65536];
        try {
            int n;
            while ((n = source.read(buffer)) >= 0) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        line.write(buffer, start, i - start);
                        lines.add(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                        start = i + 1;
                    }
                }
                line.write(buffer, start, n - start);
            }
        } catch (IOException e) {
            endReason = "reading from the helper failed: " + e.getMessage();
        } finally {
            ended = true;
            lines.add(END);
        }
    }

    String take(Duration timeout) throws IOException {
        try {
            String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (line == END) {
                lines.add(END);
                throw new IOException(endReason);
            }
            return line;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the helper");
        }
    }

    boolean ended() {
        return ended;
    }
}
