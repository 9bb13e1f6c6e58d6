package io.jwsgi.ops;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.NanoTime;

/**
 * Counts what the WSGI handler answers into {@link RequestMetrics}. The WSGI handler is blocking: it returns only
 * once the exchange is over and the status final, so the count is taken right after it returns, with no callback
 * wrapper and nothing allocated. The latency runs from the request's arrival ({@link Request#getBeginNanoTime}),
 * so time spent waiting for a worker thread or for --max-clients is part of it.
 */
public final class MeteredHandler extends Handler.Wrapper {
    private final RequestMetrics metrics;

    public MeteredHandler(Handler handler, RequestMetrics metrics) {
        super(handler);
        this.metrics = metrics;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        boolean handled = super.handle(request, response, callback);
        if (handled) {
            metrics.record(response.getStatus(), NanoTime.since(request.getBeginNanoTime()));
        }
        return handled;
    }
}
