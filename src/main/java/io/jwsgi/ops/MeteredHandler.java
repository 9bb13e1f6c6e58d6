package io.jwsgi.ops;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.NanoTime;

/**
 * Counts what the WSGI handler answers into {@link RequestMetrics} as it completes the request: the handler may
 * return before the answer is relayed (docs/performance.md "The event loop"). The latency runs from the request's
 * arrival ({@link Request#getBeginNanoTime}), so time spent waiting for a worker thread or for --max-clients is
 * part of it.
 */
public final class MeteredHandler extends Handler.Wrapper {
    private final RequestMetrics metrics;

    public MeteredHandler(Handler handler, RequestMetrics metrics) {
        super(handler);
        this.metrics = metrics;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        // The answer may still be on its way when the handler returns (relayed by the selector): counted when the
        // handler completes the request, with its final status.
        return super.handle(request, response, new Callback.Nested(callback) {
            @Override
            public void succeeded() {
                metrics.record(response.getStatus(), NanoTime.since(request.getBeginNanoTime()));
                super.succeeded();
            }

            @Override
            public void failed(Throwable x) {
                metrics.record(response.isCommitted() ? response.getStatus() : 500,
                        NanoTime.since(request.getBeginNanoTime()));
                super.failed(x);
            }
        });
    }
}
