package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recycling with real workers, seen from outside: which pid answers, statuses, the supervisor's log lines. */
class LifecycleIT {
    static final Path APP = Path.of("src/test/resources/apps/supervision_app.py").toAbsolutePath();

    @TempDir
    Path root;

    static long pid(JwsgiProcess server) throws Exception {
        HttpResponse<String> r = Http.get(server.url("/pid"));
        assertThat(r.statusCode()).as(server.output()).isEqualTo(200);
        return Long.parseLong(r.body());
    }

    /** Asks for the pid until another process than {@code old} answers (bounded: 10 s). */
    static long nextPid(JwsgiProcess server, long old) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        long pid = old;
        while (pid == old && System.nanoTime() < deadline) {
            pid = pid(server);
            if (pid == old) Thread.sleep(50);
        }
        assertThat(pid).as("no new worker within 10 s\n" + server.output()).isNotEqualTo(old);
        return pid;
    }

    static void signal(JwsgiProcess server, String name) throws Exception {
        new ProcessBuilder("kill", "-" + name, Long.toString(server.process().pid())).start().waitFor();
    }

    @Test
    void restartsWorkerAfterMaximumRequests() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--maximum-requests", "3",
                "--threads", "1", "--log-level", "info")) {
            long first = pid(server);
            assertThat(pid(server)).isEqualTo(first);
            assertThat(pid(server)).isEqualTo(first);
            long second = pid(server);
            assertThat(second).as(server.output()).isNotEqualTo(first);
            assertThat(server.awaitOutput("worker recycled group=", Duration.ofSeconds(5))).isTrue();
            assertThat(server.output()).contains("pid=" + first + " reason=maximum_requests");
            assertThat(server.awaitOutput("worker stopped group=127.0.0.1:0 slot=0 pid=" + first,
                    Duration.ofSeconds(10))).as(server.output()).isTrue();
        }
    }

    @Test
    void maximumRequestsJitterGivesEachProcessALimitWithinTheRange() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--maximum-requests", "2",
                "--maximum-requests-jitter", "2", "--threads", "1", "--log-level", "info")) {
            List<Long> pids = new ArrayList<>();
            for (int i = 0; i < 20; i++) pids.add(pid(server));
            // Consecutive runs of one pid are each 2 to 4 requests long (the last run may be cut short).
            List<Integer> runs = new ArrayList<>();
            int run = 1;
            for (int i = 1; i < pids.size(); i++) {
                if (pids.get(i).equals(pids.get(i - 1))) run++;
                else { runs.add(run); run = 1; }
            }
            assertThat(runs).as(pids + "\n" + server.output()).isNotEmpty().allSatisfy(n -> assertThat(n).isBetween(2, 4));
        }
    }

    @Test
    void recyclingUnderConcurrentLoadFailsNoRequest() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--maximum-requests", "10",
                "--processes", "2", "--threads", "2")) {
            List<CompletableFuture<Integer>> statuses = new ArrayList<>();
            Set<Long> pids = java.util.concurrent.ConcurrentHashMap.newKeySet();
            for (int c = 0; c < 6; c++) {
                statuses.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        for (int i = 0; i < 30; i++) {
                            HttpResponse<String> r = Http.get(server.url("/pid"));
                            if (r.statusCode() != 200) return r.statusCode();
                            pids.add(Long.parseLong(r.body()));
                        }
                        return 200;
                    } catch (Exception e) {
                        return -1;
                    }
                }));
            }
            for (CompletableFuture<Integer> s : statuses) assertThat(s.join()).as(server.output()).isEqualTo(200);
            assertThat(pids.size()).as("180 requests at 10 per process").isGreaterThanOrEqualTo(10);
        }
    }

    @Test
    void aRecycledWorkerFinishesItsActiveRequestWhileTheReplacementServes() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--maximum-requests", "1",
                "--threads", "2", "--graceful-timeout", "10", "--log-level", "info")) {
            CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> {
                try {
                    return Http.get(server.url("/sleep?2"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(server.awaitOutput("reason=maximum_requests", Duration.ofSeconds(5))).isTrue();
            long replacement = pid(server); // served at once by the new process
            HttpResponse<String> r = slow.join();
            assertThat(r.statusCode()).as(server.output()).isEqualTo(200);
            long drained = Long.parseLong(r.body().substring("slept ".length()));
            assertThat(replacement).isNotEqualTo(drained);
            assertThat(server.awaitOutput("pid=" + drained + " status=0 reason=maximum_requests",
                    Duration.ofSeconds(10))).as(server.output()).isTrue();
        }
    }

    @Test
    void aDrainingWorkerIsStoppedAfterGracefulTimeout() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--maximum-requests", "1",
                "--threads", "2", "--graceful-timeout", "1", "--shutdown-timeout", "1", "--log-level", "info")) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = Http.get(server.url("/sleep?30"));
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            // SIGTERM after 1 s, SIGKILL 1 s later at the latest: the request does not get its 30 s.
            assertThat(r.statusCode()).as(server.output()).isIn(502, 503);
            assertThat(took).isLessThan(Duration.ofSeconds(10));
            assertThat(server.awaitOutput("worker drain timed out", Duration.ofSeconds(5))).as(server.output()).isTrue();
        }
    }

    @Test
    void restartIntervalRecyclesAWorkerByAge() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--restart-interval", "1",
                "--log-level", "info")) {
            long first = pid(server);
            nextPid(server, first);
            assertThat(server.output()).contains("pid=" + first + " reason=restart_interval");
        }
    }

    @Test
    void inactivityTimeoutRecyclesAnIdleWorkerOnlyAfterItServed() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--inactivity-timeout", "1",
                "--log-level", "info")) {
            Thread.sleep(2500); // deliberately idle: nothing may happen before the first request
            assertThat(server.output()).doesNotContain("reason=inactivity_timeout");
            long first = pid(server);
            assertThat(server.awaitOutput("pid=" + first + " reason=inactivity_timeout", Duration.ofSeconds(10)))
                    .as(server.output()).isTrue();
            assertThat(pid(server)).isNotEqualTo(first);
        }
    }

    @Test
    void memoryLimitRecyclesAWorkerWhoseResidentMemoryPassesIt() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--memory-limit", "120000000",
                "--log-level", "info")) {
            long first = pid(server);
            HttpResponse<String> grown = Http.get(server.url("/grow?160"));
            assertThat(grown.statusCode()).as(server.output()).isEqualTo(200);
            assertThat(server.awaitOutput("pid=" + first + " reason=memory_limit", Duration.ofSeconds(10)))
                    .as(server.output()).isTrue();
            assertThat(server.output()).contains("worker over memory-limit");
            nextPid(server, first);
        }
    }

    @Test
    void sigusr1RestartsEveryWorkerGracefully() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--processes", "2", "--threads", "1",
                "--log-level", "info")) {
            Set<Long> before = new HashSet<>(List.of(pid(server), pid(server), pid(server), pid(server)));
            signal(server, "USR1");
            assertThat(server.awaitOutput("reason=graceful_signal", Duration.ofSeconds(5))).as(server.output()).isTrue();
            for (long old : before) {
                assertThat(server.awaitOutput("pid=" + old + " status=0 reason=graceful_signal", Duration.ofSeconds(10)))
                        .as(server.output()).isTrue();
            }
            assertThat(before).doesNotContain(pid(server));
        }
    }

    @Test
    void sigusr1WithEvictionTimeoutSaysEviction() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--eviction-timeout", "2",
                "--log-level", "info")) {
            long first = pid(server);
            signal(server, "USR1");
            assertThat(server.awaitOutput("pid=" + first + " reason=eviction_signal", Duration.ofSeconds(5)))
                    .as(server.output()).isTrue();
            nextPid(server, first);
        }
    }

    @Test
    void sighupReloadsTheApplicationInNewWorkers() throws Exception {
        Path app = root.resolve("app");
        Files.createDirectories(app);
        Files.copy(APP, app.resolve("supervision_app.py"));
        Files.writeString(app.resolve("version.txt"), "one");
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("server"),
                app.resolve("supervision_app.py").toString(), "--log-level", "info")) {
            assertThat(Http.get(server.url("/version")).body()).isEqualTo("one");
            long first = pid(server);
            Files.writeString(app.resolve("version.txt"), "two");
            signal(server, "HUP");
            nextPid(server, first);
            assertThat(Http.get(server.url("/version")).body()).as(server.output()).isEqualTo("two");
            assertThat(server.output()).contains("pid=" + first + " reason=reload_signal");
            assertThat(server.process().isAlive()).isTrue();
        }
    }

    @Test
    void sigtermStopsWorkersWithTheShutdownReason() throws Exception {
        // The error log goes to a file: the test reads it after the server exited.
        JwsgiProcess server = JwsgiProcess.startLoggingToFiles(root, APP.toString(), "--log-level", "info");
        long first = pid(server);
        signal(server, "TERM");
        assertThat(server.waitFor(Duration.ofSeconds(20))).as(server.output()).isZero();
        String log = Files.readString(root.resolve("error_log"));
        assertThat(log).contains("worker stopped group=127.0.0.1:0 slot=0 pid=" + first)
                .contains("reason=shutdown_signal").contains("server stopped");
    }

    @Test
    void aSmallResponseBufferSizeStillStreamsALargeResponseWhole() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--response-buffer-size", "4096")) {
            HttpResponse<String> r = Http.get(server.url("/big?300000"));
            assertThat(r.statusCode()).as(server.output()).isEqualTo(200);
            assertThat(r.body()).hasSize(300000);
        }
    }
}
