package io.jwsgi.daemon;

import io.jwsgi.protocol.Frame;
import io.jwsgi.protocol.ProtocolException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java end of a worker process's control channel (docs/protocol.md "The control channel"): one ASCII
 * command line per {@code C} frame, both ways.
 *
 * <p>design: the supervisor thread must never block on a worker, so {@link #send} only queues the line for a
 * virtual thread of this channel (one, so commands arrive in order); a second virtual thread reads the worker's
 * lines and hands each to {@code onLine}, which posts a supervisor event.
 */
final class ControlChannel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlChannel.class);

    private final SocketChannel socket;
    private final long pid;
    private final ExecutorService writer;
    private volatile boolean closed;

    ControlChannel(SocketChannel socket, long pid, Consumer<String> onLine) {
        this.socket = socket;
        this.pid = pid;
        this.writer = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("jwsgi-control-write-" + pid).factory());
        Thread.ofVirtual().name("jwsgi-control-read-" + pid).start(() -> read(onLine));
    }

    /** Queues one command ({@code stop maximum_requests}); never blocks. A closed channel drops it. */
    void send(String line) {
        if (closed) return;
        byte[] payload = line.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer frame = ByteBuffer.allocate(Frame.HEADER_SIZE + payload.length);
        Frame.putHeader(frame, Frame.CONTROL, payload.length);
        frame.put(payload).flip();
        try {
            writer.execute(() -> write(frame, line));
        } catch (RejectedExecutionException e) {
            // Closed meanwhile: the process is going away, and its exit is what the supervisor acts on.
        }
    }

    private void write(ByteBuffer frame, String line) {
        try {
            while (frame.hasRemaining()) socket.write(frame);
        } catch (IOException e) {
            if (!closed) log.debug("control command not delivered pid={} command={} error={}", pid, line, e.toString());
        }
    }

    private void read(Consumer<String> onLine) {
        ByteBuffer head = ByteBuffer.allocate(Frame.HEADER_SIZE);
        try {
            for (;;) {
                head.clear();
                readFully(head);
                long length = Frame.lengthAt(head, 0);
                if (head.get(0) != Frame.CONTROL || length > Frame.MAX_CONTROL) {
                    throw new ProtocolException("unexpected frame " + Frame.typeName(head.get(0)) + " length " + length
                            + " on the control channel");
                }
                ByteBuffer body = ByteBuffer.allocate((int) length);
                readFully(body);
                onLine.accept(new String(body.array(), StandardCharsets.US_ASCII));
            }
        } catch (IOException e) {
            // EOF or a reset: the process is going away (a worker that exits right after "stop" resets the
            // connection), and its exit is what the supervisor acts on.
            log.debug("control channel closed pid={} error={}", pid, e.toString());
        } catch (ProtocolException e) {
            if (!closed) log.warn("control channel failed pid={} error={}", pid, e.getMessage());
        } finally {
            close();
        }
    }

    private void readFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (socket.read(b) < 0) throw new EOFException("control channel closed");
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        // Queued commands still go out (a final "stop" before SIGTERM), then the socket closes.
        writer.execute(() -> {
            try {
                socket.close();
            } catch (IOException ignored) {
                // Nothing left to release.
            }
        });
        writer.shutdown();
    }
}
