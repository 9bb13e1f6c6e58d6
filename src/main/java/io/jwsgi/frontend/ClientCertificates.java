package io.jwsgi.frontend;

import java.security.cert.X509Certificate;
import java.util.List;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --ssl-verify-client}: the URLs under these prefixes need a client certificate issued directly by one of
 * the configured CAs (Apache's {@code SSLVerifyClient require} + {@code SSLVerifyDepth 1} in a {@code <Location>}).
 *
 * <p>Apache asks for the certificate only when such a URL is requested, by renegotiating; TLS cannot be
 * renegotiated per request in HTTP/2 or in the JDK's TLS 1.3, so the HTTPS listener asks every client for a
 * certificate during the handshake (optional there: {@code wantClientAuth}) and this handler answers 403 on the
 * covered URLs when none was given. The TLS layer has already checked the chain against the CAs; the depth
 * check (issued by one of them, no intermediate) is here. Plain-HTTP requests to a covered URL are refused too
 * (Apache would serve them: mod_ssl ignores SSLVerifyClient on a connection without TLS).
 *
 * <p>Prefixes match as Apache's {@code <Location>} does: a plain string prefix of the decoded, normalised path
 * with repeated slashes merged, so {@code /secure} also covers {@code /secure2}.
 */
final class ClientCertificates extends Handler.Wrapper {
    private static final Logger log = LoggerFactory.getLogger(ClientCertificates.class);

    private final List<String> prefixes;
    private final List<X509Certificate> authorities;

    ClientCertificates(Handler handler, List<String> prefixes, List<X509Certificate> authorities) {
        super(handler);
        this.prefixes = List.copyOf(prefixes);
        this.authorities = List.copyOf(authorities);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!covered(request)) return super.handle(request, response, callback);
        String refusal = refusal(request);
        if (refusal == null) return super.handle(request, response, callback);
        log.debug("client certificate refused reason={} path={}", refusal, request.getHttpURI().getPath());
        Response.writeError(request, response, callback, 403, refusal);
        return true;
    }

    private boolean covered(Request request) {
        String path = request.getHttpURI().getDecodedPath();
        if (path == null) return true; // not a path Jetty could decode: refuse rather than guess
        String merged = path.replaceAll("/{2,}", "/");
        for (String prefix : prefixes) {
            if (merged.startsWith(prefix)) return true;
        }
        return false;
    }

    /** Why the request may not have a covered URL, or null when it may. */
    private String refusal(Request request) {
        if (!request.isSecure()) return "a client certificate is required: use HTTPS";
        EndPoint.SslSessionData ssl = (EndPoint.SslSessionData) request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE);
        X509Certificate[] chain = ssl == null ? null : ssl.peerCertificates();
        if (chain == null || chain.length == 0) return "a client certificate is required";
        if (!issuedByAuthority(chain[0])) return "the client certificate is not issued directly by a trusted CA";
        return null;
    }

    private boolean issuedByAuthority(X509Certificate certificate) {
        for (X509Certificate ca : authorities) {
            if (!ca.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) continue;
            try {
                certificate.verify(ca.getPublicKey());
                return true;
            } catch (java.security.GeneralSecurityException notThisOne) {
                // a CA with the same name but another key: try the others
            }
        }
        return false;
    }
}
