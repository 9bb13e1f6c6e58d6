package io.jwsgi.frontend;

import io.jwsgi.config.ServerNames;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code --server-name}: the name-based virtual host mod_wsgi-express configures, in front of everything the server
 * answers (status page included). Its Apache configuration has three virtual hosts on the port, and this handler
 * sorts requests the same way by the Host the client sent (port aside, case ignored):
 * <ul>
 *   <li>the server name, a {@code --server-alias} (Apache's wildcards) or a {@code --proxy-virtual-host}: served;
 *   <li>with a {@code www.} server name, the bare domain: {@code Redirect permanent / http://NAME:PORT/}, a 301 to the
 *       server name on the same scheme and port, path and query kept;
 *   <li>anything else, or no Host: the catch-all {@code _default_} virtual host, {@code Require all denied}, a 403;
 *       with {@code --allow-localhost} it is {@code Require host localhost}, so loopback clients are served.
 * </ul>
 * The Host is the one on the connection: trusted forwarded headers ({@code --trust-proxy-header X-Forwarded-Host})
 * change the application's environ, not the virtual host chosen, as in Apache. See docs/virtual-hosts.md.
 */
public final class VirtualHost extends Handler.Wrapper {
    private final String serverName;
    private final List<String> aliases;
    private final List<String> otherHosts;
    private final String parentDomain;
    private final boolean allowLocalhost;

    private VirtualHost(ServerNames names, List<String> otherHosts, Handler handler) {
        super(handler);
        this.serverName = names.serverName();
        this.aliases = names.aliases();
        this.otherHosts = List.copyOf(otherHosts);
        this.parentDomain = names.parentDomain();
        this.allowLocalhost = names.allowLocalhost();
    }

    /**
     * @param names      the configuration; when it is off, {@code handler} is returned as it is
     * @param otherHosts host names with virtual hosts of their own (lower case), served rather than refused
     */
    public static Handler around(ServerNames names, List<String> otherHosts, Handler handler) {
        return names.enabled() ? new VirtualHost(names, otherHosts, handler) : handler;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Request received = Request.unWrap(request);
        String host = hostName(received.getHttpURI());
        if (host != null && (host.equals(serverName) || otherHosts.contains(host) || matchesAlias(host))) {
            return super.handle(request, response, callback);
        }
        if (host != null && host.equals(parentDomain)) {
            HttpURI uri = received.getHttpURI();
            String scheme = received.isSecure() ? "https" : "http";
            String location = scheme + "://" + serverName + ":" + Request.getLocalPort(received)
                    + (uri.getPath() == null ? "/" : uri.getPath())
                    + (uri.getQuery() == null ? "" : "?" + uri.getQuery());
            // As mod_alias answers: the status, the Location and a short page linking to it.
            String page = "<!DOCTYPE html>\n<html><head><title>301 Moved Permanently</title></head><body>\n"
                    + "<h1>Moved Permanently</h1>\n<p>The document has moved <a href=\"" + org.eclipse.jetty.util.StringUtil.sanitizeXmlString(location)
                    + "\">here</a>.</p>\n</body></html>\n";
            response.setStatus(HttpStatus.MOVED_PERMANENTLY_301);
            response.getHeaders().put(HttpHeader.LOCATION, location);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=iso-8859-1");
            response.write(true, ByteBuffer.wrap(page.getBytes(StandardCharsets.ISO_8859_1)), callback);
            return true;
        }
        if (allowLocalhost && isLoopback(received.getConnectionMetaData().getRemoteSocketAddress())) {
            return super.handle(request, response, callback);
        }
        Response.writeError(request, response, callback, HttpStatus.FORBIDDEN_403);
        return true;
    }

    /** The request's host name as Apache compares it: lower case, no port, one trailing dot dropped; null if none. */
    static String hostName(HttpURI uri) {
        String host = uri.getHost();
        if (host == null || host.isEmpty()) return null;
        host = host.toLowerCase(Locale.ROOT);
        if (host.endsWith(".") && host.length() > 1) host = host.substring(0, host.length() - 1);
        return host;
    }

    private boolean matchesAlias(String host) {
        for (String alias : aliases) {
            if (glob(alias, 0, host, 0)) return true;
        }
        return false;
    }

    /** Apache's ServerAlias matching, as a configuration file's virtual hosts do it ({@link io.jwsgi.site.Router}). */
    static boolean glob(String pattern, int p, String text, int t) {
        return io.jwsgi.site.Router.glob(pattern, p, text, t);
    }

    /**
     * Apache's {@code Require host localhost} (mod_wsgi-express's rule for --allow-localhost and the status page):
     * the connection's own peer, a loopback address; a proxy in front is local.
     */
    public static boolean isLoopback(SocketAddress remote) {
        InetAddress address = remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
        return address != null && address.isLoopbackAddress();
    }
}
