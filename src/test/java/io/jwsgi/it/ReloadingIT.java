package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mod_wsgi's script reloading (touch the WSGI script: its processes are replaced), --reload-on-changes
 * (any loaded module's file), and the shutdown_reason a recycled worker's subscribers receive.
 */
class ReloadingIT {
    static final Path APPS = Path.of("src/test/resources/apps").toAbsolutePath();

    @TempDir
    Path root;

    private Path copyApp(String name) throws Exception {
        Path app = root.resolve("app").resolve(name);
        Files.createDirectories(app.getParent());
        Files.copy(APPS.resolve(name), app);
        return app;
    }

    private static long pid(JwsgiProcess server) throws Exception {
        String body = Http.get(server.url("/")).body();
        return Long.parseLong(body.lines().filter(l -> l.startsWith("pid=")).findFirst().orElseThrow().substring(4));
    }

    /** Polls until a request is served by a process other than {@code old} (the replacement is up). */
    private static long awaitNewPid(JwsgiProcess server, long old) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            var r = Http.get(server.url("/"));
            if (r.statusCode() == 200) {
                long now = Long.parseLong(r.body().lines().filter(l -> l.startsWith("pid=")).findFirst().orElseThrow().substring(4));
                if (now != old) return now;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no new worker within 30 s\n" + server.output());
    }

    @Test
    void touchingTheScriptReplacesItsWorkerAndTellsTheOldOneWhy() throws Exception {
        Path app = copyApp("lifecycle_app.py");
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("srv"), app.toString(), "--log-level", "info")) {
            long first = pid(server);
            Files.setLastModifiedTime(app, FileTime.from(Instant.now().plusSeconds(5)));
            long second = awaitNewPid(server, first);
            assertThat(second).isNotEqualTo(first);
            assertThat(server.awaitOutput("reason=script_reload", Duration.ofSeconds(10))).as(server.output()).isTrue();
            assertThat(server.awaitOutput("process_stopping shutdown_reason=script_reload", Duration.ofSeconds(10)))
                    .as(server.output()).isTrue();
        }
    }

    @Test
    void reloadOnChangesReplacesTheWorkerWhenAnImportedModuleChanges() throws Exception {
        Path dir = Files.createDirectories(root.resolve("app"));
        Path module = dir.resolve("it_helper_module.py");
        Files.writeString(module, "VALUE = 1\n");
        Path app = dir.resolve("reload_app.py");
        Files.writeString(app, """
                import os
                import it_helper_module


                def application(environ, start_response):
                    body = ('pid=%d\\nvalue=%s\\n' % (os.getpid(), it_helper_module.VALUE)).encode()
                    start_response('200 OK', [('Content-Type', 'text/plain')])
                    return [body]
                """);
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("srv"), app.toString(), "--reload-on-changes",
                "--working-directory", dir.toString())) {
            assertThat(Http.get(server.url("/")).body()).as(server.output()).contains("value=1");
            long first = pid(server);
            Files.writeString(module, "VALUE = 2\n");
            Files.setLastModifiedTime(module, FileTime.from(Instant.now().plusSeconds(5)));
            long second = awaitNewPid(server, first);
            assertThat(second).isNotEqualTo(first);
            assertThat(Http.get(server.url("/")).body()).contains("value=2");
        }
    }

    @Test
    void aWorkerRecycledForMaximumRequestsHearsTheReason() throws Exception {
        Path app = copyApp("lifecycle_app.py");
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("srv"), app.toString(), "--maximum-requests", "2")) {
            long first = pid(server);
            pid(server);
            awaitNewPid(server, first);
            assertThat(server.awaitOutput("process_stopping shutdown_reason=maximum_requests", Duration.ofSeconds(10)))
                    .as(server.output()).isTrue();
        }
    }
}
