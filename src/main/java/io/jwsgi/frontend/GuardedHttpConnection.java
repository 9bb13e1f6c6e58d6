package io.jwsgi.frontend;

import io.jwsgi.config.RegisteredMethods;
import io.jwsgi.edge.HeadRules;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.NanoTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty's HTTP/1.1 connection with three additions, all in its parser (docs/http-parsing.md, docs/reliability.md):
 * <ul>
 *   <li>{@link RequestHeadCheck} sees each request head's raw bytes before Jetty's parser does, and refuses what
 *       Jetty accepts (double spaces, {@code http/1.1}, {@code GET *}, the request-line and field limits) the way
 *       the parser refuses its own errors: an error response and a closed connection, no handler called.</li>
 *   <li>A chunked body whose last chunk ({@code 0\r\n}) is followed by the end of the stream instead of the
 *       trailer section's final CRLF is an early EOF (Jetty forgives it and completes the body; RFC 9112 §7.1
 *       does not).</li>
 *   <li>{@link HeadRules} between the parser and Jetty's handler of its events: the absolute-form target's authority
 *       replaces Host, Host and that authority are validated, and {@code --registered-methods} answers 501.</li>
 * </ul>
 * It also records when each request head began and how many bytes it has, for the header read timeout that
 * {@link ReadTimeouts} enforces: a head not complete in time is answered 408 and the connection closed.
 */
final class GuardedHttpConnection extends HttpConnection {
    private static final Logger log = LoggerFactory.getLogger(GuardedHttpConnection.class);
    private static final byte[] TIMEOUT_408 = ("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n"
            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    /** Between requests (keep-alive: Jetty's idle timeout governs), reading a head, head timed out. */
    private static final int IDLE = 0, HEAD = 1, TIMED_OUT = 2;

    private final ReadTimeouts timeouts;
    private final AtomicInteger phase = new AtomicInteger(HEAD); // a new connection is waiting for its first head
    private volatile long headStart = NanoTime.now();
    private volatile long headBytes;

    private GuardedHttpConnection(HttpConfiguration configuration, Connector connector, EndPoint endPoint,
                                  ReadTimeouts timeouts) {
        super(configuration, connector, endPoint);
        this.timeouts = timeouts;
    }

    @Override
    protected HttpParser newHttpParser(HttpCompliance compliance) {
        HttpParser plain = super.newHttpParser(compliance);
        Factory factory = Factory.CREATING.get();
        // The target, Host and method rules see the parser's events before Jetty's connection does (edge.HeadRules).
        GuardedParser parser = new GuardedParser(
                new HeadRules((HttpParser.RequestHandler) plain.getHandler(), factory.methods),
                getHttpConfiguration().getRequestHeaderSize(), compliance,
                new RequestHeadCheck(factory.maxLine, factory.maxFieldSize, factory.maxFields));
        parser.setHeaderCacheSize(plain.getHeaderCacheSize());
        parser.setHeaderCacheCaseSensitive(plain.isHeaderCacheCaseSensitive());
        return parser;
    }

    @Override
    public void onOpen() {
        super.onOpen();
        timeouts.opened(this);
    }

    @Override
    public void onClose(Throwable cause) {
        timeouts.closed(this);
        super.onClose(cause);
    }

    /**
     * Answers 408 and closes when the head being read is past its allowance ({@code --header-timeout} plus a
     * second per {@code --header-min-rate} bytes, up to {@code --header-max-timeout}). Called by the sweep.
     */
    void expireHead(long now, Duration base, Duration max, int minRate) {
        if (phase.get() != HEAD) return;
        Duration allowed = io.jwsgi.config.RequestLimits.allowance(base, max, minRate, headBytes);
        if (allowed == null || NanoTime.elapsed(headStart, now) < allowed.toNanos()) return;
        // The parser moves HEAD → IDLE when the head completes; whichever moves first wins, so a request is either
        // handled or timed out, never both (and nothing else is writing on the connection while a head is read).
        if (!phase.compareAndSet(HEAD, TIMED_OUT)) return;
        log.debug("request head timed out remote={} bytes={} allowed_ms={}", getEndPoint().getRemoteSocketAddress(),
                headBytes, allowed.toMillis());
        timeouts.headTimedOut();
        EndPoint endPoint = getEndPoint();
        try {
            endPoint.write(Callback.from(endPoint::close, x -> endPoint.close()), ByteBuffer.wrap(TIMEOUT_408));
        } catch (RuntimeException e) { // a write still pending: nothing more to say, just close
            endPoint.close(e);
        }
    }

    /**
     * Resumes after an asynchronous completion by asking for read interest, when no pipelined bytes are left to
     * parse ({@link ResumeByFillInterest}); false when Jetty's own resume must run. The callback has the server's
     * invocation type, as Jetty's own fill callback does, so the next request is read where Jetty would read it.
     */
    boolean resumeByFillInterest() {
        if (!isRequestBufferEmpty() || !getEndPoint().isOpen() || isFillInterested()) return false;
        fillInterested(resumeCallback);
        return true;
    }

    /**
     * Jetty resumes a connection whose request completed asynchronously on {@code getExecutor()} once the request is
     * recycled: read interest instead, as {@link ResumeByFillInterest} does for the other case.
     */
    @Override
    public java.util.concurrent.Executor getExecutor() {
        return resumeExecutor;
    }

    private final java.util.concurrent.Executor resumeExecutor = task -> {
        if (task == this && resumeByFillInterest()) return;
        super.getExecutor().execute(task);
    };

    private final Callback resumeCallback = new Callback() {
        @Override
        public void succeeded() {
            onFillable();
        }

        @Override
        public void failed(Throwable x) {
            onFillInterestedFailed(x);
        }

        @Override
        public InvocationType getInvocationType() {
            return getServer().getInvocationType();
        }
    };

    /** Creates {@link GuardedHttpConnection}s; otherwise Jetty's {@link HttpConnectionFactory}. */
    static final class Factory extends HttpConnectionFactory {
        /**
         * The factory creating a connection on this thread: the parser is built inside the super constructor, before
         * the connection's own fields are set, and takes its limits and rules from here.
         */
        private static final ThreadLocal<Factory> CREATING = new ThreadLocal<>();
        private final ReadTimeouts timeouts;
        private final int maxLine, maxFieldSize, maxFields;
        private final RegisteredMethods methods;

        Factory(HttpConfiguration configuration, ReadTimeouts timeouts, int maxLine, int maxFieldSize, int maxFields,
                RegisteredMethods methods) {
            super(configuration);
            this.timeouts = timeouts;
            this.maxLine = maxLine;
            this.maxFieldSize = maxFieldSize;
            this.maxFields = maxFields;
            this.methods = methods;
        }

        @Override
        public Connection newConnection(Connector connector, EndPoint endPoint) {
            CREATING.set(this);
            GuardedHttpConnection connection;
            try {
                connection = new GuardedHttpConnection(getHttpConfiguration(), connector, endPoint, timeouts);
            } finally {
                CREATING.remove();
            }
            connection.setTransferEncodingChunkMaxLength(getTransferEncodingChunkMaxLength());
            return configure(connection, connector, endPoint);
        }
    }

    /** Jetty's parser behind {@link RequestHeadCheck}, with the early-EOF rule for an unterminated trailer section. */
    private final class GuardedParser extends HttpParser {
        private final RequestHeadCheck check;

        GuardedParser(RequestHandler handler, int maxHeaderBytes, HttpCompliance compliance, RequestHeadCheck check) {
            super(handler, maxHeaderBytes, compliance);
            this.check = check;
        }

        @Override
        public boolean parseNext(ByteBuffer buffer) {
            if (phase.get() == TIMED_OUT) {
                BufferUtil.clear(buffer);
                return false;
            }
            if (getState() == State.START && check.done()) {
                check.reset(); // a new message on a kept-alive connection
            }
            if (!check.done() && buffer.hasRemaining()) {
                boolean started = check.started();
                RequestHeadCheck.Refusal refusal = check.scan(buffer);
                if (!started && check.started() && phase.get() == IDLE) {
                    headStart = NanoTime.now(); // the head of a later request begins with its first byte
                    phase.set(HEAD);
                }
                headBytes = check.bytes();
                if (refusal != null) {
                    BufferUtil.clear(buffer);
                    if (getState() == State.START) getHandler().messageBegin();
                    badMessage(new HttpException.RuntimeException(refusal.status(), refusal.reason()));
                    return false;
                }
                if (check.done() && !phase.compareAndSet(HEAD, IDLE)) {
                    BufferUtil.clear(buffer); // the header timeout won: the 408 is on its way
                    return false;
                }
            }
            // RFC 9112 §7.1: the trailer section ends with CRLF. Jetty completes the body when the stream ends after
            // the last chunk without it ("forgiving"); a body cut short there must not reach the app as complete.
            if (getState() == State.TRAILER && isAtEOF() && !buffer.hasRemaining()) {
                setState(State.CLOSED);
                getHandler().earlyEOF();
                return false;
            }
            return super.parseNext(buffer);
        }
    }
}
