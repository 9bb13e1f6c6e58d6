package io.jwsgi.edge;

import io.jwsgi.config.RegisteredMethods;
import java.nio.ByteBuffer;
import java.util.Locale;
import org.eclipse.jetty.http.ComplianceViolation;
import org.eclipse.jetty.http.HostPortHttpField;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;

/**
 * The request-target, Host and method rules of RFC 9112 / 9110 that Jetty's HTTP/1.1 parser leaves open, applied to
 * the parser's own events before Jetty's connection sees them (docs/http-parsing.md). Sits between Jetty's parser
 * and Jetty's handler of its events; a refusal is thrown as Jetty's {@link HttpException}, which the parser turns
 * into its bad-message path: the error status, {@code Connection: close}, no request handler called.
 * <ul>
 *   <li>An absolute-form target ({@code GET http://host/ HTTP/1.1}): its authority replaces the Host field, as
 *       RFC 9112 §3.2.2 requires ("MUST ignore the received Host header field"); Jetty refuses a mismatch with 400.
 *       Only {@code http} and {@code https} targets are served (400 otherwise: there is nothing else here).</li>
 *   <li>That authority, and a Host field, must pass {@link Authority} (400): they choose the virtual host and
 *       become SERVER_NAME and HTTP_HOST.</li>
 *   <li>{@code --registered-methods}: a method outside the set is refused with 501 (RFC 9110 §9.1: "An origin
 *       server that receives a request method that is unrecognized or not implemented SHOULD respond with 501").</li>
 * </ul>
 * One instance per connection, used by the connection's parsing thread only.
 */
public final class HeadRules implements HttpParser.RequestHandler {
    private final HttpParser.RequestHandler jetty;
    private final RegisteredMethods methods;
    /** The absolute-form target's authority for the request being parsed, or null (origin-form and the rest). */
    private String targetAuthority;

    public HeadRules(HttpParser.RequestHandler jetty, RegisteredMethods methods) {
        this.jetty = jetty;
        this.methods = methods;
    }

    @Override
    public void startRequest(String method, String uri, HttpVersion version) {
        targetAuthority = null;
        if (!methods.allows(method)) {
            throw new HttpException.RuntimeException(HttpStatus.NOT_IMPLEMENTED_501,
                    "method not registered (--registered-methods)");
        }
        int scheme = uri.indexOf("://");
        if (scheme > 0 && uri.charAt(0) != '/' && !"CONNECT".equals(method)) {
            String name = uri.substring(0, scheme).toLowerCase(Locale.ROOT);
            if (!name.equals("http") && !name.equals("https")) {
                throw bad("absolute-form target with a scheme other than http or https");
            }
            int start = scheme + 3;
            int end = start;
            while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) end++;
            String authority = uri.substring(start, end);
            if (authority.isEmpty()) throw bad("absolute-form target without a host");
            String problem = Authority.problem(authority);
            if (problem != null) throw bad("request-target authority: " + problem);
            targetAuthority = authority;
        }
        jetty.startRequest(method, uri, version);
    }

    @Override
    public void parsedHeader(HttpField field) {
        if (field.getHeader() == HttpHeader.HOST) {
            if (targetAuthority != null) {
                jetty.parsedHeader(new HostPortHttpField(targetAuthority)); // RFC 9112 §3.2.2
                return;
            }
            String problem = Authority.problem(field.getValue());
            if (problem != null) throw bad("Host: " + problem);
        }
        jetty.parsedHeader(field);
    }

    private static HttpException.RuntimeException bad(String reason) {
        return new HttpException.RuntimeException(HttpStatus.BAD_REQUEST_400, reason);
    }

    // Everything else is Jetty's, unchanged.

    @Override
    public void messageBegin() {
        jetty.messageBegin();
    }

    @Override
    public boolean content(ByteBuffer item) {
        return jetty.content(item);
    }

    @Override
    public boolean headerComplete() {
        return jetty.headerComplete();
    }

    @Override
    public boolean contentComplete() {
        return jetty.contentComplete();
    }

    @Override
    public boolean messageComplete() {
        return jetty.messageComplete();
    }

    @Override
    public void parsedTrailer(HttpField field) {
        jetty.parsedTrailer(field);
    }

    @Override
    public void earlyEOF() {
        jetty.earlyEOF();
    }

    @Override
    public void onViolation(ComplianceViolation.Event event) {
        jetty.onViolation(event);
    }

    @Override
    public ComplianceViolation.Listener getComplianceViolationListener() {
        return jetty.getComplianceViolationListener();
    }

    @Override
    public void badMessage(HttpException failure) {
        jetty.badMessage(failure);
    }
}
