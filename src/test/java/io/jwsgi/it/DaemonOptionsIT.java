package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --connect-timeout with no worker ready, --passenv into the environ, --locale into the workers. */
class DaemonOptionsIT {
    @TempDir
    Path root;

    private Path app() throws Exception {
        Path dir = Files.createDirectories(root.resolve("app"));
        Path app = dir.resolve("slow_boot.py");
        Files.copy(Path.of("src/test/resources/apps/slow_boot.py").toAbsolutePath(), app);
        return app;
    }

    @Test
    void answers503AfterConnectTimeoutWhileNoWorkerIsReady() throws Exception {
        Path app = app();
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("srv"), app.toString(), "--connect-timeout", "1")) {
            long pid = Long.parseLong(Http.get(server.url("/")).body().split(" ")[0]);
            Files.writeString(app.getParent().resolve("slow-boot-marker"), "");
            new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
            assertThat(server.awaitOutput("worker exited", Duration.ofSeconds(10))).isTrue();
            long t0 = System.nanoTime();
            HttpResponse<String> r = Http.get(server.url("/"));
            Duration waited = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(r.statusCode()).as(server.output()).isEqualTo(503);
            assertThat(waited).isBetween(Duration.ofMillis(500), Duration.ofSeconds(6));
        }
    }

    @Test
    void passesTheNamedEnvironmentVariableIntoTheEnvironAndTheLocaleIntoTheWorkers() throws Exception {
        Path app = app();
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("srv"), app.toString(), "--passenv", "HOME",
                "--locale", "C.UTF-8")) {
            String[] f = Http.get(server.url("/")).body().split(" ");
            assertThat(f[1]).as(server.output()).isEqualTo(System.getenv("HOME"));
            assertThat(f[2]).isEqualTo("C.UTF-8");
        }
    }
}
