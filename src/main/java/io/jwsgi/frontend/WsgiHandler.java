package io.jwsgi.frontend;

import io.jwsgi.auth.AuthGate;
import io.jwsgi.daemon.Channel;
import io.jwsgi.daemon.Dispatch;
import io.jwsgi.daemon.DispatchException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.URIUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WSGI mount: hands every request under the mount point to a worker thread of the group. Runs blocking
 * on the request's virtual thread (the server's thread pool runs blocking handlers on virtual threads).
 */
public final class WsgiHandler extends Handler.Abstract {
    private static final Logger log = LoggerFactory.getLogger(WsgiHandler.class);

    /** What the handler needs from the configuration. */
    public record Settings(String mountPoint, int headerBufferSize, long limitRequestBody, Map<String, String> setenv,
                           Duration socketTimeout, Duration keepAliveTimeout) {}

    /**
     * Set by {@link SiteHandler} on a request it routed here: the split and the environ its configuration gives
     * (SCRIPT_FILENAME, the application group, SetEnv values), in place of this handler's mount point.
     */
    static final String ROUTED = WsgiHandler.class.getName() + ".routed";

    /** A request routed by a configuration file's mounts. */
    record Routed(Environ.Split split, Map<String, String> environ, boolean passAuthorization) {}

    private final Dispatch dispatch;
    private final Settings settings;
    /** The --setenv/--passenv values. */
    private final Map<String, String> setenv;
    /** "https" or "http" when --setenv gave HTTPS, else null: the connection decides. */
    private final String forcedScheme;
    private final RequestIds ids = new RequestIds();
    /** Jetty's selectors for the worker channels, once the server started; null: blocking relay only. */
    private volatile EventLoop eventLoop;
    /** Where an answer too large for the selector thread is relayed: the server's virtual threads. */
    private final java.util.concurrent.Executor threads;

    /**
     * @param threads the server's virtual threads: where a request handled on the selector thread goes when it
     *                has to wait, and where an answer too large for the selector thread is relayed
     */
    public WsgiHandler(Dispatch dispatch, Settings settings, java.util.concurrent.Executor threads) {
        super(InvocationType.BLOCKING);
        this.threads = threads;
        this.dispatch = dispatch;
        this.settings = settings;
        // An HTTPS variable set with --setenv decides wsgi.url_scheme ("On" or "1" means https; for a
        // TLS-terminating proxy in front) and, as the user asked for it, is in the environ too. Without it the
        // environ has no HTTPS key (mod_wsgi 4.1.0): wsgi.url_scheme is authoritative.
        Map<String, String> values = new LinkedHashMap<>(settings.setenv());
        String https = values.get("HTTPS");
        this.setenv = Collections.unmodifiableMap(values);
        this.forcedScheme = https == null ? null
                : https.equalsIgnoreCase("on") || https.equals("1") ? "https" : "http";
    }

    /** From now on answers to requests without a body are awaited on {@code loop} (docs/performance.md). */
    public void useEventLoop(EventLoop loop) {
        this.eventLoop = loop;
    }

    /**
     * Status for a request whose framing RFC 9112/9110 do not allow but Jetty accepts, or 0: Transfer-Encoding in
     * HTTP/1.0 (§6.1, faulty framing: 400), a transfer coding other than chunked (§6.1: 501; jwsgi implements
     * no other), a repeated Content-Type (RFC 9110 §8.3, a singleton field: 400).
     */
    static int framingRefusal(Request request) {
        org.eclipse.jetty.http.HttpFields headers = request.getHeaders();
        java.util.List<String> codings = headers.getCSV(HttpHeader.TRANSFER_ENCODING, false);
        if (!codings.isEmpty()) {
            if (request.getConnectionMetaData().getHttpVersion() != org.eclipse.jetty.http.HttpVersion.HTTP_1_1) {
                return 400;
            }
            for (String coding : codings) {
                if (!coding.trim().equalsIgnoreCase("chunked")) return 501;
            }
        }
        if (headers.getValuesList(HttpHeader.CONTENT_TYPE).size() > 1) return 400;
        return 0;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        // Dot segments go before the mount split, as Apache's ap_getparents does: otherwise "/app/../x" reaches
        // the app as PATH_INFO "/../x" and "/x/../app" misses the mount. Jetty already refuses encoded dots.
        Routed routed = (Routed) request.getAttribute(ROUTED);
        Environ.Split split;
        if (routed != null) {
            split = routed.split();
        } else {
            String path = URIUtil.normalizePath(request.getHttpURI().getPath());
            split = path == null ? null : Environ.split(settings.mountPoint(), Environ.decodePath(path));
        }
        if (split == null) return false;
        int refused = framingRefusal(request);
        if (refused != 0) {
            // Framing Jetty's parser lets through: answered here, before any worker sees it, and the connection
            // is closed so nothing after it in the stream is read as a request (docs/http-parsing.md).
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            Response.writeError(request, response, callback, refused);
            return true;
        }
        long length = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        if (settings.limitRequestBody() > 0 && length > settings.limitRequestBody()) {
            Failure.respond(new Failure.BodyTooLarge(length, settings.limitRequestBody()), response, callback);
            return true;
        }
        // HTTP/2 frames the body itself: a request with no content-length may still have one (END_STREAM tells).
        boolean hasBody = length > 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)
                || (length < 0 && !isHttp1(request));
        keepAlive(request, response, settings.socketTimeout(), settings.keepAliveTimeout());
        if (InlineDispatch.onSelectorThread()) {
            // On the selector thread (a request without a body, InlineDispatch). The request takes a worker thread's
            // channel now, or waits for one with no thread of its own and goes on where a channel is released.
            if (hasBody || eventLoop == null) {
                threads.execute(() -> exchange(request, response, callback, split, hasBody, null));
                return true;
            }
            dispatch.acquireLater(new Dispatch.Waiter() {
                @Override
                public void granted(Channel channel, boolean here) {
                    if (!here) {
                        threads.execute(() -> exchange(request, response, callback, split, false, channel));
                        return;
                    }
                    try {
                        exchange(request, response, callback, split, false, channel);
                    } catch (RuntimeException | Error x) {
                        // On the thread that released the channel: this request's failure is its own (a 500).
                        callback.failed(x);
                    }
                }

                @Override
                public void refused(DispatchException e) {
                    log.warn("request refused reason={} detail={} method={} url={}", e.kind(), e.getMessage(),
                            request.getMethod(), request.getHttpURI().getPathQuery());
                    Failure.respond(new Failure.Unavailable(e.kind()), response, callback);
                }
            });
            return true;
        }
        exchange(request, response, callback, split, hasBody, null);
        return true;
    }

    /**
     * Relays the request over a worker channel: {@code taken}, already acquired on the selector thread (then nothing
     * here blocks), or one acquired here, waiting in the group's queue when none is free.
     */
    private void exchange(Request request, Response response, Callback callback, Environ.Split split,
                          boolean hasBody, Channel taken) {
        Channel channel = taken;
        if (channel == null) {
            try {
                channel = dispatch.acquire();
            } catch (DispatchException e) {
                log.warn("request refused reason={} detail={} method={} url={}", e.kind(), e.getMessage(),
                        request.getMethod(), request.getHttpURI().getPathQuery());
                Failure.respond(new Failure.Unavailable(e.kind()), response, callback);
                return;
            }
        }
        Exchange.Outcome outcome = Exchange.Outcome.BROKEN;
        boolean awaited = false;
        try {
            String requestId = ids.next();
            channel.requestId(requestId);
            channel.encoder().beginRequest();
            Routed routed = (Routed) request.getAttribute(ROUTED);
            Environ.write(channel.encoder(), request, split, requestId,
                    forcedScheme != null ? forcedScheme : request.isSecure() ? "https" : "http",
                    routed == null || routed.passAuthorization());
            TrustedProxies.writeOverrides(channel.encoder(), request); // trusted X-Script-Name, -Server, -Port
            // --ssl-environment: SSL_* variables, computed by the HTTPS listener (docs/tls.md).
            if (request.getAttribute(SslEnvironment.ATTRIBUTE) instanceof Map<?, ?> ssl) {
                Channel c = channel;
                ssl.forEach((k, v) -> c.encoder().put((String) k, (String) v));
            }
            // --setenv / --passenv values (mod_wsgi's SetEnv/PassEnv).
            setenv.forEach(channel.encoder()::put);
            if (routed != null) routed.environ().forEach(channel.encoder()::put);
            // Authenticated by the auth hooks (docs/auth-hooks.md): after SetEnv, so a configuration cannot forge it.
            if (request.getAttribute(AuthGate.AUTHENTICATED) instanceof AuthGate.Authenticated who) {
                channel.encoder().put("REMOTE_USER", who.user()).put("AUTH_TYPE", who.type());
            }
            channel.encoder().endEnviron();
            Exchange exchange = new Exchange(channel, request, response, callback, requestId,
                    settings.headerBufferSize(), settings.limitRequestBody());
            EventLoop loop = eventLoop;
            if (loop != null) channel.useSelector(loop.selectorFor(channel));
            if (!hasBody && loop != null && isHttp1(request)) {
                // The answer is awaited with no thread (AwaitedAnswer), which gives the channel back.
                awaited = true;
                AwaitedAnswer answer = new AwaitedAnswer(exchange, channel, dispatch, threads);
                switch (exchange.trySendWithoutBody()) {
                    case SENT -> channel.awaitResponse(answer);
                    case FAILED -> dispatch.discard(channel);
                    case PARTIAL -> { // the worker's socket is full: the rest from a thread that may wait
                        Channel c = channel;
                        Runnable rest = () -> {
                            if (exchange.finishSend()) c.awaitResponse(answer);
                            else dispatch.discard(c);
                        };
                        if (taken == null) rest.run(); // this thread may wait
                        else threads.execute(rest);
                    }
                }
                return;
            }
            outcome = exchange.run(hasBody, hasBody && Exchange.expectsContinue(request));
        } catch (java.io.IOException e) {
            // useSelector: the channel could not become non-blocking (closed meanwhile).
            log.warn("worker channel unusable channel={} error={}", channel, e.toString());
            Failure.respond(new Failure.WorkerLost(e.toString()), response, callback);
        } finally {
            if (!awaited) outcome.giveBack(dispatch, channel);
        }
    }

    /**
     * Apache's two timeouts on one Jetty idle timeout: while a request is in progress the connection may be
     * idle for socket-timeout; once its response is complete, for keep-alive-timeout (0: no keep-alive). Static
     * files (StaticFiles) apply it to their responses too.
     */
    static void keepAlive(Request request, Response response, Duration socketTimeout, Duration keepAliveTimeout) {
        // HTTP/2 multiplexes requests on one connection: its idle timeout stays socket-timeout, and
        // "Connection: close" is not an HTTP/2 header.
        if (!isHttp1(request)) return;
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        endPoint.setIdleTimeout(socketTimeout.toMillis());
        if (keepAliveTimeout.isZero()) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        } else {
            long keepAlive = keepAliveTimeout.toMillis();
            Request.addCompletionListener(request, failure -> endPoint.setIdleTimeout(keepAlive));
        }
    }

    private static boolean isHttp1(Request request) {
        return request.getConnectionMetaData().getHttpVersion().getVersion() < 20;
    }
}
