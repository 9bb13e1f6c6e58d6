package io.jwsgi.it;

import static io.jwsgi.it.LifecycleIT.APP;
import static io.jwsgi.it.LifecycleIT.nextPid;
import static io.jwsgi.it.LifecycleIT.pid;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** request-timeout, interrupt-timeout, socket-timeout, startup-timeout and deadlock-timeout with real workers. */
class TimeoutsIT {
    @TempDir
    Path root;

    static HttpResponse<String> timedGet(JwsgiProcess server, String path, Duration[] took) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = Http.get(server.url(path));
        took[0] = Duration.ofNanos(System.nanoTime() - t0);
        return r;
    }

    @Test
    void aRequestPastRequestTimeoutIsAnswered504AndItsWorkerRecycled() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--threads", "1",
                "--request-timeout", "1", "--log-level", "info")) {
            long first = pid(server);
            Duration[] took = new Duration[1];
            HttpResponse<String> r = timedGet(server, "/sleep?30", took);
            assertThat(r.statusCode()).as(server.output()).isEqualTo(504);
            assertThat(took[0]).isBetween(Duration.ofMillis(900), Duration.ofSeconds(8));
            assertThat(server.output()).contains("request timed out reason=request-timeout")
                    .contains("pid=" + first + " reason=request_timeout");
            nextPid(server, first);
        }
    }

    @Test
    void withThreadsRequestTimeoutIsTheTotalRunTimeOverTheThreadCount() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--threads", "4",
                "--request-timeout", "1", "--log-level", "info")) {
            // Alone, a 2.5 s request is 2.5 / 4 = 0.6 s of the process's time: within mod_wsgi 4.x's rule.
            HttpResponse<String> alone = Http.get(server.url("/sleep?2.5"));
            assertThat(alone.statusCode()).as(server.output()).isEqualTo(200);
            // Four at once: the average passes 1 s and the stuck requests get 504.
            CompletableFuture<?>[] four = new CompletableFuture<?>[4];
            for (int i = 0; i < 4; i++) {
                four[i] = CompletableFuture.supplyAsync(() -> {
                    try {
                        return Http.get(server.url("/sleep?30")).statusCode();
                    } catch (Exception e) {
                        return -1;
                    }
                });
            }
            for (CompletableFuture<?> f : four) assertThat(f.join()).as(server.output()).isEqualTo(504);
        }
    }

    @Test
    void interruptTimeoutEndsJustTheStuckRequestWith504AndTheProcessKeepsServing() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--threads", "2",
                "--request-timeout", "1", "--interrupt-timeout", "5", "--log-level", "info")) {
            long first = pid(server);
            Duration[] took = new Duration[1];
            HttpResponse<String> r = timedGet(server, "/spin?30", took);
            assertThat(r.statusCode()).as(server.output()).isEqualTo(504);
            assertThat(took[0]).isLessThan(Duration.ofSeconds(5)); // the interrupt, not the fallback, ended it
            assertThat(server.output()).contains("request interrupted").doesNotContain("reason=request_timeout");
            assertThat(pid(server)).isEqualTo(first);
        }
    }

    @Test
    void aWorkerSilentForSocketTimeoutIsAnswered504() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--threads", "1",
                "--socket-timeout", "1", "--request-timeout", "0", "--log-level", "info")) {
            Duration[] took = new Duration[1];
            HttpResponse<String> r = timedGet(server, "/sleep?30", took);
            assertThat(r.statusCode()).as(server.output()).isEqualTo(504);
            assertThat(took[0]).isBetween(Duration.ofMillis(900), Duration.ofSeconds(8));
            assertThat(server.output()).contains("request timed out reason=socket-timeout");
        }
    }

    @Test
    void aWorkerNotReadyWithinStartupTimeoutIsKilledAndTheStartFails() throws Exception {
        Path app = root.resolve("app");
        Files.createDirectories(app);
        Files.copy(APP, app.resolve("supervision_app.py"));
        Files.writeString(app.resolve("slow_import.txt"), "30");
        JwsgiProcess server = JwsgiProcess.launch(root.resolve("server"), app.resolve("supervision_app.py").toString(),
                "--startup-timeout", "1", "--log-level", "info");
        try {
            assertThat(server.waitFor(Duration.ofSeconds(20))).as(server.output()).isEqualTo(3);
            assertThat(server.output()).contains("worker killed reason=startup-timeout");
        } finally {
            server.close();
        }
    }

    @Test
    void aWorkerHoldingTheGilPastDeadlockTimeoutIsKilledAndReplaced() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--threads", "2",
                "--deadlock-timeout", "2", "--log-level", "info")) {
            long first = pid(server);
            Duration[] took = new Duration[1];
            HttpResponse<String> r = timedGet(server, "/hold-gil?30", took);
            assertThat(r.statusCode()).as(server.output()).isEqualTo(502);
            assertThat(took[0]).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(10));
            assertThat(server.output()).contains("worker deadlocked").contains("pid=" + first);
            nextPid(server, first);
        }
    }
}
