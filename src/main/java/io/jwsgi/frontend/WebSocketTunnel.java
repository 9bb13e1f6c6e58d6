package io.jwsgi.frontend;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executor;
import org.eclipse.jetty.client.HttpUpgrader;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * One direction of a proxied WebSocket (mod_proxy's {@code upgrade=websocket}): after the backend answered the
 * handshake with 101, the client's and the backend's connections each get one of these, reading bytes from its own
 * end point and writing them to the other. The frames are not parsed: the tunnel is transparent, as Apache's is.
 *
 * <p>Ordering: the backend side is installed as soon as the backend's 101 arrives but reads nothing until the
 * client side is open, that is until Jetty has written our 101 to the client and handed over its connection
 * ({@link HttpStream#UPGRADE_CONNECTION_ATTRIBUTE}); otherwise a frame the backend sends at once could reach the
 * client before the 101. Bytes either side sent right behind its handshake come in through {@link #onUpgradeTo} and
 * are forwarded first. End of input on one side shuts the other side's output; a failure or the idle timeout
 * ({@code --proxy-timeout}) closes both.
 */
final class WebSocketTunnel extends AbstractConnection implements Connection.UpgradeTo {
    private static final int BUFFER_SIZE = 16 * 1024;

    private final EndPoint destination;
    private final boolean clientSide;
    private final ByteBuffer buffer = BufferUtil.allocate(BUFFER_SIZE);
    private ByteBuffer early;
    private WebSocketTunnel peer;

    private WebSocketTunnel(EndPoint source, EndPoint destination, Executor executor, boolean clientSide) {
        super(source, executor);
        this.destination = destination;
        this.clientSide = clientSide;
    }

    /** The Upgrade value of a WebSocket handshake (RFC 6455 §4.1), else null: other upgrades are not tunnelled. */
    static String requestedUpgrade(Request request) {
        if (!HttpMethod.GET.is(request.getMethod())) return null;
        if (!HttpVersion.HTTP_1_1.is(request.getConnectionMetaData().getProtocol())) return null;
        HttpField upgrade = request.getHeaders().getField(HttpHeader.UPGRADE);
        HttpField connection = request.getHeaders().getField(HttpHeader.CONNECTION);
        if (upgrade == null || connection == null) return null;
        if (!upgrade.getValue().toLowerCase(Locale.ROOT).contains("websocket")) return null;
        if (!connection.contains("upgrade")) return null;
        return upgrade.getValue();
    }

    @Override
    public void onUpgradeTo(ByteBuffer prefilled) {
        // The buffer belongs to the connection being replaced: copy what it holds.
        if (BufferUtil.hasContent(prefilled)) early = BufferUtil.copy(prefilled);
    }

    @Override
    public void onOpen() {
        super.onOpen();
        if (clientSide) {
            // Our 101 is on the wire: both directions may flow now.
            pump();
            peer.pump();
        }
    }

    /** Forwards the bytes that came right behind the handshake, then reads on. */
    private void pump() {
        ByteBuffer first = early;
        early = null;
        if (first != null) {
            destination.write(Callback.from(this::fillInterested, this::fail), first);
        } else {
            fillInterested();
        }
    }

    private void readMore() {
        BufferUtil.clear(buffer);
        fillInterested();
    }

    @Override
    public void onFillable() {
        try {
            int filled = getEndPoint().fill(buffer);
            if (filled > 0) {
                destination.write(Callback.from(this::readMore, this::fail), buffer);
            } else if (filled == 0) {
                fillInterested();
            } else if (destination.isOutputShutdown() || getEndPoint().isOutputShutdown()) {
                close();
                destination.close();
            } else {
                destination.shutdownOutput();
            }
        } catch (IOException e) {
            fail(e);
        }
    }

    private void fail(Throwable failure) {
        getEndPoint().close(failure);
        destination.close(failure);
    }

    @Override
    public void onClose(Throwable cause) {
        super.onClose(cause);
        destination.close(cause);
    }

    /**
     * Jetty-client's hook for a 101 to a proxied handshake: puts the Upgrade header back on the way out, and on the
     * backend's 101 answers the client with the same 101 and links the two connections.
     */
    static final class Upgrader implements HttpUpgrader {
        private final String upgrade;
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final Duration idleTimeout;

        Upgrader(String upgrade, Request request, Response response, Callback callback, Duration idleTimeout) {
            this.upgrade = upgrade;
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.idleTimeout = idleTimeout;
        }

        @Override
        public void prepare(org.eclipse.jetty.client.Request toBackend) {
            toBackend.headers(headers -> headers.put(HttpHeader.UPGRADE, upgrade)
                    .put(HttpHeader.CONNECTION, "Upgrade"));
        }

        @Override
        public void upgrade(org.eclipse.jetty.client.Response fromBackend, EndPoint backend, Callback done) {
            EndPoint client = request.getConnectionMetaData().getConnection().getEndPoint();
            Executor executor = request.getComponents().getExecutor();
            WebSocketTunnel toBackend = new WebSocketTunnel(client, backend, executor, true);
            WebSocketTunnel toClient = new WebSocketTunnel(backend, client, executor, false);
            toBackend.peer = toClient;
            toClient.peer = toBackend;
            client.setIdleTimeout(idleTimeout.toMillis());
            backend.setIdleTimeout(idleTimeout.toMillis());
            backend.upgrade(toClient);
            // The client's connection changes hands once Jetty has written the 101 (HttpStream's upgrade attribute).
            Request.addCompletionListener(request, failure -> {
                if (failure != null) backend.close(failure);
            });
            request.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, toBackend);
            response.setStatus(HttpStatus.SWITCHING_PROTOCOLS_101);
            for (HttpField field : fromBackend.getHeaders()) {
                // Upgrade and Connection stay (a 101 needs them); Date is the front end's own, as on any response.
                if (field.getHeader() != HttpHeader.DATE) response.getHeaders().add(field);
            }
            callback.succeeded();
            done.succeeded();
        }
    }
}
