package io.jwsgi.frontend;

import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The outermost handler: decides, per request, whether the handler chain runs on the selector thread that parsed
 * the request or on a virtual thread of its own (docs/performance.md "The event loop").
 *
 * <p>Jetty runs the handlers on the selector thread when the server's invocation type is non-blocking, which this
 * handler declares, and keeps its promise by sending every request that could block to a virtual thread: one with
 * a body (read before a worker thread is taken, {@link RequestIntake}), an upgrade, HTTP/2 and, when static files
 * or proxying are configured by flags, everything. What stays on the selector thread is a request without a body
 * for the application, the status page or an error page: none of these block. (A configuration file's site sends
 * only its file requests, Alias and DocumentRoot, to a thread: {@link SiteHandler} knows them once routed.) The WSGI handler sees
 * {@link #onSelectorThread()} and then never waits: with no worker thread free it parks the request in the
 * group's queue without a thread ({@link io.jwsgi.daemon.Dispatch#acquireLater}).
 */
public final class InlineDispatch extends Handler.Wrapper {
    private static final ThreadLocal<Boolean> INLINE = new ThreadLocal<>();

    private final Executor threads;
    private final boolean allowed;

    /**
     * @param threads the server's virtual threads
     * @param allowed false when a handler in the chain may block on any request (static files, the reverse proxy):
     *                then every request runs on a virtual thread, as before
     */
    public InlineDispatch(Executor threads, boolean allowed, Handler handler) {
        super(handler);
        this.threads = threads;
        this.allowed = allowed && EventLoop.ENABLED;
    }

    /** True while a handler runs on the selector thread, where it must not block. */
    public static boolean onSelectorThread() {
        return INLINE.get() == Boolean.TRUE;
    }

    /**
     * Runs {@code task} marked as on the selector thread: for work the selector does outside a handler (an
     * answer relayed by {@link AwaitedAnswer}) that may complete a request, and so start a waiting one.
     */
    static void onSelectorThread(Runnable task) {
        Boolean before = enterSelectorThread();
        try {
            task.run();
        } finally {
            leaveSelectorThread(before);
        }
    }

    /** Marks this thread as the selector's; returns the mark it had, for {@link #leaveSelectorThread}. */
    private static Boolean enterSelectorThread() {
        Boolean before = INLINE.get();
        INLINE.set(Boolean.TRUE);
        return before;
    }

    private static void leaveSelectorThread(Boolean before) {
        if (before == null) INLINE.remove();
        else INLINE.set(before);
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        if (allowed && inlineable(request)) {
            Boolean before = enterSelectorThread();
            try {
                return handleHere(request, response, callback);
            } finally {
                leaveSelectorThread(before);
            }
        }
        threads.execute(() -> {
            if (!handleHere(request, response, callback)) {
                Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
            }
        });
        return true;
    }

    private boolean handleHere(Request request, Response response, Callback callback) {
        try {
            return super.handle(request, response, callback);
        } catch (Throwable x) {
            callback.failed(x); // as Jetty does for a handler that throws: its error page, 500
            return true;
        }
    }

    private static boolean inlineable(Request request) {
        if (request.getConnectionMetaData().getHttpVersion().getVersion() >= 20) return false;
        var headers = request.getHeaders();
        return headers.getLongField(HttpHeader.CONTENT_LENGTH) <= 0 && !headers.contains(HttpHeader.TRANSFER_ENCODING)
                && !headers.contains(HttpHeader.UPGRADE);
    }
}
