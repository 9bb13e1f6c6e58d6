package io.jwsgi.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.site.ConfigReader;
import io.jwsgi.site.Router;
import io.jwsgi.site.SiteBuilder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The site front end in memory: a configuration routed by SiteHandler to fake process groups that answer with what
 * they were handed (the split and the configuration's environ), on Jetty's LocalConnector.
 */
class SiteHandlerTest {
    @TempDir
    Path root;
    Server server;
    LocalConnector connector;

    /** A process group that answers "group=NAME" and the routed request's split and environ, sorted. */
    static Handler group(String name) {
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                WsgiHandler.Routed routed = (WsgiHandler.Routed) request.getAttribute(WsgiHandler.ROUTED);
                StringBuilder b = new StringBuilder("group=" + name + "\nSCRIPT_NAME=" + routed.split().scriptName()
                        + "\nPATH_INFO=" + routed.split().pathInfo() + "\npassAuthorization="
                        + routed.passAuthorization() + "\n");
                new TreeMap<>(routed.environ()).forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
                response.getHeaders().put("X-Frame-Options", "SAMEORIGIN");
                response.write(true, ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        };
    }

    void start(String conf) throws Exception {
        start(conf, SiteHandlerTest::group);
    }

    void start(String conf, java.util.function.Function<String, Handler> groupHandler) throws Exception {
        Files.createDirectories(root.resolve("apps"));
        Files.writeString(root.resolve("apps/one.wsgi"), "");
        Files.writeString(root.resolve("apps/two.wsgi"), "");
        Path file = Files.writeString(root.resolve("site.conf"), conf.replace("@ROOT@", root.toString()));
        ConfigReader.Result read = ConfigReader.read(file, Map.of(), Set.of(), root, ConfigReader.MODULES);
        assertThat(read.errors()).isEmpty();
        SiteBuilder.Result site = SiteBuilder.build(read.directives(), root, Map.of());
        assertThat(site.errors()).isEmpty();
        server = new Server();
        connector = new LocalConnector(server);
        server.addConnector(connector);
        Map<String, Handler> groups = new LinkedHashMap<>();
        for (var g : site.site().groups()) groups.put(g.name(), groupHandler.apply(g.name()));
        server.setHandler(new SiteHandler(new Router(site.site().hosts()), site.site().hosts(), groups,
                Map.of("FROM_ENV", "env-value"), Duration.ofSeconds(30), Duration.ofSeconds(5)));
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) server.stop();
    }

    HttpTester.Response get(String host, String target, String... headers) throws Exception {
        StringBuilder raw = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n");
        for (int i = 0; i < headers.length; i += 2) raw.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        return HttpTester.parseResponse(connector.getResponse(raw.append("Connection: close\r\n\r\n").toString()));
    }

    @Test
    void routesToTheGroupItsScopeNamesWithTheEnvironTheConfigurationGives() throws Exception {
        start("""
                WSGIDaemonProcess alpha
                WSGIDaemonProcess beta
                <VirtualHost *:*>
                    ServerName one.example
                    WSGIScriptAlias /app @ROOT@/apps/one.wsgi process-group=alpha application-group=%{GLOBAL}
                    WSGIScriptAlias /dyn @ROOT@/apps/two.wsgi process-group=%{ENV:TARGET_GROUP}
                    SetEnv TARGET_GROUP beta
                    WSGIApplicationGroup %{ENV:FROM_ENV}
                    SetEnvIf Request_Method ^POST IS_POST
                </VirtualHost>
                """);
        HttpTester.Response app = get("one.example", "/app/x/y", "Authorization", "Basic eA==");
        assertThat(app.getStatus()).isEqualTo(200);
        assertThat(app.getContent()).contains("group=alpha\nSCRIPT_NAME=/app\nPATH_INFO=/x/y\npassAuthorization=false\n")
                .contains("SCRIPT_FILENAME=" + root.resolve("apps/one.wsgi"))
                .contains("mod_wsgi.application_group=\n").contains("mod_wsgi.callable_object=application\n")
                .contains("mod_wsgi.process_group=alpha\n").contains("TARGET_GROUP=beta\n")
                .doesNotContain("IS_POST");
        // %{ENV:...} for the group (SetEnv) and the application group (the server's environment)
        assertThat(get("one.example", "/dyn").getContent()).contains("group=beta\n")
                .contains("mod_wsgi.application_group=env-value\n");
    }

    @Test
    void answersWhatNeverReachesAWorker() throws Exception {
        start("""
                WSGIDaemonProcess alpha
                WSGIProcessGroup alpha
                WSGIApplicationGroup %{GLOBAL}
                WSGIScriptAlias /app @ROOT@/apps/one.wsgi
                WSGIScriptAlias /missing @ROOT@/apps/none.wsgi
                Redirect seeother /moved /elsewhere
                Redirect gone /dead
                <Location /app/admin>
                    Require local
                    Require ip 192.0.2.0/24
                </Location>
                <Location /app/closed>
                    Require all denied
                </Location>
                <LocationMatch ^/locked/>
                    Require all denied
                </LocationMatch>
                <Location /app/only-beta>
                    WSGIRestrictProcess beta
                </Location>
                Header unset X-Frame-Options
                Header add X-Site one
                """);
        assertThat(get("h", "/app/admin").getStatus()).isEqualTo(200); // LocalConnector: a local client
        assertThat(get("h", "/app/closed/x").getStatus()).isEqualTo(403);
        assertThat(get("h", "/app/only-beta").getStatus()).isEqualTo(403);
        assertThat(get("h", "/missing").getStatus()).isEqualTo(404);
        assertThat(get("h", "/nowhere").getStatus()).isEqualTo(404);
        assertThat(get("h", "/locked/nothing-here").getStatus()).isEqualTo(403); // denied before looked up
        HttpTester.Response moved = get("h", "/moved/a?b=c");
        assertThat(moved.getStatus()).isEqualTo(303);
        assertThat(moved.get("Location")).endsWith("/elsewhere/a?b=c");
        assertThat(get("h", "/dead/page").getStatus()).isEqualTo(410);
        HttpTester.Response edited = get("h", "/app");
        assertThat(edited.get("X-Frame-Options")).isNull();
        assertThat(edited.get("X-Site")).isEqualTo("one");

        String chunked = "POST /app HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + "1\r\nx\r\n0\r\n\r\n";
        assertThat(HttpTester.parseResponse(connector.getResponse(chunked)).getStatus()).isEqualTo(411);
    }

    @Test
    void errorDocumentsAnswerTheFrontEndsOwnErrors() throws Exception {
        Files.createDirectories(root.resolve("errors"));
        Files.writeString(root.resolve("errors/missing.html"), "<p>not here</p>\n");
        start("""
                WSGIDaemonProcess alpha
                WSGIProcessGroup alpha
                WSGIApplicationGroup %{GLOBAL}
                Alias /errors @ROOT@/errors
                WSGIScriptAlias /app @ROOT@/apps/one.wsgi
                WSGIScriptAlias /missing @ROOT@/apps/none.wsgi
                WSGIScriptAlias /dyn @ROOT@/apps/two.wsgi process-group=%{ENV:NO_SUCH_GROUP}
                ErrorDocument 404 /errors/missing.html
                ErrorDocument 403 "Go away, please"
                ErrorDocument 500 https://status.example/down
                <Location /app/closed>
                    Require all denied
                </Location>
                <Location /app/plain>
                    Require all denied
                    ErrorDocument 403 default
                </Location>
                <Location /other>
                    ErrorDocument 404 "Nothing at all here"
                </Location>
                <Location /broken>
                    ErrorDocument 404 /errors/gone-too.html
                </Location>
                """);
        for (String path : List.of("/missing", "/nowhere", "/errors/nope.html")) {
            HttpTester.Response notFound = get("h", path); // no script, no mount, no static file
            assertThat(notFound.getStatus()).as(path).isEqualTo(404);
            assertThat(notFound.getContent()).as(path).isEqualTo("<p>not here</p>\n");
            assertThat(notFound.get("Content-Type")).as(path).startsWith("text/html");
        }
        HttpTester.Response denied = get("h", "/app/closed");
        assertThat(denied.getStatus()).isEqualTo(403);
        assertThat(denied.getContent()).isEqualTo("Go away, please");
        assertThat(denied.get("Content-Type")).isEqualTo("text/html; charset=iso-8859-1");
        HttpTester.Response plain = get("h", "/app/plain");
        assertThat(plain.getStatus()).isEqualTo(403);
        assertThat(plain.getContent()).doesNotContain("Go away");
        assertThat(get("h", "/other/x").getContent()).isEqualTo("Nothing at all here");
        HttpTester.Response broken = get("h", "/broken"); // the document itself is missing: the standard page
        assertThat(broken.getStatus()).isEqualTo(404);
        assertThat(broken.getContent()).doesNotContain("not here");
        HttpTester.Response noGroup = get("h", "/dyn");
        assertThat(noGroup.getStatus()).isEqualTo(302);
        assertThat(noGroup.get("Location")).isEqualTo("https://status.example/down");
        assertThat(get("h", "/app/x").getStatus()).isEqualTo(200); // the application's answers are its own
    }

    /** A process group whose application answers by PATH_INFO: its own error pages, or a front-end failure. */
    static Handler failingGroup(String name) {
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                WsgiHandler.Routed routed = (WsgiHandler.Routed) request.getAttribute(WsgiHandler.ROUTED);
                String what = routed.split().pathInfo();
                if (what.endsWith("/busy")) {
                    Failure.respond(new Failure.Unavailable(io.jwsgi.daemon.DispatchException.Kind.QUEUE_FULL),
                            response, callback);
                    return true;
                }
                int status = what.endsWith("/404") ? 404 : what.endsWith("/500") ? 500 : what.endsWith("/401") ? 401
                        : what.endsWith("/empty") ? 503 : 200;
                response.setStatus(status);
                response.getHeaders().put("Content-Type", "text/plain");
                response.getHeaders().put("X-App", "yes");
                response.getHeaders().put("Set-Cookie", "seen=1");
                if (status == 401) response.getHeaders().put("WWW-Authenticate", "Basic realm=\"x\"");
                if (status == 503) { // completes without a write
                    callback.succeeded();
                    return true;
                }
                byte[] first = ("the application's own " + status + " page, ").getBytes(StandardCharsets.UTF_8);
                byte[] second = "in two writes\n".getBytes(StandardCharsets.UTF_8);
                response.getHeaders().put("Content-Length", first.length + second.length);
                response.write(false, ByteBuffer.wrap(first), Callback.from(
                        () -> response.write(true, ByteBuffer.wrap(second), callback), callback::failed));
                return true;
            }
        };
    }

    @Test
    void wsgiErrorOverrideReplacesTheApplicationsErrorResponses() throws Exception {
        Files.createDirectories(root.resolve("errors"));
        Files.writeString(root.resolve("errors/missing.html"), "<p>not here</p>\n");
        start("""
                WSGIDaemonProcess alpha
                WSGIProcessGroup alpha
                WSGIApplicationGroup %{GLOBAL}
                Alias /errors @ROOT@/errors
                WSGIScriptAlias /app @ROOT@/apps/one.wsgi
                WSGIErrorOverride On
                ErrorDocument 404 /errors/missing.html
                ErrorDocument 503 "Come back later"
                <Location /app/raw>
                    WSGIErrorOverride Off
                </Location>
                Header add X-Site one
                """, SiteHandlerTest::failingGroup);
        HttpTester.Response notFound = get("h", "/app/404");
        assertThat(notFound.getStatus()).isEqualTo(404);
        assertThat(notFound.getContent()).isEqualTo("<p>not here</p>\n");
        assertThat(notFound.get("Content-Type")).startsWith("text/html");
        assertThat(notFound.get("X-App")).isNull(); // the application's headers go with its body
        assertThat(notFound.get("Set-Cookie")).isEqualTo("seen=1"); // as Apache keeps err_headers_out
        assertThat(notFound.get("X-Site")).isEqualTo("one"); // Header edits apply to the error page
        HttpTester.Response failed = get("h", "/app/500"); // no ErrorDocument: the standard page, status kept
        assertThat(failed.getStatus()).isEqualTo(500);
        assertThat(failed.getContent()).doesNotContain("application's own");
        HttpTester.Response challenge = get("h", "/app/401");
        assertThat(challenge.getStatus()).isEqualTo(401);
        assertThat(challenge.get("WWW-Authenticate")).isEqualTo("Basic realm=\"x\"");
        assertThat(challenge.getContent()).doesNotContain("application's own");
        HttpTester.Response empty = get("h", "/app/empty"); // completed without a write
        assertThat(empty.getStatus()).isEqualTo(503);
        assertThat(empty.getContent()).isEqualTo("Come back later");
        HttpTester.Response ok = get("h", "/app/fine");
        assertThat(ok.getStatus()).isEqualTo(200);
        assertThat(ok.getContent()).isEqualTo("the application's own 200 page, in two writes\n");
        assertThat(ok.get("X-App")).isEqualTo("yes");

        // Off here: the application's error pages are its own; the front end's failures still get the document.
        HttpTester.Response raw = get("h", "/app/raw/404");
        assertThat(raw.getStatus()).isEqualTo(404);
        assertThat(raw.getContent()).isEqualTo("the application's own 404 page, in two writes\n");
        HttpTester.Response busy = get("h", "/app/raw/busy");
        assertThat(busy.getStatus()).isEqualTo(503);
        assertThat(busy.getContent()).isEqualTo("Come back later");
        assertThat(busy.get("Retry-After")).isEqualTo("1");
    }

    @Test
    void passAuthorizationAndMapHeadToGetFollowTheScope() throws Exception {
        start("""
                WSGIDaemonProcess alpha
                WSGIProcessGroup alpha
                WSGIScriptAlias / @ROOT@/apps/one.wsgi
                <Location /api>
                    WSGIPassAuthorization On
                    WSGIMapHEADToGET On
                </Location>
                """);
        assertThat(get("h", "/page").getContent()).contains("passAuthorization=false");
        assertThat(get("h", "/api/x").getContent()).contains("passAuthorization=true")
                .doesNotContain("REQUEST_METHOD");
        HttpTester.Response head = HttpTester.parseHeadResponse(connector.getResponse(
                "HEAD /api/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
        assertThat(head.getStatus()).isEqualTo(200);
    }

    @Test
    void theServerPortIsTheHostHeadersElseTheSchemesDefaultAsApacheWithUseCanonicalNameOff() {
        assertThat(SiteHandler.serverPort("www.example.test:8080", false)).isEqualTo(8080);
        assertThat(SiteHandler.serverPort("www.example.test", false)).isEqualTo(80);
        assertThat(SiteHandler.serverPort("www.example.test", true)).isEqualTo(443);
        assertThat(SiteHandler.serverPort("[::1]:8443", true)).isEqualTo(8443);
        assertThat(SiteHandler.serverPort("[::1]", false)).isEqualTo(80);
        assertThat(SiteHandler.serverPort(null, false)).isEqualTo(80);
        assertThat(SiteHandler.serverPort("bad:port", false)).isEqualTo(80);
    }

    @Test
    void runsOfSlashesAreRoutedAsOneAsApacheDoesWithMergeSlashesOn() {
        assertThat(SiteHandler.mergeSlashes("//other//a")).isEqualTo("/other/a");
        assertThat(SiteHandler.mergeSlashes("/a///b/")).isEqualTo("/a/b/");
        assertThat(SiteHandler.mergeSlashes("/plain/path")).isEqualTo("/plain/path");
        assertThat(SiteHandler.mergeSlashes("/")).isEqualTo("/");
    }
}
