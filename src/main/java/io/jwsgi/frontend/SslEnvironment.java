package io.jwsgi.frontend;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.security.auth.x500.X500Principal;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSession;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;

/**
 * {@code --ssl-environment}: mod_ssl's standard SSL_* variables ({@code SSLOptions +StdEnvVars}) for the environ of
 * an HTTPS request. A customizer of the HTTPS listener computes them once per request into a request attribute;
 * the WSGI handler copies them into the environ.
 *
 * <p>Differences from mod_ssl, because the TLS stack is the JDK's and not OpenSSL: {@code SSL_CIPHER} is the
 * IANA/JSSE name ({@code TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, where OpenSSL says
 * {@code ECDHE-RSA-AES128-GCM-SHA256}; TLS 1.3 names are the same in both), and {@code SSL_VERSION_LIBRARY} is
 * the JDK's. Distinguished names are RFC 2253 strings, as mod_ssl writes them.
 */
final class SslEnvironment implements HttpConfiguration.Customizer {
    /** Request attribute holding the {@code Map<String, String>} of variables. */
    static final String ATTRIBUTE = "io.jwsgi.ssl-environment";
    /** OpenSSL's ASN1_TIME_print layout, which mod_ssl uses for SSL_CLIENT_V_START/V_END. */
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss yyyy 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC);

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        if (request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE) instanceof EndPoint.SslSessionData ssl) {
            request.setAttribute(ATTRIBUTE, variables(ssl));
        }
        return request;
    }

    /**
     * The request's SSL_* variables whether or not --ssl-environment put them in the environ (mod_wsgi's
     * {@code mod_ssl.var_lookup} in an auth hook reads them directly); empty for a plain-HTTP request.
     */
    static Map<String, String> of(Request request) {
        if (request.getAttribute(ATTRIBUTE) instanceof Map<?, ?> computed) {
            @SuppressWarnings("unchecked") Map<String, String> m = (Map<String, String>) computed;
            return m;
        }
        if (request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE) instanceof EndPoint.SslSessionData ssl) {
            return variables(ssl);
        }
        return Map.of();
    }

    static Map<String, String> variables(EndPoint.SslSessionData ssl) {
        Map<String, String> env = new LinkedHashMap<>();
        SSLSession session = ssl.sslSession();
        env.put("SSL_VERSION_INTERFACE", "jwsgi");
        env.put("SSL_VERSION_LIBRARY", "JSSE/" + Runtime.version().feature());
        if (session != null) env.put("SSL_PROTOCOL", session.getProtocol());
        if (ssl.cipherSuite() != null) env.put("SSL_CIPHER", ssl.cipherSuite());
        if (ssl.keySize() > 0) {
            env.put("SSL_CIPHER_USEKEYSIZE", Integer.toString(ssl.keySize()));
            env.put("SSL_CIPHER_ALGKEYSIZE", Integer.toString(ssl.keySize()));
        }
        env.put("SSL_CIPHER_EXPORT", "false");
        if (session != null && session.getId() != null && session.getId().length > 0) {
            env.put("SSL_SESSION_ID", java.util.HexFormat.of().withUpperCase().formatHex(session.getId()));
        }
        String sni = sni(session);
        if (sni != null) env.put("SSL_TLS_SNI", sni);
        if (session != null && session.getLocalCertificates() != null && session.getLocalCertificates().length > 0
                && session.getLocalCertificates()[0] instanceof X509Certificate server) {
            certificate(env, "SSL_SERVER_", server);
        }
        X509Certificate[] peer = ssl.peerCertificates();
        if (peer != null && peer.length > 0) {
            // The TLS layer refuses a client certificate that its CAs do not vouch for, so one that is here passed.
            env.put("SSL_CLIENT_VERIFY", "SUCCESS");
            certificate(env, "SSL_CLIENT_", peer[0]);
        } else {
            env.put("SSL_CLIENT_VERIFY", "NONE");
        }
        return env;
    }

    private static void certificate(Map<String, String> env, String prefix, X509Certificate certificate) {
        env.put(prefix + "M_VERSION", Integer.toString(certificate.getVersion()));
        env.put(prefix + "M_SERIAL", hex(certificate.getSerialNumber()));
        env.put(prefix + "S_DN", certificate.getSubjectX500Principal().getName(X500Principal.RFC2253));
        env.put(prefix + "I_DN", certificate.getIssuerX500Principal().getName(X500Principal.RFC2253));
        env.put(prefix + "V_START", TIME.format(certificate.getNotBefore().toInstant()));
        env.put(prefix + "V_END", TIME.format(certificate.getNotAfter().toInstant()));
    }

    private static String hex(BigInteger serial) {
        String hex = serial.toString(16).toUpperCase(Locale.ROOT);
        return hex.length() % 2 == 0 ? hex : "0" + hex;
    }

    private static String sni(SSLSession session) {
        if (!(session instanceof ExtendedSSLSession extended)) return null;
        try {
            for (SNIServerName name : extended.getRequestedServerNames()) {
                if (name instanceof SNIHostName host) return host.getAsciiName();
            }
        } catch (UnsupportedOperationException e) {
            return null;
        }
        return null;
    }
}
