package io.jwsgi.edge;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpScheme;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.ProxyConnectionFactory;
import org.eclipse.jetty.server.Request;

/**
 * What a PROXY protocol v2 header says about the TLS the balancer terminated, for the environ
 * (docs/behind-a-proxy.md). A request customizer on every listener when {@code --proxy-protocol} is on.
 *
 * <p>The {@code PP2_TYPE_SSL} TLV (HAProxy's {@code send-proxy-v2-ssl}, {@code send-proxy-v2-ssl-cn}) is laid out as
 * <pre>
 *   uint8  client   bit 0x01 PP2_CLIENT_SSL: the client spoke TLS; 0x02 / 0x04: it sent a certificate
 *                   (on this connection / in this session)
 *   uint32 verify   0 when the client's certificate was verified
 *   sub-TLVs        type (1 byte), length (2 bytes, big-endian), value: 0x21 version, 0x22 the certificate's
 *                   subject CN, 0x23 cipher, 0x24 signature algorithm, 0x25 key algorithm
 * </pre>
 * and {@code PP2_TYPE_AUTHORITY} (0x02) is the server name the client asked for (SNI).
 *
 * <p>They become mod_ssl's names: {@code SSL_PROTOCOL}, {@code SSL_CIPHER}, {@code SSL_CLIENT_S_DN_CN},
 * {@code SSL_CLIENT_VERIFY} ({@code SUCCESS}, {@code FAILED} or {@code NONE}) and {@code SSL_TLS_SNI}, each only when
 * the header carries it. Jetty itself makes such a request secure (so {@code wsgi.url_scheme} is {@code https} and the
 * default port 443); when the TLV says the client did not speak TLS (no PP2_CLIENT_SSL bit), this customizer
 * makes it plain HTTP again, which Jetty 12.1 does not check.
 */
public final class ProxiedTls implements HttpConfiguration.Customizer {
    /** Request attribute holding the {@code Map<String, String>} of SSL_* variables. */
    public static final String ATTRIBUTE = "io.jwsgi.proxied-tls";

    static final int PP2_TYPE_AUTHORITY = 0x02, PP2_TYPE_SSL = 0x20;
    static final int PP2_CLIENT_SSL = 0x01, PP2_CLIENT_CERT_CONN = 0x02, PP2_CLIENT_CERT_SESS = 0x04;
    static final int PP2_SUBTYPE_SSL_VERSION = 0x21, PP2_SUBTYPE_SSL_CN = 0x22, PP2_SUBTYPE_SSL_CIPHER = 0x23;

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        ProxyConnectionFactory.ProxyEndPoint proxied = proxyEndPoint(
                request.getConnectionMetaData().getConnection().getEndPoint());
        if (proxied == null) return request;
        byte[] ssl = proxied.getTLV(PP2_TYPE_SSL);
        if (ssl == null) return request;
        Map<String, String> env = variables(ssl, proxied.getTLV(PP2_TYPE_AUTHORITY));
        if (env == null) return request.isSecure() && !secureBelowTheHeader(request) ? plain(request) : request;
        request.setAttribute(ATTRIBUTE, env);
        return request;
    }

    /**
     * The variables of an SSL TLV, or null when it says the client did not speak TLS. A sub-TLV whose length runs
     * past the end of the value ends the list (what came before it is kept).
     */
    static Map<String, String> variables(byte[] ssl, byte[] authority) {
        if (ssl.length < 5 || (ssl[0] & PP2_CLIENT_SSL) == 0) return null;
        Map<String, String> env = new LinkedHashMap<>();
        int i = 5;
        while (i + 3 <= ssl.length) {
            int type = ssl[i] & 0xff;
            int length = (ssl[i + 1] & 0xff) << 8 | (ssl[i + 2] & 0xff);
            if (i + 3 + length > ssl.length) break;
            String value = new String(ssl, i + 3, length, StandardCharsets.UTF_8);
            switch (type) {
                case PP2_SUBTYPE_SSL_VERSION -> env.put("SSL_PROTOCOL", value);
                case PP2_SUBTYPE_SSL_CIPHER -> env.put("SSL_CIPHER", value);
                case PP2_SUBTYPE_SSL_CN -> env.put("SSL_CLIENT_S_DN_CN", value);
                default -> { } // signature and key algorithms: mod_ssl has no variable for the balancer's
            }
            i += 3 + length;
        }
        boolean certificate = (ssl[0] & (PP2_CLIENT_CERT_CONN | PP2_CLIENT_CERT_SESS)) != 0;
        boolean verified = ssl[1] == 0 && ssl[2] == 0 && ssl[3] == 0 && ssl[4] == 0;
        env.put("SSL_CLIENT_VERIFY", !certificate ? "NONE" : verified ? "SUCCESS" : "FAILED");
        if (authority != null && authority.length > 0) {
            env.put("SSL_TLS_SNI", new String(authority, StandardCharsets.UTF_8));
        }
        return env;
    }

    /** The PROXY protocol endpoint under this connection's endpoint (under TLS on the HTTPS port), or null. */
    static ProxyConnectionFactory.ProxyEndPoint proxyEndPoint(EndPoint endPoint) {
        for (EndPoint e = endPoint; e != null; e = e instanceof EndPoint.Wrapper w ? w.unwrap() : null) {
            if (e instanceof ProxyConnectionFactory.ProxyEndPoint proxied) return proxied;
        }
        return null;
    }

    /** On the HTTPS port jwsgi terminates TLS itself after the header: the connection's endpoint is then TLS's. */
    private static boolean secureBelowTheHeader(Request request) {
        return !(request.getConnectionMetaData().getConnection().getEndPoint()
                instanceof ProxyConnectionFactory.ProxyEndPoint);
    }

    /** The request as plain HTTP: Jetty took the SSL TLV's presence for TLS. */
    private static Request plain(Request request) {
        HttpURI uri = HttpURI.build(request.getHttpURI()).scheme(HttpScheme.HTTP).asImmutable();
        return new Request.Wrapper(request) {
            @Override
            public boolean isSecure() {
                return false;
            }

            @Override
            public HttpURI getHttpURI() {
                return uri;
            }
        };
    }
}
