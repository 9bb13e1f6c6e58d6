package io.jwsgi.edge;

import io.jwsgi.config.IpRange;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.AbstractConnectionFactory;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.DetectorConnectionFactory;
import org.eclipse.jetty.server.ProxyConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --proxy-protocol}: Jetty's {@link ProxyConnectionFactory} (PROXY protocol v1 and v2, which then hands the
 * connection to the listener's next protocol with the client's addresses in place of the balancer's), with the two
 * rules the protocol's specification asks of a receiver and Jetty leaves to its user:
 * <ul>
 *   <li>only the configured balancers ({@code --trust-proxy}) may send the header: a connection from any other peer
 *       is closed before a byte of it is read, since its header could claim any client address;</li>
 *   <li>the header is not optional ("the receiver MUST NOT try to guess whether the protocol header is present"):
 *       a connection that starts with anything else is closed, where Jetty would serve it as plain HTTP.</li>
 * </ul>
 * A v1 line is checked strictly first ({@link ProxyLineV1}); a malformed one is refused as having no header. A
 * malformed v2 header (bad signature, version, family or length) is closed by Jetty itself, with its own warning in
 * the error log. Each refusal of ours is one WARN line naming the peer.
 */
public final class ProxyProtocolGate extends DetectorConnectionFactory {
    private static final Logger log = LoggerFactory.getLogger(ProxyProtocolGate.class);

    private final List<IpRange> peers;

    /**
     * @param next  the protocol that follows the header on this listener ({@code SSL} on the HTTPS port, else HTTP/1.1)
     * @param peers the balancers allowed to connect
     */
    public ProxyProtocolGate(String next, List<IpRange> peers) {
        super(new StrictV1(new ProxyConnectionFactory(next)));
        this.peers = List.copyOf(peers);
    }

    /**
     * Puts a gate in front of every listener of the server (plain, HTTPS, further {@code Listen} ports), each
     * handing on to what was the listener's first protocol: the header comes before TLS on the HTTPS port.
     */
    public static void install(Server server, List<IpRange> peers) {
        for (Connector connector : server.getConnectors()) {
            if (connector instanceof AbstractConnector listener) {
                listener.addFirstConnectionFactory(new ProxyProtocolGate(listener.getDefaultProtocol(), peers));
            }
        }
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        SocketAddress peer = endPoint.getRemoteSocketAddress();
        if (!trusted(peer)) {
            log.warn("connection refused: peer is not a trusted proxy and --proxy-protocol is on peer={} "
                    + "(add it to --trust-proxy if it is your load balancer)", address(peer));
            return new Refused(endPoint, connector);
        }
        return super.newConnection(connector, endPoint);
    }

    /** Called when the first bytes are neither a v1 nor a v2 header: refuse instead of serving them as HTTP. */
    @Override
    protected void nextProtocol(Connector connector, EndPoint endPoint, ByteBuffer buffer) {
        log.warn("connection refused: no PROXY protocol header peer={} (--proxy-protocol: the balancer must send "
                + "a valid one on every connection, HAProxy's send-proxy or send-proxy-v2)",
                address(endPoint.getRemoteSocketAddress()));
        endPoint.close();
    }

    boolean trusted(SocketAddress peer) {
        if (!(peer instanceof InetSocketAddress inet) || inet.getAddress() == null) return false;
        for (IpRange range : peers) {
            if (range.contains(inet.getAddress())) return true;
        }
        return false;
    }

    private static String address(SocketAddress peer) {
        if (peer instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return String.valueOf(peer);
    }

    /**
     * Jetty's PROXY protocol factory, recognised only once a v1 line is complete and valid ({@link ProxyLineV1}): an
     * invalid one is "not recognised", which the gate refuses. v2 is Jetty's to detect and parse.
     */
    private static final class StrictV1 extends AbstractConnectionFactory implements ConnectionFactory.Detecting {
        private final ProxyConnectionFactory jetty;

        StrictV1(ProxyConnectionFactory jetty) {
            super(jetty.getProtocol());
            this.jetty = jetty;
        }

        @Override
        public Detection detect(ByteBuffer buffer) {
            return switch (ProxyLineV1.check(buffer)) {
                case INCOMPLETE -> Detection.NEED_MORE_BYTES;
                case INVALID -> Detection.NOT_RECOGNIZED;
                case VALID, NOT_V1 -> jetty.detect(buffer);
            };
        }

        @Override
        public Connection newConnection(Connector connector, EndPoint endPoint) {
            return jetty.newConnection(connector, endPoint);
        }
    }

    /** A connection that closes as soon as it is opened, reading nothing. */
    private static final class Refused extends AbstractConnection {
        Refused(EndPoint endPoint, Connector connector) {
            super(endPoint, connector.getExecutor());
        }

        @Override
        public void onOpen() {
            super.onOpen();
            getEndPoint().close();
        }

        @Override
        public void onFillable() {
            getEndPoint().close();
        }
    }
}
