package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start, serve, fail to start, replace a dead worker, stop: the server as a user runs it. */
class ServerLifecycleIT {
    static final Path APPS = Path.of("src/test/resources/apps").toAbsolutePath();

    @TempDir
    Path root;

    @Test
    void servesTheWelcomePageWhenNoScriptIsGiven() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root)) {
            HttpResponse<String> r = Http.get(server.url("/"));
            assertThat(r.statusCode()).as(server.output()).isEqualTo(200);
            assertThat(r.body()).contains("jwsgi");
        }
    }

    @Test
    void servesAScriptAndStopsEveryWorkerOnSigterm() throws Exception {
        JwsgiProcess server = JwsgiProcess.start(root, APPS.resolve("basic.py").toString(), "--processes", "2");
        List<Long> workers;
        try {
            HttpResponse<String> r = Http.get(server.url("/"));
            assertThat(r.body()).as(server.output()).isEqualTo("Hello world!");
            workers = server.workerPids();
            assertThat(workers).hasSizeGreaterThanOrEqualTo(2);
        } finally {
            server.close();
        }
        assertThat(server.process().exitValue()).as(server.output()).isZero();
        for (long pid : workers) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("worker %d left running", pid).isFalse();
        }
    }

    @Test
    void replacesAWorkerKilledWithSigkill() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APPS.resolve("basic.py").toString())) {
            long first = Long.parseLong(Http.get(server.url("/pid")).body());
            new ProcessBuilder("kill", "-9", Long.toString(first)).start().waitFor();
            long second = 0;
            for (int i = 0; i < 200 && (second == 0 || second == first); i++) {
                HttpResponse<String> r = Http.get(server.url("/pid"));
                if (r.statusCode() == 200) second = Long.parseLong(r.body());
                else Thread.sleep(50);
            }
            assertThat(second).as(server.output()).isNotZero().isNotEqualTo(first);
            assertThat(server.output()).contains("worker exited").contains("pid=" + first);
        }
    }

    @Test
    void answers500AndLogsTheTracebackWithTheRequestIdWhenTheAppRaises() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APPS.resolve("basic.py").toString())) {
            HttpResponse<String> r = Http.get(server.url("/raise"));
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(server.awaitOutput("RuntimeError: boom from the test app", Duration.ofSeconds(10))).as(server.output()).isTrue();
            assertThat(server.output()).contains("Traceback (most recent call last)");
            // The server still serves after the failure.
            assertThat(Http.get(server.url("/")).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void sendsPrintAndWsgiErrorsToTheErrorLog() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APPS.resolve("basic.py").toString())) {
            assertThat(Http.get(server.url("/print")).statusCode()).isEqualTo(200);
            assertThat(server.awaitOutput("hello from print", Duration.ofSeconds(10))).as(server.output()).isTrue();
            assertThat(server.awaitOutput("hello from wsgi.errors", Duration.ofSeconds(10))).as(server.output()).isTrue();
        }
    }

    @Test
    void refusesAMissingScriptNamingItsPathBeforeBinding() throws Exception {
        Path missing = root.resolve("no-such-app.py");
        JwsgiProcess server = JwsgiProcess.launch(root, missing.toString());
        assertThat(server.waitFor(Duration.ofSeconds(30))).isEqualTo(2);
        assertThat(server.output()).contains(missing.toString()).doesNotContain("jwsgi ready");
    }

    @Test
    void saysClearlyWhenThePortIsInUse() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            List<String> cmd = List.of(JwsgiProcess.java(), "-jar", JwsgiProcess.jar().toString(), "start-server",
                    "--host", "127.0.0.1", "--port", Integer.toString(taken.getLocalPort()), "--server-root", root.toString(),
                    "--log-to-terminal");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).as(out).isEqualTo(2);
            assertThat(out).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void namesTheInterpreterThatCannotBeFound() throws Exception {
        JwsgiProcess server = JwsgiProcess.launch(root, "--python", "python3.99-nonexistent");
        assertThat(server.waitFor(Duration.ofSeconds(30))).isEqualTo(2);
        assertThat(server.output()).contains("python3.99-nonexistent");
    }

    @Test
    void reportsAScriptWithASyntaxErrorAtStartAndAnswers500() throws Exception {
        Path broken = root.resolve("broken.py");
        Files.writeString(broken, "def application(environ, start_response:\n    pass\n");
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("srv"), broken.toString())) {
            assertThat(server.awaitOutput("SyntaxError", Duration.ofSeconds(10))).as(server.output()).isTrue();
            assertThat(Http.get(server.url("/")).statusCode()).isEqualTo(500);
            assertThat(server.output()).contains("application failed to load group=");
            // Fixing the file heals the server without a restart: the process that failed is replaced (with
            // back-off) and a fresh one loads the fixed file.
            Files.writeString(broken, Files.readString(APPS.resolve("basic.py")));
            Eventually.eventually(Duration.ofSeconds(60), () ->
                    assertThat(Http.get(server.url("/")).body()).isEqualTo("Hello world!"));
        }
    }

    @Test
    void writesTheErrorLogAndAccessLogIntoTheServerRoot() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.startLoggingToFiles(root, APPS.resolve("basic.py").toString(),
                "--access-log", "--log-level", "info")) {
            assertThat(Http.get(server.url("/print")).statusCode()).isEqualTo(200);
            Path errorLog = root.resolve("error_log");
            Path accessLog = root.resolve("access_log");
            for (int i = 0; i < 200 && !(Files.exists(accessLog) && Files.readString(accessLog).contains("/print")
                    && Files.readString(errorLog).contains("hello from print")); i++) {
                Thread.sleep(25);
            }
            assertThat(Files.readString(errorLog)).contains("hello from print").contains("worker started");
            assertThat(Files.readString(accessLog)).contains("\"GET /print HTTP/1.1\" 200");
        }
    }

    @Test
    void sendsTheAccessLogToStandardOutputWithLogToTerminal() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APPS.resolve("basic.py").toString(), "--access-log")) {
            assertThat(Http.get(server.url("/pid")).statusCode()).isEqualTo(200);
            assertThat(server.awaitOutput("\"GET /pid HTTP/1.1\" 200", Duration.ofSeconds(10))).as(server.output()).isTrue();
        }
    }
}
