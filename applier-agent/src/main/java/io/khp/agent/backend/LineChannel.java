package io.khp.agent.backend;

import java.io.IOException;
import java.time.Duration;

/** A bidirectional channel of text lines to a helper (its stdin/stdout, or a serial socket). */
public interface LineChannel extends AutoCloseable {

    void writeLine(String line) throws IOException;

    /** The next line, or null when none came within {@code timeout}; IOException when the channel ended. */
    String readLine(Duration timeout) throws IOException;

    boolean open();

    @Override
    void close();

    /** Ends the channel at once: the helper stopped answering (a process is killed, a socket closed). */
    void abort();
}
