package io.jwsgi.it;

import static io.jwsgi.it.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * mod_wsgi-express's options of issue 13 part 3 against one real server, real CPython workers and real clients
 * (java.net.http, raw sockets, curl): what each changes, seen from the client, the application and the error log;
 * and the mod_wsgi module's server_metrics(), subscribe_signals() and LogHandler.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExpressOptionsIT {
    @TempDir
    static Path dir;
    Path app;
    Path signals;
    Path sockets;
    JwsgiProcess server;

    @RegisterExtension
    final TestWatcher printOutputOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (server != null) System.err.println("--- server output ---\n" + server.output());
        }
    };

    @BeforeAll
    void startServer() throws Exception {
        Path project = Files.createDirectories(dir.resolve("project"));
        app = Files.copy(Path.of("src/test/resources/apps/express_options.py"), project.resolve("app.py"));
        signals = project.resolve("signals.txt");
        Path docroot = Files.createDirectories(dir.resolve("docroot"));
        Files.writeString(docroot.resolve("missing.html"), "<h1>Not here, says the error document</h1>\n");
        Files.writeString(docroot.resolve("dinner.recipe"), "eggs, flour\n");
        Path listed = Files.createDirectories(docroot.resolve("listed"));
        Files.writeString(listed.resolve("first.txt"), "1\n");
        Files.writeString(listed.resolve("second.txt"), "2\n");
        Files.writeString(project.resolve("mime.types"), "# recipes\ntext/x-recipe recipe\n");
        Files.writeString(project.resolve("envvars"), "FROM_ENVVARS=\"set by the envvars script\"\n"
                + "export FROM_ENVVARS\n");
        Path service = Files.writeString(project.resolve("svc.py"), "import time\nprint('service says hello', "
                + "flush=True)\nwhile True:\n    time.sleep(1)\n");
        sockets = dir.resolve("socks");
        server = JwsgiProcess.start(dir.resolve("root"), app.toString(),
                "--working-directory", project.toString(),
                "--setenv", "IGNORED", "x",
                "--map-head-to-get", "On",
                "--error-override",
                "--error-document", "404", "/missing.html",
                "--error-document", "500", "Sorry, broken",
                "--error-document", "502", "https://status.example/",
                "--document-root", docroot.toString(),
                "--directory-listing",
                "--mime-types", project.resolve("mime.types").toString(),
                "--python-eggs", project.resolve("eggs").toString(),
                "--python-warnings", "ignore::DeprecationWarning",
                "--python-warnings", "error::ResourceWarning",
                "--switch-interval", "0.02",
                "--server-metrics",
                "--slow-requests", "0.3",
                "--envvars-script", project.resolve("envvars").toString(),
                "--socket-prefix", sockets.toString(),
                "--service-script", "svc", service.toString(),
                "--service-log-file", "svc", dir.resolve("svc.log").toString(),
                "--server-mpm", "event", "--initial-workers", "0.2", "--httpd-executable", "/usr/sbin/apache2",
                "--chunked-request");
    }

    @AfterAll
    void stopServer() throws Exception {
        if (server != null) server.close();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> facts(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return (Map<String, Object>) io.jwsgi.protocol.MiniJson.parse(response.body());
    }

    @Test
    void headReachesTheApplicationAsGetAndTheClientStillGetsNoBody() throws Exception {
        HttpResponse<String> head = Http.send(HttpRequest.newBuilder(URI.create(server.url("/method")))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("X-Method")).hasValue("GET");
        assertThat(head.body()).isEmpty();
        // On the wire: the response head, and nothing after it.
        String raw = Http.raw(server.port(), "HEAD /method HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertThat(raw).contains("X-Method: GET").endsWith("\r\n\r\n");
    }

    @Test
    void theApplicationsErrorsGetTheErrorDocumentsWithTheirStatus() throws Exception {
        HttpResponse<String> local = Http.get(server.url("/status/404"));
        assertThat(local.statusCode()).isEqualTo(404);
        assertThat(local.body()).isEqualTo("<h1>Not here, says the error document</h1>\n");
        assertThat(local.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(local.headers().firstValue("X-From")).isEmpty();

        HttpResponse<String> text = Http.get(server.url("/status/500"));
        assertThat(text.statusCode()).isEqualTo(500);
        assertThat(text.body()).isEqualTo("Sorry, broken");

        HttpResponse<String> remote = Http.get(server.url("/status/502"));
        assertThat(remote.statusCode()).isEqualTo(302);
        assertThat(remote.headers().firstValue("Location")).hasValue("https://status.example/");

        // --error-override: a status without a document gets the front end's standard page, not the app's body.
        HttpResponse<String> plain = Http.get(server.url("/status/418"));
        assertThat(plain.statusCode()).isEqualTo(418);
        assertThat(plain.body()).doesNotContain("the application's own error body");
    }

    @Test
    void directoriesOfTheDocumentRootAreListedAndTheMimeTypesFileNamesTypes() throws Exception {
        HttpResponse<String> listing = Http.get(server.url("/listed/"));
        assertThat(listing.statusCode()).isEqualTo(200);
        assertThat(listing.body()).contains("first.txt", "second.txt");
        HttpResponse<String> recipe = Http.get(server.url("/dinner.recipe"));
        assertThat(recipe.statusCode()).isEqualTo(200);
        assertThat(recipe.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("text/x-recipe"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theWorkersGetTheInterpreterSettingsAndModWsgiExpressVariables() throws Exception {
        Map<String, Object> facts = facts(Http.get(server.url("/env")));
        Map<String, Object> env = (Map<String, Object>) facts.get("env");
        assertThat(env).containsEntry("PYTHON_EGG_CACHE", dir.resolve("project/eggs").toString())
                .containsEntry("PYTHONWARNINGS", "ignore::DeprecationWarning,error::ResourceWarning")
                .containsEntry("FROM_ENVVARS", "set by the envvars script")
                .containsEntry("MOD_WSGI_EXPRESS", "true")
                .containsEntry("MOD_WSGI_SERVER_NAME", "127.0.0.1")
                .containsEntry("MOD_WSGI_LISTENER_HOST", "127.0.0.1")
                .containsEntry("MOD_WSGI_HTTP_PORT", Integer.toString(server.port()))
                .containsEntry("MOD_WSGI_SERVER_ROOT", dir.resolve("root").toString())
                .containsEntry("MOD_WSGI_WORKING_DIRECTORY", dir.resolve("project").toString())
                .containsEntry("MOD_WSGI_USER", System.getProperty("user.name"))
                .containsKey("MOD_WSGI_GROUP")
                .doesNotContainKey("MOD_WSGI_HTTPS_PORT");
        assertThat((List<Object>) facts.get("warnoptions"))
                .containsExactly("ignore::DeprecationWarning", "error::ResourceWarning");
        assertThat(((Number) facts.get("switch_interval")).doubleValue()).isEqualTo(0.02);
    }

    @Test
    @SuppressWarnings("unchecked")
    void serverMetricsShowsTheRequestBeingServed() throws Exception {
        Map<String, Object> metrics = (Map<String, Object>) facts(Http.get(server.url("/metrics-now?x=1")))
                .get("server_metrics");
        assertThat(metrics).containsEntry("thread_limit", 5L);
        List<Map<String, Object>> processes = (List<Map<String, Object>>) metrics.get("processes");
        List<Map<String, Object>> workers = (List<Map<String, Object>>) processes.getFirst().get("workers");
        assertThat(workers).hasSize(5);
        assertThat(workers).filteredOn(w -> "W".equals(w.get("status"))).singleElement()
                .satisfies(w -> assertThat(w.get("request")).isEqualTo("GET /metrics-now"));
    }

    @Test
    void signalsSentToAWorkerReachItsSubscribersAndItKeepsServing() throws Exception {
        long pid = ((Number) facts(Http.get(server.url("/pid"))).get("pid")).longValue();
        new ProcessBuilder("kill", "-USR2", Long.toString(pid)).start().waitFor();
        new ProcessBuilder("kill", "-HUP", Long.toString(pid)).start().waitFor();
        eventually(Duration.ofSeconds(10), () -> assertThat(Files.readString(signals).lines().toList())
                .containsExactly("SIGUSR2 12", "SIGHUP 1"));
        assertThat(((Number) facts(Http.get(server.url("/pid"))).get("pid")).longValue()).isEqualTo(pid);
    }

    @Test
    void logHandlerRecordsAndSlowRequestsReachTheErrorLog() throws Exception {
        HttpResponse<String> logged = Http.get(server.url("/log?marker-41"));
        assertThat(logged.statusCode()).isEqualTo(200);
        eventually(Duration.ofSeconds(10), () -> assertThat(server.output())
                .containsPattern("\\[wsgi:error\\] \\[[^\\]]+\\] logged through mod_wsgi.LogHandler: marker-41"));

        assertThat(Http.get(server.url("/slow?0.5")).statusCode()).isEqualTo(200);
        eventually(Duration.ofSeconds(10), () -> assertThat(server.output())
                .containsPattern("slow request method=GET path=/slow seconds=\\d+\\.\\d{3} status=200"));
        assertThat(server.output()).doesNotContain("slow request method=GET path=/log");
    }

    @Test
    void apacheOnlyOptionsEachLogOneWarning() {
        assertThat(server.output()).contains(
                "option ignored: --server-mpm: Apache's MPM",
                "option ignored: --initial-workers: Apache's StartServers",
                "option ignored: --httpd-executable: the Apache binary");
    }

    @Test
    @SuppressWarnings("unchecked")
    void sslPortOpensTheHttpsListenerAndTheWorkersAreToldItsPort() throws Exception {
        TestCertificates certs = TestCertificates.create(dir.resolve("certs"));
        try (JwsgiProcess tls = JwsgiProcess.start(dir.resolve("tls-root"), app.toString(),
                "--ssl-port", "0", "--ssl-certificate-file", certs.fullChain.toString(),
                "--ssl-certificate-key-file", certs.serverKey.toString())) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("Server URL \\(HTTPS\\) : https://[^:]+:(\\d+)/")
                    .matcher(tls.output());
            assertThat(m.find()).as(tls.output()).isTrue();
            String port = m.group(1);
            Process curl = new ProcessBuilder("curl", "-sS", "--cacert", certs.caCert.toString(),
                    "--resolve", "localhost:" + port + ":127.0.0.1", "https://localhost:" + port + "/env")
                    .redirectErrorStream(true).start();
            String body = new String(curl.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(curl.waitFor()).as(body).isZero();
            Map<String, Object> env = (Map<String, Object>) ((Map<String, Object>) io.jwsgi.protocol.MiniJson
                    .parse(body)).get("env");
            assertThat(env).containsEntry("MOD_WSGI_HTTPS_PORT", port);
        }
    }

    @Test
    void theSocketsAreUnderTheSocketPrefixAndTheServiceWritesToItsOwnLog() throws Exception {
        assertThat(sockets.resolve("0.sock")).exists();
        eventually(Duration.ofSeconds(20), () -> assertThat(dir.resolve("svc.log"))
                .content().contains("service says hello"));
        assertThat(server.output()).doesNotContain("service says hello");
    }
}
