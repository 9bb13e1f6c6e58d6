package io.jwsgi.frontend;

import io.jwsgi.config.ConfigException;
import io.jwsgi.config.Protocols;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.SecuredRedirectHandler;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The front end's listeners and what goes with them (docs/tls.md), all built from Jetty's own components: the
 * plain HTTP connector (HTTP/1.1, plus h2c with {@code --http2}), the HTTPS connector (TLS, then ALPN choosing h2
 * or HTTP/1.1), the {@code --https-only} redirect, the HSTS header, {@code --ssl-verify-client} and
 * {@code --ssl-environment}.
 */
public final class Listeners {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Listeners.class);
    /** The name of the HTTPS connector, to find it among the server's connectors. */
    public static final String HTTPS = "https";

    private Listeners() {}

    /** The plain connector's connection factories: HTTP/1.1, and h2c (prior knowledge and Upgrade) with http2. */
    public static ConnectionFactory[] plain(HttpConnectionFactory http1, HttpConfiguration http, Protocols protocols) {
        if (!protocols.http2()) return new ConnectionFactory[] {http1};
        return new ConnectionFactory[] {http1, new HTTP2CServerConnectionFactory(http)};
    }

    /**
     * Adds the HTTPS connector, configured like {@code plain} (host, backlog, idle timeout, SO_REUSEPORT) on the HTTPS port, when
     * there is one. Reads the certificate files: a file it cannot use is a {@link ConfigException} naming it. Once
     * bound, its port becomes {@code http}'s secure port, where the {@code --https-only} redirect points.
     */
    public static void addHttps(Server jetty, ServerConnector plain, HttpConfiguration http, Protocols protocols,
            java.util.function.Function<HttpConfiguration, HttpConnectionFactory> http1Factory) {
        Protocols.Https https = protocols.https();
        if (https == null) return;
        HttpConfiguration secure = new HttpConfiguration(http);
        secure.setSecureScheme("https");
        // One listener, one certificate: whether the certificate suits the host the client asked for is the
        // client's decision (as with Apache), not a 400 from a SNI/Host comparison.
        secure.addCustomizer(new SecureRequestCustomizer(false, false, -1, false));
        if (https.hstsPolicy() != null) {
            HttpField hsts = new HttpField(HttpHeader.STRICT_TRANSPORT_SECURITY, https.hstsPolicy());
            secure.addCustomizer((request, responseHeaders) -> {
                responseHeaders.put(hsts);
                return request;
            });
        }
        if (https.sslEnvironment()) secure.addCustomizer(new SslEnvironment());

        SslContextFactory.Server tls = sslContextFactory(https, protocols.http2());
        HttpConnectionFactory http1 = http1Factory.apply(secure);
        ServerConnector connector;
        if (protocols.http2()) {
            // Negotiates among the connector's own protocols (h2, http/1.1); a client without ALPN gets HTTP/1.1.
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
            alpn.setDefaultProtocol(http1.getProtocol());
            connector = new ServerConnector(jetty, new SslConnectionFactory(tls, alpn.getProtocol()), alpn,
                    new HTTP2ServerConnectionFactory(secure), http1);
        } else {
            connector = new ServerConnector(jetty, new SslConnectionFactory(tls, http1.getProtocol()), http1);
        }
        connector.setName(HTTPS);
        connector.setHost(plain.getHost());
        connector.setPort(https.port());
        connector.setAcceptQueueSize(plain.getAcceptQueueSize());
        connector.setIdleTimeout(plain.getIdleTimeout());
        connector.setReusePort(plain.isReusePort());
        connector.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStarted(LifeCycle event) {
                http.setSecureScheme("https");
                http.setSecurePort(connector.getLocalPort());
            }
        });
        jetty.addConnector(connector);
    }

    /**
     * Re-reads the certificate, key and chain files into the running HTTPS listener, for SIGHUP after a renewal
     * (certbot's deploy hook): new handshakes get the new certificate, open connections keep theirs. When the
     * files cannot be used, the error is logged and the listener keeps the certificate it has.
     */
    public static void reloadCertificates(Server jetty, Protocols protocols) {
        Protocols.Https https = protocols.https();
        if (https == null) return;
        for (org.eclipse.jetty.server.Connector c : jetty.getConnectors()) {
            if (!HTTPS.equals(c.getName())) continue;
            SslConnectionFactory tls = c.getConnectionFactory(SslConnectionFactory.class);
            try {
                tls.getSslContextFactory().reload(factory -> {
                    String password = randomPassword();
                    factory.setKeyStore(Pem.keyStore(https.certificateFile(), https.keyFile(), https.chainFile(),
                            password.toCharArray()));
                    factory.setKeyStorePassword(password);
                    factory.setKeyManagerPassword(password);
                });
                log.info("certificate reloaded file={}", https.certificateFile());
            } catch (ConfigException e) {
                log.error("certificate reload failed, keeping the current one error={}", e.getMessage());
            } catch (Exception e) {
                log.error("certificate reload failed, keeping the current one error={}", e.toString());
            }
        }
    }

    /** Wraps the handler tree with the {@code --https-only} redirect and the client-certificate check. */
    public static Handler wrap(Handler handler, Protocols protocols) {
        Protocols.Https https = protocols.https();
        if (https == null) return handler;
        Handler wrapped = handler;
        if (!https.clientCertificateUrls().isEmpty()) {
            wrapped = new ClientCertificates(wrapped, https.clientCertificateUrls(),
                    Pem.certificates(https.caCertificateFile()));
        }
        if (https.httpsOnly()) {
            // 308 keeps the method and body (a 301 turns a POST into a GET in most clients).
            wrapped = new SecuredRedirectHandler(wrapped, 308);
        }
        return wrapped;
    }

    private static SslContextFactory.Server sslContextFactory(Protocols.Https https, boolean http2) {
        String password = randomPassword();
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStore(Pem.keyStore(https.certificateFile(), https.keyFile(), https.chainFile(),
                password.toCharArray()));
        tls.setKeyStorePassword(password);
        tls.setKeyManagerPassword(password);
        if (https.caCertificateFile() != null) {
            tls.setTrustStore(Pem.trustStore(https.caCertificateFile()));
            // Asked of every client, required by nobody at this layer: ClientCertificates refuses per URL.
            tls.setWantClientAuth(true);
        }
        // RFC 9113 §9.2.2 forbids some TLS 1.2 ciphers for h2: offer the allowed ones first.
        if (http2) tls.setCipherComparator(HTTP2Cipher.COMPARATOR);
        return tls;
    }

    /** Protects the in-memory key store only: it never leaves this process. */
    private static String randomPassword() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
