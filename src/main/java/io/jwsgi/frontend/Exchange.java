package io.jwsgi.frontend;

import io.jwsgi.daemon.Channel;
import io.jwsgi.protocol.Frame;
import io.jwsgi.protocol.ProtocolException;
import io.jwsgi.protocol.RequestEncoder;
import io.jwsgi.protocol.ResponseHead;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays one request over one worker channel (docs/protocol.md "One exchange"), blocking, on the request's
 * virtual thread. The request body goes to the worker as it asks for it (READ → BODY/END); the response
 * streams back frame by frame with Jetty's own back-pressure (each write blocks until Jetty took it).
 *
 * <p>The status and headers are applied only at the first body write or at END, so a FAIL that arrives after
 * HEADERS but before any body can still become a clean 500.
 */
final class Exchange {
    private static final Logger log = LoggerFactory.getLogger(Exchange.class);
    /** Body pushed right behind the request, without waiting for the worker to ask. */
    static final int PUSH_WINDOW = 64 * 1024;
    /** The most body bytes sent in one BODY frame in answer to READ. */
    static final int READ_CAP = 1 << 20;

    /** Outcome of the exchange for the channel: reusable, or to be dropped. */
    enum Outcome {
        CLEAN, BROKEN;

        /** Gives the channel back to the dispatcher: for the next request when clean, closed when broken. */
        void giveBack(io.jwsgi.daemon.Dispatch dispatch, Channel channel) {
            if (this == CLEAN) dispatch.release(channel);
            else dispatch.discard(channel);
        }
    }

    private final Channel channel;
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final String requestId;
    private final int headerBufferSize;
    /** limit-request-body (0: none), enforced here on the bytes as they arrive (chunked bodies declare no length). */
    private final long bodyLimit;
    private long bodyReceived;
    private Content.Chunk pending;
    private boolean bodyEnded;
    private ResponseHead head;
    private boolean committed;
    private long written;

    Exchange(Channel channel, Request request, Response response, Callback callback, String requestId,
             int headerBufferSize, long bodyLimit) {
        this.channel = channel;
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.requestId = requestId;
        this.headerBufferSize = headerBufferSize;
        this.bodyLimit = bodyLimit;
    }

    /** Sends the encoded environ (the caller has written it) plus the pushed body, then relays the answer. */
    Outcome run(boolean hasBody, boolean expectContinue) {
        boolean sent = false;
        try {
            RequestEncoder enc = channel.encoder();
            if (!hasBody) {
                bodyEnded = true;
                enc.mark(Frame.END);
            } else if (expectContinue) {
                enc.mark(Frame.MORE); // reading now would send "100 Continue" before the app asked
            } else {
                appendBody(enc, PUSH_WINDOW, false);
            }
            channel.sendEncoded();
            sent = true;
            return relay();
        } catch (ClientGoneException e) {
            log.debug("client went away request_id={} error={}", requestId, e.getMessage());
            // A body Jetty's parser refused (bad chunk size, …) is the client's error: fail with Jetty's own
            // HttpException so it answers 400, not 500. The request never went out, so the app never ran.
            Throwable failure = e.getCause();
            callback.failed(failure.getCause() instanceof org.eclipse.jetty.http.HttpException ? failure.getCause()
                    : failure);
            // Nothing sent yet (the client left during the push): the channel is clean. Closing an idle
            // channel is how the front end retires a worker thread, so a broken one here would end it.
            return sent ? Outcome.BROKEN : Outcome.CLEAN;
        } catch (BodyOverLimitException e) {
            log.debug("request body over limit-request-body request_id={} limit={}", requestId, bodyLimit);
            fail(new Failure.BodyTooLarge(bodyReceived, bodyLimit));
            // Before the request went out the app never runs; after, its next read fails as the channel closes.
            return sent ? Outcome.BROKEN : Outcome.CLEAN;
        } catch (IOException | ProtocolException e) {
            workerLost(e);
            return Outcome.BROKEN;
        } finally {
            if (pending != null) pending.release();
        }
    }

    enum Sent { SENT, PARTIAL, FAILED }

    /**
     * Sends the encoded environ and END for a request without a body, without waiting: PARTIAL leaves the rest for
     * {@link #finishSend} on a thread; FAILED means the failure is answered and the channel is broken.
     */
    Sent trySendWithoutBody() {
        try {
            bodyEnded = true;
            channel.encoder().mark(Frame.END);
            return channel.trySendEncoded() ? Sent.SENT : Sent.PARTIAL;
        } catch (IOException e) {
            workerLost(e);
            return Sent.FAILED;
        }
    }

    /** Sends the rest after {@link #trySendWithoutBody} said PARTIAL; false (failure answered) when it failed. */
    boolean finishSend() {
        try {
            channel.finishSend();
            return true;
        } catch (IOException e) {
            workerLost(e);
            return false;
        }
    }

    /** Relays, blocking, the answer of a request sent by {@link #trySendWithoutBody}; some of it may be buffered. */
    Outcome relayAnswer() {
        try {
            return relay();
        } catch (ClientGoneException e) {
            log.debug("client went away request_id={} error={}", requestId, e.getMessage());
            callback.failed(e.getCause());
            return Outcome.BROKEN;
        } catch (BodyOverLimitException e) {
            throw new IllegalStateException("a request without a body went over limit-request-body", e);
        } catch (IOException | ProtocolException e) {
            workerLost(e);
            return Outcome.BROKEN;
        }
    }

    /**
     * Relays a whole answer that is already buffered ({@link Channel.Answer#WHOLE}) without blocking: on the
     * selector thread. The body goes out in one asynchronous write; {@code done} gets the channel's outcome once
     * Jetty no longer needs the channel's buffer (the body may be a slice of it), before the request completes.
     */
    void relayBuffered(java.util.function.Consumer<Outcome> done) {
        ByteBuffer body = null;
        try {
            for (;;) {
                byte type = channel.nextFrame();
                switch (type) {
                    case Frame.HEADERS -> {
                        if (channel.remaining() > headerBufferSize) {
                            log.error("response headers over header-buffer-size request_id={} size={} limit={}",
                                    requestId, channel.remaining(), headerBufferSize);
                            done.accept(Outcome.BROKEN);
                            fail(new Failure.HeaderOverflow(channel.remaining(), headerBufferSize));
                            return;
                        }
                        byte[] p = channel.payload(headerBufferSize);
                        head = ResponseHead.decode(p, 0, p.length);
                    }
                    case Frame.DATA -> {
                        if (head == null) throw new ProtocolException("DATA before HEADERS");
                        ByteBuffer slice = channel.payloadSlice(Integer.MAX_VALUE);
                        if (body == null) {
                            body = slice;
                        } else { // several DATA frames: one buffer of their own
                            ByteBuffer joined = ByteBuffer.allocate(body.remaining() + slice.remaining());
                            body = joined.put(body).put(slice).flip();
                        }
                    }
                    case Frame.END -> {
                        if (head == null) throw new ProtocolException("END before HEADERS");
                        completeAsync(body == null ? BufferUtil.EMPTY_BUFFER : body, done);
                        return;
                    }
                    case Frame.FAIL -> {
                        byte[] p = channel.payload(64 * 1024);
                        if (body == null) {
                            done.accept(Outcome.CLEAN);
                            onFail(p); // nothing of the body out: a clean 500 (or 504)
                            return;
                        }
                        // Part of the body came first: as on a thread, where it would have been written before the
                        // FAIL arrived, it goes out and the connection is aborted, whatever the timing was.
                        applyHead();
                        committed = true;
                        response.write(false, body, afterWrite(done, () -> onFail(p)));
                        return;
                    }
                    default -> throw new ProtocolException("unexpected frame " + Frame.typeName(type) + " from worker");
                }
            }
        } catch (IOException | ProtocolException e) {
            done.accept(Outcome.BROKEN);
            workerLost(e);
        }
    }

    /** {@link #complete} with one asynchronous write. */
    private void completeAsync(ByteBuffer lastData, java.util.function.Consumer<Outcome> done) {
        long declared = declaredLength();
        applyHead();
        committed = true;
        written += lastData.remaining();
        if (declared >= 0 && written < declared && mayHaveBody()) {
            log.warn("response shorter than its Content-Length request_id={} content_length={} sent={}",
                    requestId, declared, written);
            response.write(false, lastData, afterWrite(done,
                    () -> callback.failed(new IOException("response shorter than its Content-Length"))));
            return;
        }
        response.write(true, lastData, afterWrite(done, callback::succeeded));
    }

    /**
     * The callback of an asynchronous write on the selector thread: the channel goes back ({@code done}, CLEAN:
     * every frame of the answer was read) once Jetty is done with the bytes, then {@code written} runs; when the
     * write failed the client went away, and the request fails.
     */
    private Callback afterWrite(java.util.function.Consumer<Outcome> done, Runnable written) {
        return Callback.from(Invocable.InvocationType.NON_BLOCKING, () -> {
            done.accept(Outcome.CLEAN);
            written.run();
        }, x -> {
            done.accept(Outcome.CLEAN);
            log.debug("client went away request_id={} error={}", requestId, x.toString());
            callback.failed(x);
        });
    }

    /** The channel closed (a timeout, a stop) or reached EOF while the answer was awaited without a thread. */
    void lost(IOException e) {
        workerLost(e);
    }

    private Outcome relay() throws IOException, ClientGoneException, BodyOverLimitException {
        for (;;) {
            byte type = channel.nextFrame();
            switch (type) {
                case Frame.READ -> answerRead();
                case Frame.HEADERS -> {
                    if (channel.remaining() > headerBufferSize) {
                        log.error("response headers over header-buffer-size request_id={} size={} limit={}",
                                requestId, channel.remaining(), headerBufferSize);
                        fail(new Failure.HeaderOverflow(channel.remaining(), headerBufferSize));
                        return Outcome.BROKEN;
                    }
                    byte[] p = channel.payload(headerBufferSize);
                    head = ResponseHead.decode(p, 0, p.length);
                }
                case Frame.DATA -> {
                    if (streamData()) return Outcome.CLEAN;
                }
                case Frame.END -> {
                    finish();
                    return Outcome.CLEAN;
                }
                case Frame.FAIL -> {
                    byte[] p = channel.payload(64 * 1024);
                    onFail(p);
                    return Outcome.CLEAN;
                }
                default -> throw new ProtocolException("unexpected frame " + Frame.typeName(type) + " from worker");
            }
        }
    }

    /** Streams one DATA payload; returns true when it ended the response (END was already buffered). */
    private boolean streamData() throws IOException, ClientGoneException {
        if (head == null) throw new ProtocolException("DATA before HEADERS");
        while (channel.remaining() > 0) {
            ByteBuffer slice = channel.payloadSlice(Integer.MAX_VALUE);
            boolean last = channel.remaining() == 0 && channel.nextBufferedIs(Frame.END);
            if (last) {
                channel.nextFrame(); // the END we saw buffered
                complete(slice);
                return true;
            }
            write(false, slice);
        }
        return false;
    }

    private void finish() throws ClientGoneException {
        if (head == null) throw new ProtocolException("END before HEADERS");
        complete(BufferUtil.EMPTY_BUFFER);
    }

    /**
     * The last write. A body shorter than the application's Content-Length cannot be completed honestly:
     * what there is goes out and the connection is aborted, so the client sees a truncated response rather
     * than a complete-looking one (and not a server error page either: the app's status stands).
     */
    private void complete(ByteBuffer lastData) throws ClientGoneException {
        long declared = declaredLength();
        if (declared >= 0 && written + lastData.remaining() < declared && mayHaveBody()) {
            long sent = written + lastData.remaining();
            write(false, lastData);
            log.warn("response shorter than its Content-Length request_id={} content_length={} sent={}",
                    requestId, declared, sent);
            callback.failed(new IOException("response shorter than its Content-Length"));
            return;
        }
        write(true, lastData);
        callback.succeeded();
    }

    private long declaredLength() {
        for (int i = 0; i < head.names().size(); i++) {
            if (head.names().get(i).equalsIgnoreCase("Content-Length")) {
                try {
                    return Long.parseLong(head.values().get(i).trim());
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    private boolean mayHaveBody() {
        int status = head.status();
        return status >= 200 && status != 204 && status != 304 && !HttpMethod.HEAD.is(request.getMethod());
    }

    private void onFail(byte[] payload) {
        byte reason = payload.length > 0 ? payload[0] : Frame.FAIL_APPLICATION;
        if (committed) {
            // Status and part of the body are out: the only honest signal left is an aborted connection.
            callback.failed(new IOException("application failed after its response started (request_id=" + requestId + ")"));
            return;
        }
        if (payload.length > 1) {
            log.debug("worker reported failure request_id={} reason={} message={}", requestId, (char) reason,
                    new String(payload, 1, payload.length - 1, StandardCharsets.UTF_8));
        }
        if (channel.interrupted()) {
            fail(new Failure.GatewayTimeout()); // the RequestTimeout interrupt-timeout raised ended it
            return;
        }
        fail(reason == Frame.FAIL_START_RESPONSE ? new Failure.InvalidResponse() : new Failure.ApplicationError());
    }

    private void workerLost(Exception e) {
        if (channel.wasCutOff()) {
            // The server's shutdown-timeout passed (Server.stop): said in one line an operator can act on.
            double seconds = org.eclipse.jetty.util.NanoTime.millisSince(request.getBeginNanoTime()) / 1000.0;
            log.error("request cut off at shutdown-timeout request_id={} method={} url={} seconds={} answer={}",
                    requestId, request.getMethod(), request.getHttpURI().getPathQuery(), seconds,
                    committed ? "connection closed (its response had started)" : "503");
            if (committed) callback.failed(new IOException("cut off at shutdown-timeout after its response started"));
            else fail(new Failure.Unavailable(io.jwsgi.daemon.DispatchException.Kind.STOPPING));
            return;
        }
        if (channel.timedOut()) {
            // The supervisor gave up on the request (request-timeout, socket-timeout) and closed its channel; it
            // logged why.
            if (committed) callback.failed(new IOException("request timed out after its response started"));
            else fail(new Failure.GatewayTimeout());
            return;
        }
        if (committed) {
            log.warn("worker channel lost mid-response request_id={} channel={} error={}", requestId, channel, e.toString());
            callback.failed(e);
        } else {
            log.warn("worker channel lost before the response request_id={} channel={} error={}", requestId, channel, e.toString());
            fail(new Failure.WorkerLost(e.toString()));
        }
    }

    private void fail(Failure failure) {
        if (committed) {
            callback.failed(new IOException("failure after commit: " + failure));
        } else {
            response.getHeaders().clear();
            Failure.respond(failure, response, callback);
        }
    }

    private void applyHead() {
        response.setStatus(head.status());
        var headers = response.getHeaders();
        for (int i = 0; i < head.names().size(); i++) {
            String name = head.names().get(i);
            // Framing belongs to the front end: Jetty chooses chunked or not per client.
            if (name.equalsIgnoreCase("Transfer-Encoding")) continue;
            headers.add(name, head.values().get(i));
        }
    }

    private void write(boolean last, ByteBuffer buf) throws ClientGoneException {
        if (!committed) {
            applyHead();
            committed = true;
        }
        written += buf.remaining();
        try (Blocker.Callback cb = Blocker.callback()) {
            response.write(last, buf, cb);
            cb.block();
        } catch (IOException e) {
            throw new ClientGoneException(e);
        }
    }

    /** One READ asks for at most n bytes: one BODY frame (what is available, after waiting for the first) or END. */
    private void answerRead() throws IOException, ClientGoneException, BodyOverLimitException {
        byte[] p = channel.payload(4);
        if (p.length != 4) throw new ProtocolException("READ payload is not 4 bytes");
        long want = Integer.toUnsignedLong(ByteBuffer.wrap(p).getInt());
        RequestEncoder enc = channel.encoder();
        enc.clear();
        if (bodyEnded) {
            enc.mark(Frame.END);
        } else {
            appendBody(enc, (int) Math.max(1, Math.min(want, READ_CAP)), true);
        }
        channel.sendEncoded();
    }

    /**
     * Appends up to {@code window} body bytes as one BODY frame.
     * As a push ({@code block} false): only what is already available, then END if the body ended, else MORE.
     * As the answer to READ ({@code block} true): waits for the first bytes; exactly one frame, BODY when there
     * were bytes, END when the body had already ended (the next READ then gets END).
     */
    private void appendBody(RequestEncoder enc, int window, boolean block)
            throws ClientGoneException, BodyOverLimitException {
        int start = -1;
        int taken = 0;
        while (taken < window && !bodyEnded) {
            Content.Chunk chunk = pending != null ? pending : (block && taken == 0 ? readBlocking() : request.read());
            pending = null;
            if (chunk == null) break;
            if (Content.Chunk.isFailure(chunk)) {
                // An EofException (Jetty's QuietException): a client that left mid-upload is routine, and Jetty
                // would otherwise log the failed request with a full stack trace at WARN.
                throw new ClientGoneException(new EofException("request body failed", chunk.getFailure()));
            }
            ByteBuffer bb = chunk.getByteBuffer();
            int n = Math.min(bb.remaining(), window - taken);
            if (n > 0) {
                if (start < 0) start = enc.reserveBody(n);
                else enc.growBody(start, taken + n);
                bb.get(enc.array(), start + taken, n);
                taken += n;
                bodyReceived += n;
                if (bodyLimit > 0 && bodyReceived > bodyLimit) throw new BodyOverLimitException();
            }
            if (bb.hasRemaining()) {
                pending = chunk;
            } else {
                if (chunk.isLast()) bodyEnded = true;
                chunk.release();
            }
        }
        if (bodyEnded) {
            if (taken == 0 || !block) enc.mark(Frame.END);
        } else if (!block) {
            enc.mark(Frame.MORE);
        }
    }

    private Content.Chunk readBlocking() throws ClientGoneException {
        for (;;) {
            Content.Chunk chunk = request.read();
            if (chunk != null) return chunk;
            try (Blocker.Runnable waiter = Blocker.runnable()) {
                request.demand(waiter);
                waiter.block();
            } catch (IOException e) {
                throw new ClientGoneException(e);
            }
        }
    }

    static boolean expectsContinue(Request request) {
        String expect = request.getHeaders().get(HttpHeader.EXPECT);
        return expect != null && expect.equalsIgnoreCase("100-continue");
    }

    /** The request body grew past limit-request-body (a body without Content-Length). */
    static final class BodyOverLimitException extends Exception {
        BodyOverLimitException() {
            super("request body over limit-request-body", null, false, false);
        }
    }

    /** The client side failed (went away, or sent a broken body): the exchange cannot finish. */
    static final class ClientGoneException extends Exception {
        ClientGoneException(IOException cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }
}
