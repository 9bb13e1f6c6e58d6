package io.jwsgi.ops;

import io.jwsgi.config.Operations;
import io.jwsgi.daemon.GroupStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.NanoTime;

/**
 * Answers the server's own URLs before anything else sees the request: {@code /server-status}, the metrics path
 * and the health-check path, each only when enabled; every other request goes on to the wrapped handler. Sits
 * outside --max-clients, so a saturated server can still be looked at.
 */
public final class OperationsHandler extends Handler.Wrapper {
    private final Operations options;
    private final Supplier<java.util.List<GroupStatus>> groups;
    private final RequestMetrics metrics;
    private final String version;
    private final long startedNanos = NanoTime.now();

    /** Each process group's own request counts (a configuration file's groups), by name; empty for start-server. */
    private final java.util.Map<String, RequestMetrics> perGroup;
    /** True once the server has begun to stop (SIGTERM): the health check then says 503 whatever the workers do. */
    private final java.util.function.BooleanSupplier draining;

    public OperationsHandler(Handler next, Operations options, Supplier<java.util.List<GroupStatus>> groups,
                             RequestMetrics metrics, java.util.Map<String, RequestMetrics> perGroup,
                             String version, java.util.function.BooleanSupplier draining) {
        super(next);
        this.draining = draining;
        this.perGroup = java.util.Map.copyOf(perGroup);
        this.options = options;
        this.groups = groups;
        this.metrics = metrics;
        this.version = version;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = request.getHttpURI().getPath();
        if (options.serverStatus() && Operations.SERVER_STATUS_PATH.equals(path)) {
            if (!allowedMethod(request, response, callback)) return true;
            if (!io.jwsgi.frontend.VirtualHost.isLoopback(request.getConnectionMetaData().getRemoteSocketAddress())) {
                Response.writeError(request, response, callback, HttpStatus.FORBIDDEN_403,
                        "The status page is served to local clients only");
                return true;
            }
            status(request, response, callback);
            return true;
        }
        if (path != null && path.equals(options.metricsPath())) {
            if (!allowedMethod(request, response, callback)) return true;
            send(request, response, callback, HttpStatus.OK_200, MetricsText.CONTENT_TYPE,
                    MetricsText.render(groups.get(), metrics.snapshot(), snapshots(), uptime()));
            return true;
        }
        if (path != null && path.equals(options.healthCheckPath())) {
            if (!allowedMethod(request, response, callback)) return true;
            // Healthy when every group can serve: a site with one group down is not. A stopping server is not either:
            // the balancer should send no new client here while it drains (docs/lifecycle.md).
            if (draining.getAsBoolean()) {
                send(request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, "text/plain; charset=utf-8",
                        "unavailable: the server is stopping\n");
                return true;
            }
            boolean ready = groups.get().stream().allMatch(GroupStatus::anyReady);
            send(request, response, callback, ready ? HttpStatus.OK_200 : HttpStatus.SERVICE_UNAVAILABLE_503,
                    "text/plain; charset=utf-8", ready ? "ok\n" : "unavailable: no worker process is ready\n");
            return true;
        }
        return super.handle(request, response, callback);
    }

    private void status(Request request, Response response, Callback callback) {
        Fields query = Request.extractQueryParameters(request);
        StatusPage.Server server = new StatusPage.Server(version, uptime(), metrics.snapshot());
        java.util.List<GroupStatus> g = groups.get();
        if (query.get("auto") != null) {
            send(request, response, callback, HttpStatus.OK_200, "text/plain; charset=utf-8", StatusPage.auto(server, g));
        } else {
            int refresh = 0;
            String value = query.getValue("refresh");
            if (value != null) {
                try {
                    refresh = Math.clamp(Integer.parseInt(value), 1, 3600);
                } catch (NumberFormatException e) {
                    refresh = 0; // mod_status ignores a refresh it cannot read
                }
            }
            send(request, response, callback, HttpStatus.OK_200, "text/html; charset=utf-8",
                    StatusPage.html(server, g, refresh));
        }
    }

    private java.util.Map<String, RequestMetrics.Snapshot> snapshots() {
        java.util.Map<String, RequestMetrics.Snapshot> out = new java.util.LinkedHashMap<>();
        perGroup.forEach((name, m) -> out.put(name, m.snapshot()));
        return out;
    }

    private Duration uptime() {
        return Duration.ofNanos(NanoTime.since(startedNanos));
    }

    private static boolean allowedMethod(Request request, Response response, Callback callback) {
        String method = request.getMethod();
        if (HttpMethod.GET.is(method) || HttpMethod.HEAD.is(method)) return true;
        response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
        Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405);
        return false;
    }

    private static void send(Request request, Response response, Callback callback, int status, String type,
                             String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        if (HttpMethod.HEAD.is(request.getMethod())) {
            response.write(true, BufferUtil.EMPTY_BUFFER, callback);
        } else {
            response.write(true, java.nio.ByteBuffer.wrap(bytes), callback);
        }
    }
}
