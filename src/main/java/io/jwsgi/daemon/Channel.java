package io.jwsgi.daemon;

import io.jwsgi.protocol.Frame;
import io.jwsgi.protocol.ProtocolException;
import io.jwsgi.protocol.RequestEncoder;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * The Java end of one worker thread's persistent connection (docs/protocol.md). Used by one request at a
 * time: the dispatcher hands it out and takes it back. Reads go through one reusable direct buffer, so a small
 * response (HEADERS + DATA + END) is normally one read system call.
 *
 * <p>Buffer discipline: {@link #in} is kept in read mode (position = next unread byte, limit = end of
 * data). A slice handed out by {@link #payloadSlice} is valid until the next call on this channel.
 *
 * <p>Two modes (docs/performance.md "The event loop"). Until the front end gives it one of Jetty's selectors
 * the socket is blocking, and a read that has nothing waits in the kernel (unit tests, and the moments before
 * Jetty has started). After {@link #useSelector} the socket is non-blocking and registered with that selector
 * for good: a response can then be awaited with no thread at all ({@link #awaitResponse}), its bytes read and
 * relayed on the selector thread, and the blocking-style methods below wait by parking the calling thread until
 * the selector reports the socket ready, as the JDK's own poller would, but on the front end's selector.
 */
public final class Channel implements AutoCloseable {
    /**
     * The receive buffer: direct, so a socket read lands in it without the JDK's copy through a temporary
     * direct buffer, and a DATA slice handed to Jetty is written to the client without another copy.
     */
    private static final int BUFFER_SIZE = 128 * 1024;
    /**
     * The socket's send and receive buffers in event-loop mode: room for a whole 1 MiB BODY frame, so a large upload
     * goes to the worker in one write instead of several waits for the socket to drain (1 MiB echo, measured A/B:
     * 7–13 % less CPU per request, half the worker's system calls). The kernel caps the request at
     * net.core.wmem_max and rmem_max (212,992 bytes on a stock kernel) and then doubles it.
     */
    private static final int SOCKET_BUFFER = 2 * 1024 * 1024;

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
    private volatile boolean cutOff;
    private volatile String requestId = "-";

    // Event-loop mode. selector is set once, by the thread that owns the channel; key and the interest set are
    // changed on the selector's thread only (directly, or through ManagedSelector.submit); pending and waiter
    // under the monitor of readiness.
    private volatile ManagedSelector selector;
    private volatile SelectionKey key;
    private volatile int interest;
    private final Readiness readiness = new Readiness();
    private Reader pending;
    private ByteBuffer unsent;
    private Thread waiter;
    private int waiterOps;

    /** Who is told when an awaited response has bytes to read, on the selector thread. Must not block. */
    public interface Reader {
        /** The socket is readable (or at EOF): read with {@link #readAvailable}. */
        void onReadable();

        /** The channel was closed (a timeout, a stop) while the response was awaited. */
        void onClosed();
    }

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

    /** The server's shutdown-timeout passed while this request ran: the front end gives up on it. */
    void cutOff() {
        cutOff = true;
        close();
    }

    /** The request was still running when the server's shutdown-timeout passed: its failure is a 503. */
    public boolean wasCutOff() {
        return cutOff;
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

    /**
     * Sends what the encoder holds without waiting (event-loop mode, on the selector thread): true when all of
     * it went out; false when the socket took only part, the rest then goes with {@link #finishSend}.
     */
    public boolean trySendEncoded() throws IOException {
        ByteBuffer b = ByteBuffer.wrap(encoder.array(), 0, encoder.size());
        while (b.hasRemaining()) {
            int n = socket.write(b);
            if (n < 0) throw new EOFException("channel closed");
            if (n == 0) {
                unsent = b;
                return false;
            }
        }
        return true;
    }

    /** Sends, waiting as needed, what {@link #trySendEncoded} left. */
    public void finishSend() throws IOException {
        ByteBuffer b = unsent;
        unsent = null;
        if (b != null) write(b);
    }

    public void write(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            int n = socket.write(src);
            if (n < 0) throw new EOFException("channel closed");
            if (n == 0 && selector != null) await(SelectionKey.OP_WRITE);
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
            int n = readOnce();
            if (n < 0) throw new EOFException("worker closed the channel");
            if (n == 0 && selector != null) await(SelectionKey.OP_READ);
        }
    }

    /** One read into the free end of the buffer, which stays in read mode. */
    private int readOnce() throws IOException {
        in.compact();
        try {
            return socket.read(in);
        } finally {
            in.flip();
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
        Reader r;
        Thread w;
        synchronized (readiness) {
            r = pending;
            pending = null;
            w = waiter;
            waiter = null;
        }
        if (w != null) LockSupport.unpark(w);
        ManagedSelector s = selector;
        if (s == null) return;
        // The JDK closes a registered socket's file descriptor only when its selector next selects, so the selector
        // is woken for it: until then the worker would not see the channel close. The key is cancelled, so the
        // selector will never report the socket again: the reader is told here.
        s.submit(sel -> {
            if (r != null) r.onClosed();
        });
    }

    // ------------------------------------------------------------------------------------------ event-loop mode

    /**
     * Switches to event-loop mode on {@code managedSelector}: non-blocking socket, registered for good. Called by
     * the thread that owns the channel (the dispatcher hands it out to one request at a time), before any I/O of
     * that request. Idempotent.
     */
    public void useSelector(ManagedSelector managedSelector) throws IOException {
        if (selector != null || managedSelector == null) return;
        socket.setOption(java.net.StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
        socket.setOption(java.net.StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
        socket.configureBlocking(false);
        selector = managedSelector;
        interest = SelectionKey.OP_READ;
        managedSelector.submit(sel -> {
            try {
                key = socket.register(sel, SelectionKey.OP_READ, readiness);
            } catch (IOException | RuntimeException e) {
                // Closed meanwhile: close() has told whoever waits.
            }
        });
    }

    /** True once the channel is in event-loop mode. */
    public boolean eventDriven() {
        return selector != null;
    }

    /**
     * Awaits the response of the request just sent with no thread: {@code reader} is called on the selector thread
     * when the socket is readable, until {@link #stopAwaiting} (or {@link Reader#onClosed} when the channel is
     * closed first). Event-loop mode only. Counts as waiting for the worker, for socket-timeout.
     */
    public void awaitResponse(Reader reader) {
        waitingSinceNanos = clock.getAsLong();
        synchronized (readiness) {
            if (closed) {
                selector.submit(sel -> reader.onClosed());
                return;
            }
            pending = reader;
        }
        // OP_READ stays set from one awaited response to the next; only a thread's wait (or a worker that went
        // away while idle) clears it, and then it is set again here, waking the selector once.
        if (interest != SelectionKey.OP_READ) selector.submit(sel -> arm(SelectionKey.OP_READ));
    }

    /** The awaited response is over (or goes on on a thread): the reader is no longer called. Selector thread. */
    public void stopAwaiting() {
        synchronized (readiness) {
            pending = null;
        }
        waitingSinceNanos = 0;
    }

    /** Stops awaiting and clears the read interest, before a thread takes the response over. Selector thread. */
    public void handOver() {
        stopAwaiting();
        setInterest(0);
    }

    /** One non-blocking read of what is available: bytes read, 0, or -1 at EOF (or when the channel is closed). */
    public int readAvailable() {
        if (closed) return -1;
        try {
            return readOnce();
        } catch (IOException e) {
            return -1;
        }
    }

    /** What the buffer holds of an awaited answer, for {@link #bufferedAnswer}. */
    public enum Answer {
        /** Frames up to and including END or FAIL, with no READ among them, within the limit: relay it now. */
        WHOLE,
        /** The buffer ends inside a small frame: the rest is on its way, wait on the selector. */
        PART,
        /**
         * Waiting on the selector would be wrong: a READ needs an answer, the answer or a frame is over the limit,
         * or every buffered frame is whole but there is no END yet, so the worker flushed part of a streamed
         * response and is busy producing the rest (it goes out now, not when the response ends).
         */
        THREAD
    }

    /** Reads the buffered frames once and says what to do with the answer (see {@link Answer}). */
    public Answer bufferedAnswer(int limit) {
        int at = in.position();
        int end = in.limit();
        if (remaining != 0 || end - at > limit) return Answer.THREAD;
        while (end - at >= Frame.HEADER_SIZE) {
            byte type = in.get(at);
            long len = Frame.lengthAt(in, at);
            if (type == Frame.READ || len > limit) return Answer.THREAD;
            if (end - at - Frame.HEADER_SIZE < len) return Answer.PART;
            if (type == Frame.END || type == Frame.FAIL) return Answer.WHOLE;
            at += Frame.HEADER_SIZE + (int) len;
        }
        return at == end && end > in.position() ? Answer.THREAD : Answer.PART;
    }

    /** Parks the calling thread until the selector reports {@code ops} ready (or the channel closes). */
    private void await(int ops) throws IOException {
        synchronized (readiness) {
            if (closed) throw new ClosedChannelException();
            waiter = Thread.currentThread();
            waiterOps = ops;
        }
        selector.submit(sel -> {
            synchronized (readiness) {
                if (waiter != null) setInterest(waiterOps);
            }
        });
        for (;;) {
            synchronized (readiness) {
                if (waiter == null) break;
            }
            LockSupport.park(this);
        }
        if (closed) throw new ClosedChannelException();
    }

    /** Selector thread. */
    private void arm(int ops) {
        synchronized (readiness) {
            if (pending != null || waiter != null) setInterest(ops);
        }
    }

    /** Selector thread. */
    private void setInterest(int ops) {
        SelectionKey k = key;
        if (k == null || !k.isValid()) return;
        k.interestOps(ops);
        interest = ops;
    }

    /** The selector's view of the channel. */
    private final class Readiness implements ManagedSelector.Selectable, Runnable, Invocable {
        @Override
        public Runnable onSelected() {
            synchronized (readiness) {
                if (pending != null) return this;
                setInterest(0);
                Thread w = waiter;
                waiter = null;
                if (w != null) LockSupport.unpark(w);
                // Neither: a worker that closed an idle channel (EOF). Quiet until the next request arms it.
                return null;
            }
        }

        @Override
        public void run() {
            Reader r;
            synchronized (readiness) {
                r = pending;
            }
            if (r != null) r.onReadable();
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }

        @Override
        public void updateKey() {
            // Interest is set where it changes, not after each selection.
        }

        @Override
        public void replaceKey(SelectionKey newKey) {
            key = newKey; // the selector was rebuilt
        }

        @Override
        public String toString() {
            return Channel.this.toString();
        }
    }

    @Override
    public String toString() {
        return "channel(pid=" + worker.pid() + " thread=" + threadIndex + ")";
    }
}
