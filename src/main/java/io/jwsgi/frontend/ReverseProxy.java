package io.jwsgi.frontend;

import io.jwsgi.config.ProxyOptions;
import io.jwsgi.config.ProxyOptions.MountPoint;
import io.jwsgi.config.ProxyOptions.VirtualHost;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpUpgrader;
import org.eclipse.jetty.client.UpgradeProtocolHandler;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.URIUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --proxy-virtual-host} and {@code --proxy-mount-point}: Jetty's reverse {@link ProxyHandler} (on
 * jetty-client, streaming both ways) set up the way mod_wsgi-express sets up Apache's mod_proxy: {@code ProxyPass
 * URL-PATH URL upgrade=websocket} plus {@code ProxyPassReverse}, {@code ProxyPreserveHost Off}, mod_proxy's
 * {@code X-Forwarded-For/-Host/-Server}, express's {@code X-Forwarded-Port/-Scheme/-Prefix}, and the redirect of a bare
 * mount point to its trailing-slash form.
 *
 * <p>It sits in a {@link Handler.Sequence} in front of the application: a request that matches no route is declined
 * ({@code handle} returns false) and goes on to the WSGI handler. A virtual host is checked first (Apache picks the
 * virtual host before anything else), then the mount points, longest first.
 *
 * <p>Differences from Apache, on purpose: no {@code Via} and no RFC 7239 {@code Forwarded} header (Apache adds neither
 * by default; Jetty would add both); {@code X-Forwarded-Proto} is always set (Apache leaves it alone, and a client could
 * then claim https); a client's own {@code X-Forwarded-Scheme} and {@code X-Forwarded-Prefix} are replaced or removed
 * rather than passed on; a backend that cannot be reached is answered 502 (Apache says 503), one that times out 504,
 * both through {@link Failure} like every other failure.
 */
public final class ReverseProxy extends ProxyHandler.Reverse {
    private static final Logger LOG = LoggerFactory.getLogger(ReverseProxy.class);
    private static final String ROUTE = ReverseProxy.class.getName() + ".route";
    private static final List<String> LOCATION_HEADERS = List.of("location", "content-location", "uri");

    private final ProxyOptions options;
    private final String serverName;

    /**
     * What a request was matched to: the backend it goes to and how the client saw it.
     *
     * @param prefix     the mount point ("" for a virtual host or a mount at "/")
     * @param target     the backend URL the prefix stands for
     * @param backendUri the request's URI at the backend
     * @param serverName X-Forwarded-Server: the virtual host's name, else the server's
     * @param socket     the backend's UNIX socket, or null to connect to the target's host and port
     * @param virtualHost whether it matched a --proxy-virtual-host
     */
    private record Route(String prefix, URI target, HttpURI backendUri, Path socket, String serverName,
                         boolean virtualHost) {
        /** The target as the command line spelled it. */
        String describeTarget() {
            return socket == null ? target.toString() : "unix:" + socket + "|" + target;
        }
    }

    private ReverseProxy(ProxyOptions options, String serverName) {
        super(request -> ((Route) request.getAttribute(ROUTE)).backendUri());
        this.options = options;
        this.serverName = serverName;
        // jetty-client's I/O runs on the server's pool rather than a second pool of up to 200 platform threads.
        setUseServerThreadPool(true);
    }

    /**
     * The application alone when nothing is proxied, else a sequence that offers each request to the proxy first.
     *
     * @param serverName the server's host name, sent as X-Forwarded-Server
     */
    public static Handler inFrontOf(Handler application, ProxyOptions options, String serverName) {
        if (!options.enabled()) return application;
        return new Handler.Sequence(new ReverseProxy(options, serverName), application);
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        // ProxyHandler leaves only its own 1xx handlers; a 101 to a forwarded WebSocket handshake is ours.
        getHttpClient().getProtocolHandlers().put(new UpgradeProtocolHandler());
    }

    @Override
    protected void configureHttpClient(HttpClient client) {
        super.configureHttpClient(client);
        client.setConnectTimeout(options.timeout().toMillis());
        // Forward the client's User-Agent, or none: never add Jetty's own.
        client.setUserAgentField(null);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Route route = route(request);
        if (route == null) return false;
        if (route.backendUri() == null) {
            // A bare mount point: its links are relative to "prefix/", so send the client there first (express does).
            String query = request.getHttpURI().getQuery();
            Response.sendRedirect(request, response, callback, HttpStatus.FOUND_302,
                    clientBase(request) + route.prefix() + "/" + (query == null ? "" : "?" + query), false);
            return true;
        }
        request.setAttribute(ROUTE, route);
        return super.handle(request, response, callback);
    }

    /** The route of a request, null when it is not proxied; a route without backend URI is a bare mount point. */
    private Route route(Request request) {
        HttpURI uri = request.getHttpURI();
        String path = URIUtil.canonicalPath(uri.getPath());
        if (path == null) return null; // a path escaping the root: Jetty refuses it before it gets here anyway
        // Compared as --server-name compares names (io.jwsgi.frontend.VirtualHost), so a name that passes the
        // virtual-host check as a proxy host is also routed to its backend.
        String host = io.jwsgi.frontend.VirtualHost.hostName(uri);
        for (VirtualHost vhost : options.virtualHosts()) {
            if (vhost.host().equals(host)) {
                return new Route("", vhost.target(), backendUri(vhost.target(), path, uri.getQuery()), vhost.socket(),
                        vhost.host(), true);
            }
        }
        for (MountPoint mount : options.mountPoints()) {
            String rest = remainder(mount.prefix(), path);
            if (rest == null) continue;
            HttpURI backend = rest.isEmpty() ? null : backendUri(mount.target(), rest, uri.getQuery());
            return new Route(mount.prefix(), mount.target(), backend, mount.socket(), serverName, false);
        }
        return null;
    }

    /**
     * What follows {@code prefix} in the (still percent-encoded) {@code path}: "" for the bare prefix, "/…" below it,
     * null when the path is not under it. Segments are compared decoded, so an encoded letter cannot step around a
     * mount point; the rest is forwarded as the client encoded it (an encoded slash never gets this far).
     */
    static String remainder(String prefix, String path) {
        if (prefix.isEmpty()) return path;
        int at = 0;
        for (String segment : prefix.substring(1).split("/", -1)) {
            if (at >= path.length() || path.charAt(at) != '/') return null;
            int end = path.indexOf('/', at + 1);
            if (end < 0) end = path.length();
            if (!segment.equals(URIUtil.decodePath(path.substring(at + 1, end)))) return null;
            at = end;
        }
        return path.substring(at);
    }

    private static HttpURI backendUri(URI target, String rest, String query) {
        return HttpURI.build(target.toString() + rest + (query == null ? "" : "?" + query));
    }

    /** scheme://host[:port] as the client addressed this server (Apache's UseCanonicalName Off). */
    private static String clientBase(Request request) {
        String host = request.getHeaders().get(HttpHeader.HOST);
        if (host == null || host.isBlank()) {
            host = Request.getServerName(request) + ":" + Request.getServerPort(request);
        }
        return (request.isSecure() ? "https" : "http") + "://" + host;
    }

    @Override
    protected org.eclipse.jetty.client.Request newProxyToServerRequest(Request request, HttpURI backendUri) {
        org.eclipse.jetty.client.Request toBackend = super.newProxyToServerRequest(request, backendUri)
                .idleTimeout(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
        Path socket = ((Route) request.getAttribute(ROUTE)).socket();
        return socket == null ? toBackend : toBackend.transport(new Transport.TCPUnix(socket));
    }

    @Override
    protected void copyRequestHeaders(Request request, org.eclipse.jetty.client.Request toBackend) {
        super.copyRequestHeaders(request, toBackend);
        // ProxyPreserveHost Off, as mod_wsgi-express leaves it: the backend sees its own name; X-Forwarded-Host
        // carries the client's.
        URI target = ((Route) request.getAttribute(ROUTE)).target();
        toBackend.headers(headers -> headers.put(HttpHeader.HOST, target.getRawAuthority()));
    }

    @Override
    protected void addProxyHeaders(Request request, org.eclipse.jetty.client.Request toBackend) {
        Route route = (Route) request.getAttribute(ROUTE);
        boolean secure = request.isSecure();
        String clientHost = request.getHeaders().get(HttpHeader.HOST);
        // The port the client addressed (SERVER_PORT); a virtual host's is the listening port.
        int port = route.virtualHost() ? Request.getLocalPort(request) : Request.getServerPort(request);
        toBackend.headers(headers -> {
            append(headers, "X-Forwarded-For", Request.getRemoteAddr(request));
            if (clientHost != null) append(headers, "X-Forwarded-Host", clientHost);
            append(headers, "X-Forwarded-Server", route.serverName());
            headers.put("X-Forwarded-Port", Integer.toString(port));
            headers.put("X-Forwarded-Proto", secure ? "https" : "http");
            if (secure) headers.put("X-Forwarded-Scheme", "https");
            else headers.remove("X-Forwarded-Scheme");
            if (route.virtualHost() || route.prefix().isEmpty()) headers.remove("X-Forwarded-Prefix");
            else headers.put("X-Forwarded-Prefix", route.prefix());
        });
    }

    /** mod_proxy's apr_table_mergen: the new value after the ones already there, comma-separated. */
    private static void append(HttpFields.Mutable headers, String name, String value) {
        String before = headers.getValuesList(name).stream().collect(Collectors.joining(", "));
        headers.put(name, before.isEmpty() ? value : before + ", " + value);
    }

    @Override
    protected void sendProxyToServerRequest(Request request, org.eclipse.jetty.client.Request toBackend,
                                            Response response, Callback callback) {
        String upgrade = WebSocketTunnel.requestedUpgrade(request);
        if (upgrade != null) {
            // ProxyHandler drops Upgrade as hop-by-hop; for a WebSocket handshake the upgrader puts it back, and a
            // 101 from the backend turns both connections into a byte tunnel (WebSocketTunnel).
            HttpUpgrader.Factory factory = version -> new WebSocketTunnel.Upgrader(
                    upgrade, request, response, callback, options.timeout());
            toBackend.attribute(HttpUpgrader.Factory.class.getName(), factory);
        }
        super.sendProxyToServerRequest(request, toBackend, response, callback);
    }

    @Override
    protected org.eclipse.jetty.client.Response.CompleteListener newServerToProxyResponseListener(
            Request request, org.eclipse.jetty.client.Request toBackend, Response response, Callback callback) {
        return new ProxyResponseListener(request, toBackend, response, callback) {
            @Override
            public void onHeaders(org.eclipse.jetty.client.Response fromBackend) {
                super.onHeaders(fromBackend);
                reverseMapLocations(request, response.getHeaders());
            }
        };
    }

    /** ProxyPassReverse: a redirect to the backend's own URL is turned into the same place behind this server. */
    private static void reverseMapLocations(Request request, HttpFields.Mutable headers) {
        Route route = (Route) request.getAttribute(ROUTE);
        String target = route.target().toString();
        for (String name : LOCATION_HEADERS) {
            String value = headers.get(name);
            if (value == null || !value.startsWith(target)) continue;
            String rest = value.substring(target.length());
            if (!rest.isEmpty() && "/?#".indexOf(rest.charAt(0)) < 0) continue; // http://b/app must not match http://b/apple
            if (rest.isEmpty() || rest.charAt(0) != '/') rest = "/" + rest;
            headers.put(name, clientBase(request) + route.prefix() + rest);
        }
    }

    @Override
    protected void onServerToProxyResponseFailure(Request request, org.eclipse.jetty.client.Request toBackend,
                                                  org.eclipse.jetty.client.Response fromBackend, Response response,
                                                  Callback callback, Throwable failure) {
        Route route = (Route) request.getAttribute(ROUTE);
        if (response.isCommitted()) {
            // Too late for a status: cutting the connection is the only honest signal left.
            LOG.warn("proxy backend failed mid-response target={} path={} error={}", route.describeTarget(),
                    request.getHttpURI().getPath(), failure.toString());
            callback.failed(failure);
            return;
        }
        LOG.warn("proxy backend failed target={} path={} error={}", route.describeTarget(),
                request.getHttpURI().getPath(), failure.toString());
        response.reset();
        Failure.respond(failure instanceof TimeoutException ? new Failure.GatewayTimeout()
                : new Failure.ProxyBackendFailed(route.describeTarget()), response, callback);
    }
}
