package io.jwsgi.drain;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * While the server drains, every HTTP/1 response says {@code Connection: close}: a keep-alive client finishes the
 * exchange it is in and its next request goes to a new connection, which the load balancer by then sends to
 * another instance. HTTP/2 has no such header: its connections are closed by Jetty's graceful shutdown once the
 * listener has closed and they are idle. Costs one volatile read per request otherwise.
 */
public final class DrainHandler extends Handler.Wrapper {
    private final Drain drain;

    public DrainHandler(Drain drain, Handler next) {
        super(next);
        this.drain = drain;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (drain.draining() && request.getConnectionMetaData().getHttpVersion().getVersion() < 20) {
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
        return super.handle(request, response, callback);
    }
}
