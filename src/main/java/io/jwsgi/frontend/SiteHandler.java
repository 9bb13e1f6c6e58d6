package io.jwsgi.frontend;

import io.jwsgi.auth.AuthGate;
import io.jwsgi.auth.DigestNonces;
import io.jwsgi.config.ContentOptions;
import io.jwsgi.site.Router;
import io.jwsgi.site.Site;
import io.jwsgi.site.Site.HostSpec;
import io.jwsgi.site.Site.Kind;
import io.jwsgi.site.Site.Mount;
import io.jwsgi.site.Site.Scope;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.HostPort;
import org.eclipse.jetty.util.URIUtil;
import org.eclipse.jetty.util.VirtualThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front end of a configuration file's site: each request goes to its virtual host, then to the first mount that
 * matches ({@link Router}), then - unless a {@code Require} refuses it (403), or the access and auth hooks and
 * authentication do ({@link AuthGate}: 403, 401 with a challenge) - to a redirect, to the static files of an
 * {@code Alias} or the {@code DocumentRoot}, or to the {@link WsgiHandler} of the process group the mount's scope
 * names, with the environ the configuration adds: {@code SCRIPT_FILENAME}, the application group and callable
 * object, the process group, {@code SetEnv} values. mod_wsgi's per-request rules are applied here, before any worker
 * sees the request: a missing script is a 404 (logged), a chunked request body without {@code WSGIChunkedRequest On}
 * a 411, and the Authorization header reaches the application only with {@code WSGIPassAuthorization On}.
 * Longer than most classes because it is mod_wsgi's and Apache's per-request rules in one place, each short.
 */
public final class SiteHandler extends Handler.AbstractContainer {
    private static final Logger log = LoggerFactory.getLogger(SiteHandler.class);

    private final Router router;
    private final Map<String, Handler> groups;
    private final Map<String, String> environment;
    private final Duration socketTimeout;
    private final Duration keepAliveTimeout;
    /**
     * Static mounts, created at start (they need the server's buffers): one per Alias, one per DocumentRoot, each
     * with the directory it serves from, found then rather than with a stat per request.
     */
    private final Map<Object, Static> statics = new HashMap<>();

    /** A static mount and the directory its files are under. */
    private record Static(StaticMount mount, Path base) {}
    private final List<HostSpec> hosts;
    /** Where a file request that arrived on the selector thread is served (file reads block), set at start. */
    private Executor threads;
    /** Requests no mount or document root takes go to the next handler, never to an ErrorDocument 404. */
    private boolean passOnUnrouted;
    /** Access hooks, authentication and user-based Require rules (a site without hook scripts: no hook group). */
    private AuthGate gate = new AuthGate(null, new DigestNonces());

    /**
     * @param groups      each process group's handler, by name
     * @param environment the server's environment (%{ENV:NAME} falls back to it)
     */
    public SiteHandler(Router router, List<HostSpec> hosts, Map<String, ? extends Handler> groups,
                       Map<String, String> environment, Duration socketTimeout, Duration keepAliveTimeout) {
        super(false);
        this.router = router;
        this.hosts = List.copyOf(hosts);
        this.groups = Map.copyOf(groups);
        this.environment = Map.copyOf(environment);
        this.socketTimeout = socketTimeout;
        this.keepAliveTimeout = keepAliveTimeout;
        for (Handler h : groups.values()) addBean(h, true);
    }

    /**
     * Requests that match no mount and no document root are left to the handler after this one (start-server's
     * application with --include-file) even when an {@code ErrorDocument 404} is configured.
     */
    public SiteHandler passOnUnrouted() {
        passOnUnrouted = true;
        return this;
    }

    /** The access and auth hooks run through {@code gate} (its hook process group). */
    public SiteHandler withAuth(AuthGate gate) {
        this.gate = gate;
        return this;
    }

    @Override
    public List<Handler> getHandlers() {
        return new ArrayList<>(groups.values());
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.BLOCKING;
    }

    @Override
    protected void doStart() throws Exception {
        ByteBufferPool.Sized buffers = new ByteBufferPool.Sized(getServer().getByteBufferPool(), true, 32 * 1024);
        ContentOptions options = new ContentOptions(null, "index.html", List.of(), false, false, false, Map.of());
        for (HostSpec h : hosts) {
            org.eclipse.jetty.http.MimeTypes types = types(h);
            if (h.documentRoot() != null && Files.isDirectory(h.documentRoot())) {
                statics.put(h, new Static(StaticMount.directory(h.documentRoot(), options, buffers, types),
                        h.documentRoot()));
            }
            for (Mount m : h.mounts()) {
                if (m.kind() != Kind.ALIAS || statics.containsKey(m)) continue;
                Path base = base(m);
                if (base == null) continue;
                statics.put(m, new Static(StaticMount.directory(base, options, buffers, types), base));
            }
        }
        for (Static s : statics.values()) addBean(s.mount().service(), true);
        threads = VirtualThreads.getExecutor(getServer().getThreadPool());
        if (threads == null) threads = getServer().getThreadPool();
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        for (Static s : statics.values()) removeBean(s.mount().service());
        statics.clear();
    }

    /** Jetty's table of file types with the host's AddType entries over it. */
    private static org.eclipse.jetty.http.MimeTypes types(HostSpec host) {
        return StaticMount.types(host.scope().types());
    }

    /** The directory an Alias serves from: its target, its file's directory, or a pattern target's fixed part. */
    private static Path base(Mount m) {
        String target = m.target();
        int dollar = target.indexOf('$');
        if (dollar >= 0) target = target.substring(0, target.lastIndexOf('/', dollar) + 1);
        Path p = Path.of(target.isEmpty() ? "/" : target);
        if (!Files.exists(p)) return null;
        return Files.isDirectory(p) ? p : p.getParent();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String raw = URIUtil.normalizePath(request.getHttpURI().getPath());
        if (raw == null) return false;
        String path = Environ.decodePath(mergeSlashes(raw));
        String host = Request.getServerName(request);
        if (host != null) {
            host = host.toLowerCase(Locale.ROOT);
            if (host.endsWith(".")) host = host.substring(0, host.length() - 1);
        }
        int localPort = Request.getLocalPort(request);
        Router.Route route = router.route(host, localPort, path);
        if (route == null) return false;
        route = router.handlerScript(route);
        Scope scope = route.scope();
        if (!AuthGate.callsHooks(scope.access(), scope.auth())) {
            if (!AuthGate.hostGranted(scope.access(), peer(request))) {
                log.info("request refused by Require status=403 path={} client={}", path,
                        Request.getRemoteAddr(request));
                return error(route, request, response, callback, HttpStatus.FORBIDDEN_403);
            }
            return admitted(route, host, localPort, request, response, callback);
        }
        // The access hook, authentication and group checks call Python: never on the selector thread.
        Router.Route routed = route;
        String name = host;
        if (InlineDispatch.onSelectorThread()) {
            threads.execute(() -> {
                try {
                    // Nothing here and the next handler's to take: too late to pass it on from this thread.
                    if (!authorized(routed, name, localPort, request, response, callback)) {
                        Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
                    }
                } catch (Throwable x) {
                    callback.failed(x);
                }
            });
            return true;
        }
        return authorized(routed, name, localPort, request, response, callback);
    }

    /** Access, authentication and Require through the hooks (docs/auth-hooks.md), then on as {@link #admitted}. */
    private boolean authorized(Router.Route route, String host, int localPort, Request request, Response response,
                               Callback callback) throws Exception {
        Scope scope = route.scope();
        switch (gate.check(request, scope.access(), scope.auth(), peer(request))) {
            case AuthGate.Proceed(AuthGate.Authenticated who) -> {
                if (who != null) request.setAttribute(AuthGate.AUTHENTICATED, who);
                return admitted(route, host, localPort, request, response, callback);
            }
            case AuthGate.Refuse(int status, String challenge) -> {
                if (challenge != null) response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, challenge);
                return error(route, request, response, callback, status);
            }
        }
    }

    /** The request passed access control (access before existence, as in Apache): now what the route does. */
    private boolean admitted(Router.Route route, String host, int localPort, Request request, Response response,
                             Callback callback) throws Exception {
        Scope scope = route.scope();
        if (route.notFound()) {
            // Nothing here: the next handler's (start-server's application with --include-file), else a 404.
            if (passOnUnrouted || scope.errorDocument(HttpStatus.NOT_FOUND_404) == null) return false;
            return error(route, request, response, callback, HttpStatus.NOT_FOUND_404);
        }
        if (!scope.headers().isEmpty()) {
            HeaderEdits edited = new HeaderEdits(request, response, scope.headers());
            response = edited;
            callback = edited.around(callback);
        }
        return switch (route.kind()) {
            case REDIRECT -> redirect(route, host, request, response, callback);
            case ALIAS -> InlineDispatch.onSelectorThread() ? fileOnThread(route, request, response, callback)
                    : file(route, request, response, callback);
            case WSGI -> wsgi(route, host, localPort, request, response, callback);
        };
    }

    private boolean redirect(Router.Route route, String host, Request request, Response response,
                             Callback callback) {
        int status = route.mount().status();
        if (status >= 300 && status < 400) {
            String location = route.location();
            if (location.startsWith("/")) {
                // Redirect /old /new: Apache makes the URL absolute with the request's scheme, name and port
                // (ap_construct_url), the port only when it is not the scheme's default.
                boolean secure = request.isSecure();
                int port = serverPort(request.getHeaders().get(HttpHeader.HOST), secure);
                location = (secure ? "https://" : "http://") + serverName(route, host, request)
                        + (port == defaultPort(secure) ? "" : ":" + port) + location;
            }
            String query = request.getHttpURI().getQuery();
            if (route.mount().regex() == null && query != null) location = location + "?" + query;
            WsgiHandler.keepAlive(request, response, socketTimeout, keepAliveTimeout);
            Response.sendRedirect(request, response, callback, status, location, true);
            return true;
        }
        return error(route, request, response, callback, status);
    }

    /**
     * A file request on the selector thread ({@link InlineDispatch}): reading the file may block, so it goes on on a
     * thread of its own, and only these requests do; a site's other requests stay on the selector thread as a
     * one-mount server's do.
     */
    private boolean fileOnThread(Router.Route route, Request request, Response response, Callback callback) {
        threads.execute(() -> {
            try {
                file(route, request, response, callback);
            } catch (Throwable x) {
                callback.failed(x); // as InlineDispatch does for a handler that throws
            }
        });
        return true;
    }

    private boolean file(Router.Route route, Request request, Response response, Callback callback)
            throws IOException {
        Static files = statics.get(route.mount() == null ? route.host() : route.mount());
        String inMount = files == null ? null : inMount(files, route);
        if (inMount == null) return error(route, request, response, callback, HttpStatus.NOT_FOUND_404);
        if (route.pathInfo().endsWith("/") && !inMount.endsWith("/")) inMount += "/";
        if (!StaticFiles.serve(files.mount(), inMount, true, request, response, callback, socketTimeout,
                keepAliveTimeout)) {
            return error(route, request, response, callback, HttpStatus.NOT_FOUND_404);
        }
        return true;
    }

    /** The route's file as a path inside its static mount, or null when it is not under the mount's directory. */
    private static String inMount(Static files, Router.Route route) {
        return route.file().startsWith(files.base()) ? "/" + files.base().relativize(route.file()) : null;
    }

    private boolean wsgi(Router.Route route, String host, int localPort, Request request, Response response,
                         Callback callback) throws Exception {
        Mount mount = route.mount();
        // A script found through SetHandler/AddHandler wsgi-script (under an Alias or the DocumentRoot, not a
        // WSGIScriptAlias): no mount options, and mod_wsgi wants Options ExecCGI there.
        boolean viaHandler = mount == null || mount.kind() != Kind.WSGI;
        Map<String, String> options = viaHandler ? Map.of() : mount.options();
        Scope scope = route.scope();
        Path script = route.file();
        if (viaHandler && !Boolean.TRUE.equals(scope.execCgi())) {
            log.warn("Options ExecCGI is off in this directory status=403 path={} script={}",
                    request.getHttpURI().getPath(), script);
            return error(route, request, response, callback, HttpStatus.FORBIDDEN_403);
        }
        if (script == null || !Files.isRegularFile(script)) {
            log.warn("WSGI script not found status=404 path={} script={} mount={}", request.getHttpURI().getPath(),
                    script, mount == null ? null : mount.source());
            return error(route, request, response, callback, HttpStatus.NOT_FOUND_404);
        }
        int port = route.host().port() != 0 ? route.host().port() : localPort;
        String hostHeader = request.getHeaders().get(HttpHeader.HOST);
        String requestHost = hostHeader == null ? null : host; // %{HOST} is the ServerName without one
        String groupName = Router.expand(options.getOrDefault("process-group", scope.processGroup()), route,
                requestHost, port, environment);
        if (!scope.restrictProcess().isEmpty() && !scope.restrictProcess().contains(groupName)) {
            log.warn("process group not allowed here by WSGIRestrictProcess status=403 path={} process_group={}",
                    request.getHttpURI().getPath(), groupName);
            return error(route, request, response, callback, HttpStatus.FORBIDDEN_403);
        }
        Handler group = groupName == null ? null : groups.get(groupName);
        if (group == null) {
            log.error("no daemon process group for this request status=500 path={} process_group={} script={}"
                    + " (embedded mode is not available: name a WSGIDaemonProcess with WSGIProcessGroup)",
                    request.getHttpURI().getPath(), groupName, script);
            return error(route, request, response, callback, HttpStatus.INTERNAL_SERVER_ERROR_500);
        }
        Boolean chunked = scope.chunkedRequest();
        if (!Boolean.TRUE.equals(chunked) && request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) {
            // mod_wsgi refuses a body of unknown length unless WSGIChunkedRequest On says the app can read one.
            return error(route, request, response, callback, HttpStatus.LENGTH_REQUIRED_411);
        }
        String applicationGroup = Router.expand(options.getOrDefault("application-group",
                scope.applicationGroup() == null ? "%{RESOURCE}" : scope.applicationGroup()), route, requestHost,
                port, environment);
        String callable = options.getOrDefault("callable-object",
                scope.callableObject() == null ? "application" : scope.callableObject());
        String pass = options.get("pass-authorization");
        boolean passAuthorization = pass != null ? pass.equalsIgnoreCase("on")
                : Boolean.TRUE.equals(scope.passAuthorization());
        Map<String, String> environ = new LinkedHashMap<>();
        scope.setenv().forEach((k, v) -> {
            if (v != null) environ.put(k, v);
        });
        for (Site.EnvCondition c : scope.conditions()) {
            String value = attribute(c.attribute(), request);
            if (value == null || !c.regex().matcher(value).find()) continue;
            c.set().forEach((k, v) -> {
                if (v == null) environ.remove(k);
                else environ.put(k, v);
            });
        }
        if ("on".equals(scope.mapHeadToGet()) && "HEAD".equals(request.getMethod())) {
            environ.put("REQUEST_METHOD", "GET"); // after the request's own: the worker keeps the last value
        }
        if (route.host().documentRoot() != null) environ.put("DOCUMENT_ROOT", route.host().documentRoot().toString());
        if (hostHeader == null && route.host().serverName() != null) {
            // No Host (HTTP/1.0): Apache names the virtual host's ServerName and the scheme's port.
            environ.put("SERVER_NAME", route.host().serverName());
            environ.put("SERVER_PORT", Integer.toString(defaultPort(request.isSecure())));
        }
        environ.put("SCRIPT_FILENAME", script.toString());
        environ.put("mod_wsgi.process_group", groupName);
        environ.put("mod_wsgi.application_group", applicationGroup);
        environ.put("mod_wsgi.callable_object", callable);
        request.setAttribute(WsgiHandler.ROUTED, new WsgiHandler.Routed(
                new Environ.Split(route.scriptName(), route.pathInfo()), environ, passAuthorization));
        if (Boolean.TRUE.equals(scope.errorOverride()) || !scope.errorDocuments().isEmpty()) {
            // WSGIErrorOverride: the application's error statuses get the front end's page (its ErrorDocument);
            // ErrorDocuments also answer the front end's own failures (no worker thread, a timeout, ...).
            ErrorOverride overridden = new ErrorOverride(request, response, Boolean.TRUE.equals(scope.errorOverride()),
                    new ErrorOverride.Page() {
                        @Override
                        public void write(Request req, Response res, Callback cb, int status) {
                            errorPage(route, req, res, cb, status);
                        }

                        @Override
                        public boolean documented(int status) {
                            return scope.errorDocument(status) != null;
                        }
                    });
            response = overridden;
            callback = overridden.around(callback);
        }
        return group.handle(request, response, callback);
    }

    /** A SetEnvIf attribute of the request: one of Apache's special names, else the request header of that name. */
    private static String attribute(String name, Request request) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "remote_addr" -> Request.getRemoteAddr(request);
            case "server_addr" -> Request.getLocalAddr(request);
            case "request_method" -> request.getMethod();
            case "request_protocol" -> request.getConnectionMetaData().getProtocol();
            case "request_uri" -> request.getHttpURI().getPath();
            default -> request.getHeaders().get(name);
        };
    }

    /**
     * Runs of slashes as one, as Apache routes with its default {@code MergeSlashes On}: {@code //app//x} is
     * SCRIPT_NAME {@code /app} and PATH_INFO {@code /x}, and Location and Directory sections see the same path.
     */
    static String mergeSlashes(String path) {
        if (!path.contains("//")) return path;
        StringBuilder out = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c != '/' || out.isEmpty() || out.charAt(out.length() - 1) != '/') out.append(c);
        }
        return out.toString();
    }

    /**
     * Apache's {@code ap_get_server_port} with {@code UseCanonicalName Off} for a ServerName without a port: the port
     * the Host header names, else the scheme's default - what a redirect's Location carries, never the listening
     * port the client did not write.
     */
    static int serverPort(String hostHeader, boolean secure) {
        int fallback = defaultPort(secure);
        if (hostHeader == null || hostHeader.isBlank()) return fallback;
        try {
            return new HostPort(hostHeader.trim()).getPort(fallback);
        } catch (IllegalArgumentException e) {
            return fallback;
        }
    }

    private static int defaultPort(boolean secure) {
        return secure ? 443 : 80;
    }

    /** The name a redirect's URL gets: the Host the client sent, else the virtual host's ServerName. */
    private static String serverName(Router.Route route, String host, Request request) {
        if (request.getHeaders().contains(HttpHeader.HOST) && host != null) return host;
        return route.host().serverName() != null ? route.host().serverName() : Request.getServerName(request);
    }

    /** The front end's own error response for a request routed to {@code route}: its scope's ErrorDocument, if any. */
    private boolean error(Router.Route route, Request request, Response response, Callback callback, int status) {
        WsgiHandler.keepAlive(request, response, socketTimeout, keepAliveTimeout);
        errorPage(route, request, response, callback, status);
        return true;
    }

    /**
     * Writes the error response for {@code status} as Apache's {@code ap_die} does: the scope's ErrorDocument - a
     * message (the body, text/html), a local path (its static file, served with the error's status, as Apache's
     * internal redirect does; a path Require refuses or where there is no file gets the standard page, as Apache
     * falls back on a failed ErrorDocument), a URL (302 to it) - else Jetty's standard error page.
     */
    private void errorPage(Router.Route route, Request request, Response response, Callback callback, int status) {
        Site.ErrorDocument doc = route.scope().errorDocument(status);
        if (doc == null) {
            Response.writeError(request, response, callback, status);
            return;
        }
        switch (doc.kind()) {
            case TEXT -> ErrorOverride.writeMessage(response, callback, status, doc.value());
            case REMOTE -> Response.sendRedirect(request, response, callback, HttpStatus.FOUND_302, doc.value(), true);
            case LOCAL -> {
                if (InlineDispatch.onSelectorThread()) {
                    threads.execute(() -> localDocument(route, doc, request, response, callback, status));
                } else {
                    localDocument(route, doc, request, response, callback, status);
                }
            }
            case DEFAULT -> Response.writeError(request, response, callback, status); // errorDocument() never gives it
        }
    }

    /** An ErrorDocument's local path: routed again in the request's virtual host, its static file as the body. */
    private void localDocument(Router.Route route, Site.ErrorDocument doc, Request request, Response response,
                               Callback callback, int status) {
        try {
            String path = doc.value();
            int query = path.indexOf('?');
            Router.Route target = router.handlerScript(router.route(route.host(),
                    query < 0 ? path : path.substring(0, query)));
            org.eclipse.jetty.http.content.HttpContent content = null;
            if (target.kind() == Kind.ALIAS && target.file() != null
                    && !AuthGate.callsHooks(target.scope().access(), target.scope().auth())
                    && AuthGate.hostGranted(target.scope().access(), peer(request))) {
                Static files = statics.get(target.mount() == null ? target.host() : target.mount());
                String inMount = files == null ? null : inMount(files, target);
                if (inMount != null && Files.isRegularFile(target.file())) {
                    content = files.mount().identity(inMount); // never a precompressed sibling
                }
            }
            if (content == null || content.getResource().isDirectory()) {
                log.warn("ErrorDocument not served, the standard page instead status={} document={} source={}",
                        status, path, doc.source());
                Response.writeError(request, response, callback, status);
                return;
            }
            response.setStatus(status);
            String type = content.getContentTypeValue();
            if (type != null) response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, content.getContentLengthValue());
            content.writeTo(response, 0, -1, callback);
        } catch (Throwable x) {
            callback.failed(x);
        }
    }

    private static InetAddress peer(Request request) {
        try {
            return InetAddress.ofLiteral(Request.getRemoteAddr(request));
        } catch (IllegalArgumentException e) {
            return InetAddress.getLoopbackAddress(); // a UNIX-domain client (no address) is local
        }
    }
}
