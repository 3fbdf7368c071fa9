package io.khp.agent.backend;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A unix stream socket to a helper, e.g. the host side of a qemu serial port
 * ({@code -serial unix:PATH,server=on,wait=off}). Reads and writes use the channel directly (not
 * Channels.newInputStream, whose reads would block writes).
 */
public final class SocketLineChannel implements LineChannel {

    private final SocketChannel channel;
    private final LineReader reader;

    public SocketLineChannel(Path socket) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        reader = new LineReader("khp-helper-socket-" + socket.getFileName(),
                buffer -> channel.read(ByteBuffer.wrap(buffer)));
    }

    @Override
    public synchronized void writeLine(String line) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    @Override
    public String readLine(Duration timeout) throws IOException {
        return reader.take(timeout);
    }

    @Override
    public boolean open() {
        return channel.isOpen() && !reader.ended();
    }

    @Override
    public void abort() {
        close();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a broken socket: nothing to report
        }
    }
}
