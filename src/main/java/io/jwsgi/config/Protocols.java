package io.jwsgi.config;

import java.nio.file.Path;
import java.util.List;

/**
 * What the front end speaks besides HTTP/1.1 on {@code --port}: HTTP/2 ({@code --http2}) and an HTTPS listener
 * ({@code --https-port} and the {@code --ssl-*} options). See docs/tls.md.
 *
 * @param http2 h2 over TLS (ALPN) on the HTTPS port, h2c (prior knowledge or Upgrade) on the plain port
 * @param https the HTTPS listener, or null when {@code --https-port} was not given
 */
public record Protocols(boolean http2, Https https) {

    /** Plain HTTP/1.1 only: what a server gets without any of these options. */
    public static final Protocols HTTP1_ONLY = new Protocols(false, null);

    /**
     * The HTTPS listener, as mod_wsgi-express configures its SSL virtual host.
     *
     * @param port                  0 lets the operating system pick one
     * @param certificateFile       PEM: the server certificate, optionally followed by its chain (fullchain.pem)
     * @param keyFile               PEM: the private key of the certificate (PKCS#8, PKCS#1 RSA or SEC1 EC)
     * @param chainFile             PEM: further chain certificates sent after the certificate, or null
     * @param caCertificateFile     PEM: CAs that client certificates must be issued by, or null (no client
     *                              certificates asked for)
     * @param verifyClientUrls      URL prefixes that require a client certificate; when empty and a CA file is
     *                              given, the whole site does (mod_wsgi-express)
     * @param sslEnvironment        SSL_* variables in the environ of HTTPS requests (mod_ssl StdEnvVars)
     * @param httpsOnly             plain-HTTP requests are redirected to the HTTPS port
     * @param hstsPolicy            Strict-Transport-Security value sent on HTTPS responses, or null
     */
    public record Https(
            int port,
            Path certificateFile,
            Path keyFile,
            Path chainFile,
            Path caCertificateFile,
            List<String> verifyClientUrls,
            boolean sslEnvironment,
            boolean httpsOnly,
            String hstsPolicy) {

        public Https {
            verifyClientUrls = List.copyOf(verifyClientUrls);
        }

        /** The URL prefixes that need a client certificate: none without a CA file, "/" when none were listed. */
        public List<String> clientCertificateUrls() {
            if (caCertificateFile == null) return List.of();
            return verifyClientUrls.isEmpty() ? List.of("/") : verifyClientUrls;
        }
    }
}
