package io.jwsgi.frontend;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

/**
 * The first handler every request meets (outside --max-clients, so slow clients cannot fill it): times its body
 * reads ({@link BodyWatch}) and, before anything else runs, reads the first {@value #PREFETCH} bytes of its body
 * (all of a smaller body) into memory. A request is handed on, and so can take a Python worker thread, only once
 * its head is complete (the connection's parser sees to that) and its body is either complete or at least
 * {@value #PREFETCH} bytes in: a client trickling a small upload waits here, on a virtual thread, until it
 * finishes or its --body-timeout ends it (docs/reliability.md).
 *
 * <p>Not prefetched: a request with {@code Expect: 100-continue} (reading would send 100 Continue before the
 * application asked for the body) and one whose declared length is over --limit-request-body (refused unread).
 */
public final class RequestIntake extends Handler.Wrapper {
    static final int PREFETCH = 64 * 1024;

    private final ReadTimeouts timeouts;
    private final long limitRequestBody;

    public RequestIntake(ReadTimeouts timeouts, long limitRequestBody, Handler handler) {
        super(handler);
        this.timeouts = timeouts;
        this.limitRequestBody = limitRequestBody;
    }

    /**
     * The HTTP/1.1 connection factory that goes with this handler: Jetty's, with the head checks and the header
     * timeout of {@link GuardedHttpConnection}, and the target, Host and method rules of
     * {@link io.jwsgi.edge.HeadRules}.
     */
    public static org.eclipse.jetty.server.HttpConnectionFactory connectionFactory(
            org.eclipse.jetty.server.HttpConfiguration http, ReadTimeouts timeouts,
            io.jwsgi.config.RegisteredMethods methods) {
        var limits = timeouts.limits();
        return new GuardedHttpConnection.Factory(http, timeouts, limits.limitRequestLine(),
                limits.limitRequestFieldSize(), limits.limitRequestFields(), methods);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        long length = request.getLength();
        boolean chunked = request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
        if (length <= 0 && !chunked) return super.handle(request, response, callback);
        Request watched = new BodyWatch(request, timeouts);
        if (Exchange.expectsContinue(request) || (limitRequestBody > 0 && length > limitRequestBody)) {
            return super.handle(watched, response, callback);
        }
        Prefetched prefetched;
        try {
            prefetched = prefetch(watched, length, limitRequestBody);
        } catch (BodyFailure e) {
            // A body that failed before any handler saw the request (too slow, cut short, malformed): its own
            // status (408, 400) through Jetty's error handling, which also closes the connection.
            callback.failed(e.getCause());
            return true;
        }
        return super.handle(prefetched, response, callback);
    }

    /** Reads up to PREFETCH bytes (stopping once over a chunked body's limit: the WSGI handler refuses it then). */
    private static Prefetched prefetch(Request request, long length, long limit) throws BodyFailure {
        int expected = length > 0 ? (int) Math.min(length, PREFETCH) : 8192;
        ByteArrayOutputStream buffered = new ByteArrayOutputStream(expected);
        for (;;) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                try (Blocker.Runnable waiter = Blocker.runnable()) {
                    request.demand(waiter);
                    waiter.block();
                } catch (IOException e) {
                    throw new BodyFailure(e);
                }
                continue;
            }
            if (Content.Chunk.isFailure(chunk)) {
                Throwable failure = chunk.getFailure();
                throw new BodyFailure(failure instanceof org.eclipse.jetty.http.HttpException ? failure
                        : new EofException("request body failed", failure));
            }
            // Copied, not kept: a trickling client's chunks each pin a network buffer.
            ByteBuffer bytes = chunk.getByteBuffer();
            int n = bytes.remaining();
            if (n > 0) {
                byte[] copy = new byte[n];
                bytes.get(copy);
                buffered.writeBytes(copy);
            }
            boolean last = chunk.isLast();
            chunk.release();
            if (last || buffered.size() >= PREFETCH || (limit > 0 && buffered.size() > limit)) {
                return new Prefetched(request, buffered.toByteArray(), last);
            }
        }
    }

    /** The request with its first body bytes already read: they are read again from memory first. */
    static final class Prefetched extends Request.Wrapper {
        private Content.Chunk buffered;

        Prefetched(Request request, byte[] body, boolean last) {
            super(request);
            buffered = body.length == 0 && last ? Content.Chunk.EOF : Content.Chunk.from(ByteBuffer.wrap(body), last);
        }

        @Override
        public Content.Chunk read() {
            Content.Chunk chunk = buffered;
            if (chunk == null) return super.read();
            buffered = chunk.isLast() ? Content.Chunk.EOF : null; // the end stays the end, as with Jetty's chunks
            return chunk;
        }

        @Override
        public void demand(Runnable demandCallback) {
            if (buffered != null) demandCallback.run();
            else super.demand(demandCallback);
        }
    }

    /** The body failed while being prefetched. */
    private static final class BodyFailure extends Exception {
        BodyFailure(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }
}
