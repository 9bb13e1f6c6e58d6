package io.jwsgi.auth;

import io.jwsgi.config.AuthHooks;
import io.jwsgi.site.AccessRule;
import io.jwsgi.site.Site.Auth;
import io.jwsgi.site.Site.HookScript;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * start-server's {@code --host-access-script} and {@code --auth-user-script} (docs/auth-hooks.md): the
 * {@code <Location />} mod_wsgi-express generates, applied to every request in front of the application and the static
 * files: {@code WSGIAccessScript}, then {@code AuthType Basic|Digest} with {@code AuthName 'HOST:PORT'}, the wsgi
 * provider, and {@code Require valid-user} or, with {@code --auth-group-script}, {@code Require wsgi-group GROUP}.
 */
public final class AuthHandler extends Handler.Wrapper {
    private final AuthGate gate;
    private final AccessRule access;
    private final Auth auth;
    private final Executor threads;
    private final BooleanSupplier onSelectorThread;
    private final String host;
    private final int port;

    /**
     * @param host             the HOST of mod_wsgi-express's AuthName {@code HOST:PORT}
     * @param port               its PORT; 0 (an ephemeral --port) is the port the request came in on
     * @param threads          where a request that arrived on a selector thread is checked (hooks block)
     * @param onSelectorThread whether the caller is a selector thread
     */
    public AuthHandler(AuthHooks hooks, String host, int port, AuthGate gate, Executor threads, BooleanSupplier onSelectorThread,
                       Handler next) {
        super(next);
        this.gate = gate;
        this.threads = threads;
        this.onSelectorThread = onSelectorThread;
        HookScript user = script(hooks.authUserScript());
        HookScript group = script(hooks.authGroupScript());
        this.host = host;
        this.port = port;
        this.auth = new Auth(script(hooks.hostAccessScript()), user, group, null, user == null ? null : hooks.authType(),
                port == 0 ? null : host + ":" + port, "wsgi", "wsgi");
        this.access = user == null ? null : group == null
                ? new AccessRule.User(AccessRule.UserProvider.VALID_USER, List.of())
                : new AccessRule.User(AccessRule.UserProvider.WSGI_GROUP, List.of(hooks.authGroup()));
    }

    private static HookScript script(java.nio.file.Path path) {
        return path == null ? null : new HookScript(path, "", null);
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!onSelectorThread.getAsBoolean()) return check(request, response, callback);
        threads.execute(() -> {
            try {
                if (!check(request, response, callback)) Response.writeError(request, response, callback, 404);
            } catch (Throwable x) {
                callback.failed(x);
            }
        });
        return true;
    }

    private boolean check(Request request, Response response, Callback callback) throws Exception {
        Auth scoped = auth.userScript() == null || auth.name() != null ? auth : new Auth(auth.accessScript(),
                auth.userScript(), auth.groupScript(), null, auth.type(), host + ":" + Request.getLocalPort(request),
                "wsgi", "wsgi");
        switch (gate.check(request, access, scoped, peer(request))) {
            case AuthGate.Proceed(AuthGate.Authenticated who) -> {
                if (who != null) request.setAttribute(AuthGate.AUTHENTICATED, who);
                return super.handle(request, response, callback);
            }
            case AuthGate.Refuse(int status, String challenge) -> {
                if (challenge != null) response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, challenge);
                Response.writeError(request, response, callback, status);
                return true;
            }
        }
    }

    private static InetAddress peer(Request request) {
        try {
            return InetAddress.ofLiteral(Request.getRemoteAddr(request));
        } catch (IllegalArgumentException e) {
            return InetAddress.getLoopbackAddress();
        }
    }
}
