package io.jwsgi.frontend;

import io.jwsgi.config.ContentOptions;
import io.jwsgi.site.AccessRule;
import io.jwsgi.site.Router;
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
import org.eclipse.jetty.util.URIUtil;
import org.eclipse.jetty.util.VirtualThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front end of a configuration file's site: each request goes to its virtual host, then to the first mount that
 * matches ({@link Router}), then - unless a {@code Require} refuses it (403) - to a redirect, to the static files of an
 * {@code Alias} or the {@code DocumentRoot}, or to the {@link WsgiHandler} of the process group the mount's scope
 * names, with the environ the configuration adds: {@code SCRIPT_FILENAME}, the application group and callable
 * object, the process group, {@code SetEnv} values. mod_wsgi's per-request rules are applied here, before any worker
 * sees the request: a missing script is a 404 (logged), a chunked request body without {@code WSGIChunkedRequest On}
 * a 411, and the Authorization header reaches the application only with {@code WSGIPassAuthorization On}.
 */
public final class SiteHandler extends Handler.AbstractContainer {
    private static final Logger log = LoggerFactory.getLogger(SiteHandler.class);

    private final Router router;
    private final Map<String, Handler> groups;
    private final Map<String, String> environment;
    private final Duration socketTimeout;
    private final Duration keepAliveTimeout;
    /** Static mounts, created at start (they need the server's buffers): one per Alias, one per DocumentRoot. */
    private final Map<Object, StaticMount> statics = new HashMap<>();
    private final List<HostSpec> hosts;
    /** Where a file request that arrived on the selector thread is served (file reads block), set at start. */
    private Executor threads;

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
        ContentOptions options = new ContentOptions(null, "index.html", List.of(), false, false);
        for (HostSpec h : hosts) {
            if (h.documentRoot() != null && Files.isDirectory(h.documentRoot())) {
                statics.put(h, StaticMount.documentRoot(h.documentRoot(), options, buffers));
            }
            for (Mount m : h.mounts()) {
                if (m.kind() != Kind.ALIAS || statics.containsKey(m)) continue;
                Path base = base(m);
                if (base == null) continue;
                statics.put(m, StaticMount.documentRoot(base, options, buffers));
            }
        }
        for (StaticMount s : statics.values()) addBean(s.service(), true);
        threads = VirtualThreads.getExecutor(getServer().getThreadPool());
        if (threads == null) threads = getServer().getThreadPool();
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        for (StaticMount s : statics.values()) removeBean(s.service());
        statics.clear();
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
        String path = Environ.decodePath(raw);
        String host = Request.getServerName(request);
        if (host != null) {
            host = host.toLowerCase(Locale.ROOT);
            if (host.endsWith(".")) host = host.substring(0, host.length() - 1);
        }
        int localPort = Request.getLocalPort(request);
        Router.Route route = router.route(host, localPort, path);
        if (route == null || route.notFound()) return false;
        Scope scope = route.scope();
        if (scope.access() != null && !(scope.access() instanceof AccessRule.All(boolean granted) ? granted
                : scope.access().grants(peer(request)))) {
            log.info("request refused by Require status=403 path={} client={}", path, Request.getRemoteAddr(request));
            return error(request, response, callback, HttpStatus.FORBIDDEN_403);
        }
        return switch (route.kind()) {
            case REDIRECT -> redirect(route, request, response, callback);
            case ALIAS -> InlineDispatch.onSelectorThread() ? fileOnThread(route, request, response, callback)
                    : file(route, request, response, callback);
            case WSGI -> wsgi(route, host, localPort, request, response, callback);
        };
    }

    private boolean redirect(Router.Route route, Request request, Response response, Callback callback) {
        int status = route.mount().status();
        if (status >= 300 && status < 400) {
            String location = route.location();
            String query = request.getHttpURI().getQuery();
            if (route.mount().regex() == null && query != null) location = location + "?" + query;
            WsgiHandler.keepAlive(request, response, socketTimeout, keepAliveTimeout);
            Response.sendRedirect(request, response, callback, status, location, true);
            return true;
        }
        return error(request, response, callback, status);
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
        StaticMount mount = statics.get(route.mount() == null ? route.host() : route.mount());
        Path base = route.mount() == null ? route.host().documentRoot() : base(route.mount());
        if (mount == null || base == null || !route.file().startsWith(base)) {
            return error(request, response, callback, HttpStatus.NOT_FOUND_404);
        }
        String inMount = "/" + base.relativize(route.file()).toString();
        if (route.pathInfo().endsWith("/") && !inMount.endsWith("/")) inMount += "/";
        if (!StaticFiles.serve(mount, inMount, true, request, response, callback, socketTimeout, keepAliveTimeout)) {
            return error(request, response, callback, HttpStatus.NOT_FOUND_404);
        }
        return true;
    }

    private boolean wsgi(Router.Route route, String host, int localPort, Request request, Response response,
                         Callback callback) throws Exception {
        Mount mount = route.mount();
        Scope scope = route.scope();
        Path script = route.file();
        if (script == null || !Files.isRegularFile(script)) {
            log.info("WSGI script not found status=404 path={} script={} mount={}", request.getHttpURI().getPath(),
                    script, mount.source());
            return error(request, response, callback, HttpStatus.NOT_FOUND_404);
        }
        int port = route.host().port() != 0 ? route.host().port() : localPort;
        String groupName = Router.expand(mount.options().getOrDefault("process-group", scope.processGroup()), route,
                host, port, environment);
        Handler group = groupName == null ? null : groups.get(groupName);
        if (group == null) {
            log.error("no such process group status=500 path={} process_group={} mount={}",
                    request.getHttpURI().getPath(), groupName, mount.source());
            return error(request, response, callback, HttpStatus.INTERNAL_SERVER_ERROR_500);
        }
        Boolean chunked = scope.chunkedRequest();
        if (!Boolean.TRUE.equals(chunked) && request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) {
            // mod_wsgi refuses a body of unknown length unless WSGIChunkedRequest On says the app can read one.
            return error(request, response, callback, HttpStatus.LENGTH_REQUIRED_411);
        }
        String applicationGroup = Router.expand(mount.options().getOrDefault("application-group",
                scope.applicationGroup() == null ? "%{RESOURCE}" : scope.applicationGroup()), route, host, port,
                environment);
        String callable = mount.options().getOrDefault("callable-object",
                scope.callableObject() == null ? "application" : scope.callableObject());
        String pass = mount.options().get("pass-authorization");
        boolean passAuthorization = pass != null ? pass.equalsIgnoreCase("on")
                : Boolean.TRUE.equals(scope.passAuthorization());
        Map<String, String> environ = new LinkedHashMap<>();
        scope.setenv().forEach((k, v) -> {
            if (v != null) environ.put(k, v);
        });
        if (route.host().documentRoot() != null) environ.put("DOCUMENT_ROOT", route.host().documentRoot().toString());
        environ.put("SCRIPT_FILENAME", script.toString());
        environ.put("mod_wsgi.process_group", groupName);
        environ.put("mod_wsgi.application_group", applicationGroup);
        environ.put("mod_wsgi.callable_object", callable);
        request.setAttribute(WsgiHandler.ROUTED, new WsgiHandler.Routed(
                new Environ.Split(route.scriptName(), route.pathInfo()), environ, passAuthorization));
        return group.handle(request, response, callback);
    }

    private boolean error(Request request, Response response, Callback callback, int status) {
        WsgiHandler.keepAlive(request, response, socketTimeout, keepAliveTimeout);
        Response.writeError(request, response, callback, status);
        return true;
    }

    private static InetAddress peer(Request request) {
        try {
            return InetAddress.ofLiteral(Request.getRemoteAddr(request));
        } catch (IllegalArgumentException e) {
            return InetAddress.getLoopbackAddress(); // a UNIX-domain client (no address) is local
        }
    }
}
