package io.jwsgi.daemon;

import io.jwsgi.protocol.Frame;
import io.jwsgi.protocol.ProtocolException;
import io.jwsgi.protocol.RequestEncoder;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.function.LongSupplier;

/**
 * The Java end of one worker thread's persistent connection (docs/protocol.md). Used by one request at a
 * time: the dispatcher hands it out and takes it back. Reads go through one reusable direct buffer, so a small
 * response (HEADERS + DATA + END) is normally one read system call.
 *
 * <p>Buffer discipline: {@link #in} is kept in read mode (position = next unread byte, limit = end of
 * data). A slice handed out by {@link #payloadSlice} is valid until the next call on this channel.
 */
public final class Channel implements AutoCloseable {
    /**
     * The receive buffer: direct, so a socket read lands in it without the JDK's copy through a temporary
     * direct buffer, and a DATA slice handed to Jetty is written to the client without another copy.
     */
    private static final int BUFFER_SIZE = 128 * 1024;

    private final SocketChannel socket;
    private final Worker worker;
    private final int threadIndex;
    private final ByteBuffer in = ByteBuffer.allocateDirect(BUFFER_SIZE).flip();
    private final RequestEncoder encoder = new RequestEncoder();
    private final LongSupplier clock;
    private long remaining; // payload bytes of the current frame not yet consumed
    private volatile boolean closed;

    // The current request, as the supervisor's timeout checks see it (written by the dispatcher and the request's
    // thread, read by the supervisor thread).
    private volatile long startedNanos;
    private volatile long waitingSinceNanos;
    private volatile long interruptedNanos;
    private volatile boolean timedOut;
    private volatile String requestId = "-";

    Channel(SocketChannel socket, Worker worker, int threadIndex) {
        this(socket, worker, threadIndex, System::nanoTime);
    }

    Channel(SocketChannel socket, Worker worker, int threadIndex, LongSupplier clock) {
        this.socket = socket;
        this.worker = worker;
        this.threadIndex = threadIndex;
        this.clock = clock;
    }

    /** A new request starts on this channel (the dispatcher handed it out). */
    void begin(long nowNanos) {
        startedNanos = nowNanos;
        interruptedNanos = 0;
        waitingSinceNanos = 0;
        requestId = "-";
    }

    /** The front end's id of the current request, for log lines about it. */
    public void requestId(String id) {
        requestId = id;
    }

    String requestId() {
        return requestId;
    }

    long startedNanos() {
        return startedNanos;
    }

    /** Since when a read is waiting for the worker, or 0 when none is. */
    long waitingSinceNanos() {
        return waitingSinceNanos;
    }

    long interruptedNanos() {
        return interruptedNanos;
    }

    void markInterrupted(long nowNanos) {
        interruptedNanos = nowNanos;
    }

    /** request-timeout or socket-timeout: the supervisor gave up on this request and closes the channel. */
    void timeOut() {
        timedOut = true;
        close();
    }

    /** The request was given up on (request-timeout, socket-timeout): its failure is a 504. */
    public boolean timedOut() {
        return timedOut;
    }

    /** The worker was asked to raise RequestTimeout in this request (interrupt-timeout): its FAIL is a 504. */
    public boolean interrupted() {
        return interruptedNanos != 0;
    }

    public Worker worker() {
        return worker;
    }

    public int threadIndex() {
        return threadIndex;
    }

    /** The encoder for the next request, reused across requests. */
    public RequestEncoder encoder() {
        return encoder;
    }

    /** Sends what the encoder holds, in one write when the socket takes it. */
    public void sendEncoded() throws IOException {
        write(ByteBuffer.wrap(encoder.array(), 0, encoder.size()));
    }

    public void write(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            if (socket.write(src) < 0) throw new EOFException("channel closed");
        }
    }

    /** Reads the next frame header and returns its type; the payload is then read with the methods below. */
    public byte nextFrame() throws IOException {
        if (remaining > 0) throw new ProtocolException("previous frame payload not consumed");
        fill(Frame.HEADER_SIZE);
        int at = in.position();
        byte type = in.get(at);
        remaining = Frame.lengthAt(in, at);
        in.position(at + Frame.HEADER_SIZE);
        return type;
    }

    /** Payload bytes of the current frame not yet read. */
    public long remaining() {
        return remaining;
    }

    /** Reads the whole (small) payload of the current frame into a new array; over {@code limit} is an error. */
    public byte[] payload(int limit) throws IOException {
        if (remaining > limit) throw new ProtocolException("frame of " + remaining + " bytes is over " + limit);
        byte[] out = new byte[(int) remaining];
        int off = 0;
        while (remaining > 0) {
            ByteBuffer s = payloadSlice(out.length - off);
            int n = s.remaining();
            s.get(out, off, n);
            off += n;
        }
        return out;
    }

    /**
     * The next piece of the current payload: at least one byte, at most {@code max}, reading from the socket
     * only when nothing is buffered. Valid until the next call on this channel.
     */
    public ByteBuffer payloadSlice(int max) throws IOException {
        if (remaining == 0) throw new IllegalStateException("no payload left");
        if (!in.hasRemaining()) fill(1);
        int n = (int) Math.min(Math.min(remaining, in.remaining()), max);
        ByteBuffer slice = in.slice(in.position(), n);
        in.position(in.position() + n);
        remaining -= n;
        return slice;
    }

    /** True when the next frame's header is already buffered and has the given type (no system call). */
    public boolean nextBufferedIs(byte type) {
        return remaining == 0 && in.remaining() >= Frame.HEADER_SIZE && in.get(in.position()) == type;
    }

    /** Reads until at least {@code need} unread bytes are buffered. */
    private void fill(int need) throws IOException {
        if (in.remaining() < need) waitingSinceNanos = clock.getAsLong();
        try {
            fillBuffer(need);
        } finally {
            waitingSinceNanos = 0;
        }
    }

    private void fillBuffer(int need) throws IOException {
        while (in.remaining() < need) {
            in.compact();
            int n;
            try {
                n = socket.read(in);
            } finally {
                in.flip();
            }
            if (n < 0) throw new EOFException("worker closed the channel");
        }
    }

    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing a UNIX socket whose peer is gone: nothing left to release or report.
        }
    }

    @Override
    public String toString() {
        return "channel(pid=" + worker.pid() + " thread=" + threadIndex + ")";
    }
}
