package io.jwsgi.it;

import static io.jwsgi.it.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A configuration file shaped like mod_wsgi's documentation and Django's deployment guide - two applications in two
 * daemon process groups behind two name-based virtual hosts, static files, access rules, redirects, SetEnv - run by
 * {@code jwsgi serve} with real workers, and asked over real HTTP what each directive did.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SiteIT {
    static final Path ECHO = Path.of("src/test/resources/site/echo.wsgi").toAbsolutePath();

    @TempDir
    static Path dir;
    JwsgiProcess server;
    Path conf;

    @BeforeAll
    void start() throws Exception {
        for (String app : List.of("shop", "blog")) {
            Files.createDirectories(dir.resolve(app));
            Files.copy(ECHO, dir.resolve(app).resolve("echo.wsgi"));
        }
        Files.copy(ECHO, dir.resolve("shop/second.wsgi"));
        Files.writeString(dir.resolve("shop/marker.py"),
                "import sys, types\nsys.modules['site_marker_preloaded'] = types.ModuleType('site_marker_preloaded')\n");
        Files.createDirectories(dir.resolve("htdocs/noexec"));
        Files.createDirectories(dir.resolve("htdocs/denied"));
        Files.copy(ECHO, dir.resolve("htdocs/app.wsgi"));
        Files.copy(ECHO, dir.resolve("htdocs/noexec/app.wsgi"));
        Files.writeString(dir.resolve("htdocs/index.html"), "<h1>legacy</h1>\n");
        Files.writeString(dir.resolve("htdocs/denied/x.txt"), "secret\n");
        Files.writeString(dir.resolve("htdocs/data.custom"), "custom\n");
        Files.createDirectories(dir.resolve("static/css"));
        Files.writeString(dir.resolve("static/css/site.css"), "body { color: teal }\n");
        Files.writeString(dir.resolve("static/oops.html"), "<h1>our own 404</h1>\n");
        conf = Files.writeString(dir.resolve("site.conf"), """
                # The site of two applications, as mod_wsgi's "delegate to daemon process" guide writes it.
                Define SITE %s
                ServerName localhost
                ServerSignature Off
                LogLevel info
                WSGIPythonOptimize 1
                <IfModule mod_wsgi.c>
                    WSGIDaemonProcess shop processes=2 threads=2 display-name=%%{GROUP} home=${SITE}/shop
                    WSGIDaemonProcess blog threads=1 graceful-timeout=5
                    WSGIImportScript ${SITE}/shop/marker.py process-group=shop application-group=%%{GLOBAL}
                </IfModule>
                <IfModule mod_nonexistent.c>
                    ThisWouldBeAnError here
                </IfModule>

                <VirtualHost *:*>
                    ServerName shop.example
                    ServerAlias www.shop.example
                    WSGIScriptAlias /second ${SITE}/shop/second.wsgi process-group=shop
                    WSGIScriptAlias / ${SITE}/shop/echo.wsgi process-group=shop application-group=%%{GLOBAL}
                    Alias /static/ ${SITE}/static/
                    <Directory ${SITE}/static>
                        Require all granted
                    </Directory>
                    <Location /private>
                        Require ip 10.0.0.0/8
                    </Location>
                    <Location /auth>
                        WSGIPassAuthorization On
                    </Location>
                    <Location /upload>
                        WSGIChunkedRequest On
                    </Location>
                    <Location /oops>
                        WSGIErrorOverride On
                        ErrorDocument 404 /static/oops.html
                        ErrorDocument 500 "Something broke"
                    </Location>
                    SetEnv SITE_NAME shop
                    Redirect permanent /old /new
                </VirtualHost>

                <VirtualHost *:*>
                    ServerName blog.example
                    WSGIProcessGroup blog
                    WSGIApplicationGroup blog-app
                    WSGIScriptAlias /blog ${SITE}/blog/echo.wsgi
                    WSGIScriptAlias /gone ${SITE}/blog/missing.wsgi
                    <Location /blog/admin>
                        SetEnv SITE_TIER admin
                    </Location>
                </VirtualHost>

                # Shaped like a Debian-packaged application: scripts under the document root, Apache 2.2 access rules.
                <VirtualHost *:*>
                    ServerName legacy.example
                    DocumentRoot ${SITE}/htdocs
                    WSGIProcessGroup blog
                    WSGIApplicationGroup blog-app
                    <Directory ${SITE}/htdocs>
                        Options +ExecCGI
                        AddHandler wsgi-script .wsgi
                        Order allow,deny
                        Allow from all
                    </Directory>
                    <Directory ${SITE}/htdocs/noexec>
                        Options -ExecCGI
                    </Directory>
                    <Location /denied>
                        Order deny,allow
                        Deny from all
                        Allow from 10.0.0.0/8
                    </Location>
                    <Location /restricted>
                        WSGIRestrictProcess shop
                    </Location>
                    SetEnvIf User-Agent ^curl-test SITE_TIER=from-agent
                    Header set X-Frame-Options DENY
                    Header append Vary Accept-Language
                    WSGIMapHEADToGET On
                    AddType text/x-custom .custom
                </VirtualHost>
                """.formatted(dir));
        server = JwsgiProcess.serve(dir.resolve("root"), conf, "--server-status", "--enable-metrics");
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) server.close();
    }

    /** A response as these tests need it (java.net.http cannot send a Host header of the test's choosing). */
    record Reply(int statusCode, java.util.Map<String, String> headers, String body) {}

    /** GET {@code path} with {@code Host: host} and the given header name/value pairs, on a connection of its own. */
    private Reply get(String host, String path, String... headers) throws Exception {
        StringBuilder head = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
        for (int i = 0; i < headers.length; i += 2) head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        String text = Http.raw(server.port(), head.append("Connection: close\r\n\r\n").toString());
        int end = text.indexOf("\r\n\r\n");
        assertThat(end).as(text).isPositive();
        String[] lines = text.substring(0, end).split("\r\n");
        java.util.Map<String, String> map = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            map.put(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim());
        }
        return new Reply(Integer.parseInt(lines[0].split(" ")[1]), map, text.substring(end + 4));
    }

    /** One value of the app's JSON answer (strings, numbers, null; enough for these tests). */
    static String field(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\": (null|\"((?:[^\"\\\\]|\\\\.)*)\"|-?\\d+)")
                .matcher(json);
        if (!m.find()) throw new AssertionError("no " + key + " in " + json);
        return m.group(1).equals("null") ? null : m.group(2) != null ? m.group(2) : m.group(1);
    }

    @Test
    void eachVirtualHostsMountRunsInItsOwnProcessGroupWithTheEnvironItsScopeGives() throws Exception {
        Reply shop = get("shop.example", "/cart/items?x=1");
        assertThat(shop.statusCode()).as(server.output()).isEqualTo(200);
        assertThat(field(shop.body(), "app")).isEqualTo("shop");
        assertThat(field(shop.body(), "SCRIPT_NAME")).isEmpty();
        assertThat(field(shop.body(), "PATH_INFO")).isEqualTo("/cart/items");
        assertThat(field(shop.body(), "QUERY_STRING")).isEqualTo("x=1");
        assertThat(field(shop.body(), "mod_wsgi.process_group")).isEqualTo("shop");
        assertThat(field(shop.body(), "mod_wsgi.application_group")).isEmpty();
        assertThat(field(shop.body(), "SCRIPT_FILENAME")).isEqualTo(dir.resolve("shop/echo.wsgi").toString());
        assertThat(field(shop.body(), "SITE_NAME")).isEqualTo("shop");
        assertThat(field(shop.body(), "cwd")).isEqualTo(dir.resolve("shop").toString()); // home=
        assertThat(shop.body()).contains("site_marker_preloaded"); // WSGIImportScript ran at process start

        Reply blog = get("blog.example", "/blog/admin/posts");
        assertThat(blog.statusCode()).isEqualTo(200);
        assertThat(field(blog.body(), "app")).isEqualTo("blog");
        assertThat(field(blog.body(), "SCRIPT_NAME")).isEqualTo("/blog");
        assertThat(field(blog.body(), "PATH_INFO")).isEqualTo("/admin/posts");
        assertThat(field(blog.body(), "mod_wsgi.process_group")).isEqualTo("blog");
        assertThat(field(blog.body(), "mod_wsgi.application_group")).isEqualTo("blog-app");
        assertThat(field(blog.body(), "SITE_TIER")).isEqualTo("admin");
        assertThat(field(blog.body(), "SITE_NAME")).isNull();
        assertThat(field(blog.body(), "pid")).isNotEqualTo(field(shop.body(), "pid"));

        // ServerAlias, and a host no virtual host names: the first one on the port
        assertThat(field(get("www.shop.example", "/").body(), "app")).isEqualTo("shop");
        assertThat(field(get("unknown.example", "/").body(), "app")).isEqualTo("shop");
        // outside every mount of the blog host, and no DocumentRoot
        assertThat(get("blog.example", "/elsewhere").statusCode()).isEqualTo(404);
    }

    @Test
    void scriptsUnderTheDocumentRootRunThroughAddHandlerWithExecCgiAndTheLegacyRulesApply() throws Exception {
        Reply script = get("legacy.example", "/app.wsgi/extra/path", "User-Agent", "curl-test/1");
        assertThat(script.statusCode()).as(server.output()).isEqualTo(200);
        assertThat(field(script.body(), "app")).isEqualTo("htdocs");
        assertThat(field(script.body(), "SCRIPT_NAME")).isEqualTo("/app.wsgi");
        assertThat(field(script.body(), "PATH_INFO")).isEqualTo("/extra/path");
        assertThat(field(script.body(), "DOCUMENT_ROOT")).isEqualTo(dir.resolve("htdocs").toString());
        assertThat(field(script.body(), "mod_wsgi.process_group")).isEqualTo("blog");
        assertThat(field(script.body(), "SITE_TIER")).isEqualTo("from-agent"); // SetEnvIf
        assertThat(field(script.body(), "optimize")).isEqualTo("1"); // WSGIPythonOptimize
        assertThat(script.headers()).containsEntry("X-Frame-Options", "DENY"); // Header set replaces the app's
        assertThat(field(get("legacy.example", "/app.wsgi").body(), "SITE_TIER")).isNull();
        // WSGIMapHEADToGET On: the application sees GET for a HEAD
        String head = Http.raw(server.port(), "HEAD /app.wsgi HTTP/1.1\r\nHost: legacy.example\r\n"
                + "Connection: close\r\n\r\n");
        assertThat(head).startsWith("HTTP/1.1 200 ").contains("X-Request-Method: GET");

        assertThat(get("legacy.example", "/noexec/app.wsgi").statusCode()).isEqualTo(403); // Options -ExecCGI
        assertThat(get("legacy.example", "/restricted/x").statusCode()).isEqualTo(404); // no script there
        Reply page = get("legacy.example", "/index.html");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).isEqualTo("<h1>legacy</h1>\n");
        assertThat(page.headers()).containsEntry("X-Frame-Options", "DENY").containsEntry("Vary", "Accept-Language");
        assertThat(get("legacy.example", "/denied/x.txt").statusCode()).isEqualTo(403); // Deny from all
        assertThat(get("legacy.example", "/data.custom").headers().get("Content-Type")).startsWith("text/x-custom");
        assertThat(get("legacy.example", "/").body()).isEqualTo("<h1>legacy</h1>\n"); // DirectoryIndex
    }

    @Test
    void twoApplicationGroupsOfOneProcessGroupDoNotShareModuleState() throws Exception {
        // "/" runs in %{GLOBAL}, the main interpreter, where WSGIImportScript put its marker module; "/second" in
        // its own application group (%{RESOURCE}), a sub-interpreter of the same processes, without it
        Reply global = get("shop.example", "/x");
        Reply second = get("shop.example", "/second/x");
        assertThat(second.statusCode()).as(server.output()).isEqualTo(200);
        assertThat(field(global.body(), "mod_wsgi.application_group")).isEmpty();
        assertThat(field(second.body(), "mod_wsgi.application_group")).startsWith("shop.example:").endsWith("|/second");
        assertThat(global.body()).contains("site_marker_preloaded");
        assertThat(second.body()).doesNotContain("site_marker_preloaded");
        assertThat(field(second.body(), "SCRIPT_NAME")).isEqualTo("/second");
        assertThat(List.of(server.workerPids().stream().map(String::valueOf).toArray()))
                .contains(field(second.body(), "pid"));
    }

    @Test
    void staticFilesRedirectsAndRequireAreAnsweredByTheFrontEnd() throws Exception {
        Reply css = get("shop.example", "/static/css/site.css");
        assertThat(css.statusCode()).isEqualTo(200);
        assertThat(css.body()).isEqualTo("body { color: teal }\n");
        assertThat(get("shop.example", "/static/css/none.css").statusCode()).isEqualTo(404);
        assertThat(get("shop.example", "/private/report").statusCode()).isEqualTo(403);
        Reply moved = get("shop.example", "/old/page?a=b");
        assertThat(moved.statusCode()).isEqualTo(301);
        assertThat(moved.headers()).containsEntry("Location", "http://shop.example/new/page?a=b");
    }

    @Test
    void wsgiErrorOverrideSendsTheErrorDocumentInPlaceOfTheApplicationsPageAndTheWorkerGoesOn() throws Exception {
        for (int round = 0; round < 3; round++) { // more requests than the group has worker threads: channels reused
            // Without a body: the answer is awaited on the event loop; ?big streams it from a thread in many writes.
            for (String query : List.of("", "?big")) {
                Reply notFound = get("shop.example", "/oops/status/404" + query);
                assertThat(notFound.statusCode()).isEqualTo(404);
                assertThat(notFound.body()).isEqualTo("<h1>our own 404</h1>\n");
                assertThat(notFound.headers()).doesNotContainKey("X-App");
            }
            // With a body, relayed by a thread that pushes it to the worker.
            String failed = Http.raw(server.port(), "POST /oops/status/500 HTTP/1.1\r\nHost: shop.example\r\n"
                    + "Content-Length: 5\r\nConnection: close\r\n\r\nhello");
            assertThat(failed).startsWith("HTTP/1.1 500 ").endsWith("\r\n\r\nSomething broke");
            Reply fine = get("shop.example", "/oops/status/200");
            assertThat(fine.statusCode()).isEqualTo(200);
            assertThat(fine.body()).isEqualTo("the application page 200\n");
            Reply own = get("shop.example", "/status/404"); // the override is Off here
            assertThat(own.statusCode()).isEqualTo(404);
            assertThat(own.body()).isEqualTo("the application page 404\n");
        }
    }

    @Test
    void authorizationReachesTheAppOnlyWhereWsgiPassAuthorizationIsOn() throws Exception {
        assertThat(field(get("shop.example", "/account", "Authorization", "Basic dTpw").body(),
                "HTTP_AUTHORIZATION")).isNull();
        assertThat(field(get("shop.example", "/auth/me", "Authorization", "Basic dTpw").body(),
                "HTTP_AUTHORIZATION")).isEqualTo("Basic dTpw");
    }

    @Test
    void aChunkedBodyIs411UnlessWsgiChunkedRequestIsOn() throws Exception {
        String chunked = "Host: shop.example\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + "5\r\nhello\r\n0\r\n\r\n";
        assertThat(Http.raw(server.port(), "POST /form HTTP/1.1\r\n" + chunked)).startsWith("HTTP/1.1 411 ");
        String accepted = Http.raw(server.port(), "POST /upload/body HTTP/1.1\r\n" + chunked);
        assertThat(accepted).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\n5");
    }

    @Test
    void aMissingScriptIs404WithALogLineAndWasWarnedAboutAtStart() throws Exception {
        assertThat(server.output()).contains("warning: ").contains("missing.wsgi does not exist");
        assertThat(get("blog.example", "/gone/x").statusCode()).isEqualTo(404);
        assertThat(server.awaitOutput("WSGI script not found status=404 path=/gone/x", Duration.ofSeconds(5)))
                .isTrue();
    }

    @Test
    void theStatusPageAndTheMetricsCoverEveryGroup() throws Exception {
        String auto = get("localhost", "/server-status?auto").body();
        assertThat(auto).contains("ProcessGroup: shop\nProcesses: 2\nThreadsPerProcess: 2")
                .contains("ProcessGroup: blog\nProcesses: 1\nThreadsPerProcess: 1");
        String metrics = get("localhost", "/metrics").body();
        assertThat(metrics).contains("jwsgi_threads{group=\"shop\"} 4").contains("jwsgi_threads{group=\"blog\"} 1");
        // the requests each group answered, counted apart
        get("blog.example", "/blog/counted");
        get("shop.example", "/counted");
        assertThat(get("localhost", "/metrics").body()).containsPattern("jwsgi_requests_total\\{group=\"shop\",code=\"2xx\"\\} [1-9]")
                .containsPattern("jwsgi_requests_total\\{group=\"blog\",code=\"2xx\"\\} [1-9]");
    }

    @Test
    void aBlockedGroupDoesNotStallAnotherAndAKilledWorkerIsReplacedInItsGroupAlone() throws Exception {
        // blog's only thread is taken for three seconds; shop answers meanwhile, many times over
        CompletableFuture<Reply> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return get("blog.example", "/blog/sleep?3");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(300);
        for (int i = 0; i < 20; i++) assertThat(get("shop.example", "/").statusCode()).isEqualTo(200);
        assertThat(slow).isNotDone();
        assertThat(slow.get().statusCode()).isEqualTo(200);

        String blogPid = field(get("blog.example", "/blog/").body(), "pid");
        new ProcessBuilder("kill", "-KILL", blogPid).start().waitFor();
        for (int i = 0; i < 5; i++) assertThat(get("shop.example", "/").statusCode()).isEqualTo(200);
        eventually(Duration.ofSeconds(20), () -> {
            Reply again = get("blog.example", "/blog/");
            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(field(again.body(), "pid")).isNotEqualTo(blogPid);
        });
        assertThat(server.output()).contains("worker exited group=blog");

        // blog's workers die on every request for a while (and are restarted with a growing delay); shop does not
        // notice
        CompletableFuture<Void> crashing = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 4; i++) {
                try {
                    get("blog.example", "/blog/exit");
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }
        });
        while (!crashing.isDone()) assertThat(get("shop.example", "/").statusCode()).isEqualTo(200);
        crashing.get();
        eventually(Duration.ofSeconds(30), () -> assertThat(get("blog.example", "/blog/").statusCode()).isEqualTo(200));
    }

    @Test
    void sigusr1ToOneWorkerEvictsThatProcessGracefullyAndNoOther() throws Exception {
        String blogPid = field(get("blog.example", "/blog/").body(), "pid");
        List<Long> shop = new ArrayList<>(server.workerPids());
        shop.remove(Long.valueOf(blogPid));
        assertThat(shop).hasSize(2);
        // every shop thread busy, so both processes have a request in flight
        List<CompletableFuture<Reply>> slow = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            slow.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return get("shop.example", "/sleep?2");
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        Thread.sleep(500);
        long evicted = shop.get(0);
        new ProcessBuilder("kill", "-USR1", Long.toString(evicted)).start().waitFor();
        for (CompletableFuture<Reply> f : slow) assertThat(f.get().statusCode()).isEqualTo(200);
        eventually(Duration.ofSeconds(20), () -> assertThat(server.workerPids()).doesNotContain(evicted)
                .contains(shop.get(1), Long.valueOf(blogPid)).hasSize(3));
        assertThat(server.output()).contains("pid=" + evicted + " reason=eviction_signal");
    }

    @Test
    void configtestReportsEveryErrorWithItsFileAndLineAndExits2() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.conf"), """
                WSGIDaemonProcess one processes=two
                WSGIDaemonProcess one
                Include %s/nothing-here/*.conf
                WSGIScriptAlias / %s/shop/echo.wsgi process-group=nowhere
                Bogus directive
                Listen ${UNDEFINED_THING}
                """.formatted(dir, dir));
        Process p = new ProcessBuilder(JwsgiProcess.java(), "-jar", JwsgiProcess.jar().toString(), "configtest",
                bad.toString()).redirectErrorStream(true).start();
        String out = Http.readAll(p.getInputStream());
        assertThat(p.waitFor()).as(out).isEqualTo(2);
        assertThat(out).contains(bad + ":1: WSGIDaemonProcess one processes=two: ")
                .contains(bad + ":2: process group 'one' is declared twice")
                .contains(bad + ":3: Include " + dir + "/nothing-here/*.conf matches no file")
                .contains(bad + ":4: WSGIScriptAlias /: process group 'nowhere' is not declared")
                .contains(bad + ":5: unknown directive Bogus")
                .contains(bad + ":6: variable UNDEFINED_THING is not defined")
                .contains("nothing was started");

        Process ok = new ProcessBuilder(JwsgiProcess.java(), "-jar", JwsgiProcess.jar().toString(), "configtest",
                conf.toString()).redirectErrorStream(true).start();
        String okOut = Http.readAll(ok.getInputStream());
        assertThat(ok.waitFor()).as(okOut).isZero();
        assertThat(okOut).contains("Syntax OK");
    }

    @Test
    void serveNamesAMissingFile() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(JwsgiProcess.java(), "-jar", JwsgiProcess.jar().toString(), "serve",
                dir.resolve("nope.conf").toString()).redirectErrorStream(true).start();
        String out = Http.readAll(p.getInputStream());
        assertThat(p.waitFor()).isEqualTo(2);
        assertThat(out).contains("no such configuration file: " + dir.resolve("nope.conf"));
    }
}
