package io.jwsgi.it;

import static io.jwsgi.it.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new server started beside an old one on the same port (docs/scaling-out.md): with {@code --reuse-port} both bind
 * it, and with socket activation both serve the one socket a supervisor holds, so the old one can stop while a
 * client keeps connecting. The client here connects afresh for every request, the case that needs the listener.
 */
class RollingRestartIT {
    static final Path APP = OperationsIT.APP;
    static final Path HOLDER = Path.of("src/test/resources/ops/socket_holder.py").toAbsolutePath();
    static final int CLIENT_THREADS = 4;

    @TempDir
    Path temp;

    private List<String> startServer(Path root, int port, String... extra) throws Exception {
        Files.createDirectories(root);
        List<String> cmd = new ArrayList<>(List.of(JwsgiProcess.java(), "-jar", JwsgiProcess.jar().toAbsolutePath()
                .toString(), "start-server", APP.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--processes", "1", "--server-root", root.toString(), "--log-to-terminal"));
        cmd.addAll(List.of(extra));
        return cmd;
    }

    private static String pidOf(JwsgiProcess server) {
        return Long.toString(server.workerPids().getFirst());
    }

    @Test
    void withReusePortASecondServerBindsThePortOfARunningOneAndTakesOverWhenItStops() throws Exception {
        try (JwsgiProcess old = JwsgiProcess.launchCommand(temp, startServer(temp.resolve("old"), 0, "--reuse-port"),
                Map.of())) {
            old.awaitReady(Duration.ofSeconds(60));
            int port = old.port();
            try (JwsgiProcess next = JwsgiProcess.launchCommand(temp,
                    startServer(temp.resolve("new"), port, "--reuse-port"), Map.of())) {
                next.awaitReady(Duration.ofSeconds(60));
                assertThat(next.port()).isEqualTo(port);
                String oldPid = pidOf(old);
                String newPid = pidOf(next);
                // The kernel spreads new connections over both listeners (by a hash of the client's address and
                // port): fresh connections reach both servers.
                try (Hammer client = new Hammer(port, "/pid", 2)) {
                    eventually(Duration.ofSeconds(30), () -> {
                        assertThat(client.answeredBy(oldPid)).as(client.summary()).isPositive();
                        assertThat(client.answeredBy(newPid)).as(client.summary()).isPositive();
                    });
                }
                old.process().destroy();
                assertThat(old.waitFor(Duration.ofSeconds(60))).as(old.output()).isZero();
                for (int i = 0; i < 20; i++) {
                    assertThat(Http.get(next.url("/pid")).body()).isEqualTo(newPid);
                }
            }
        }
    }

    @Test
    void withoutReusePortTheSecondServerCannotBindAndSaysWhichAddress() throws Exception {
        try (JwsgiProcess old = JwsgiProcess.launchCommand(temp, startServer(temp.resolve("old"), 0, "--reuse-port"),
                Map.of())) {
            old.awaitReady(Duration.ofSeconds(60));
            JwsgiProcess next = JwsgiProcess.launchCommand(temp, startServer(temp.resolve("new"), old.port()),
                    Map.of());
            assertThat(next.waitFor(Duration.ofSeconds(60))).as(next.output()).isNotZero();
            assertThat(next.output()).contains("127.0.0.1:" + old.port());
        }
    }

    @Test
    void withSocketActivationTheSocketPassesFromTheOldServerToTheNewWithoutARefusedConnection() throws Exception {
        Process holder = new ProcessBuilder("/usr/bin/python3", HOLDER.toString(), "hold", temp.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            String first = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            assertThat(first).startsWith("listening ");
            int port = Integer.parseInt(first.substring("listening ".length()));
            JwsgiProcess old = JwsgiProcess.launchCommand(temp, passed(startServer(temp.resolve("old"), 0)), Map.of());
            try (old) {
                old.awaitReady(Duration.ofSeconds(60));
                assertThat(old.port()).as(old.output()).isEqualTo(port);
                String oldPid = pidOf(old);
                try (Hammer client = new Hammer(port, "/pid", CLIENT_THREADS)) {
                    eventually(Duration.ofSeconds(30),
                            () -> assertThat(client.answeredBy(oldPid)).as(client.summary()).isGreaterThan(20));
                    try (JwsgiProcess next = JwsgiProcess.launchCommand(temp,
                            passed(startServer(temp.resolve("new"), 0)), Map.of())) {
                        next.awaitReady(Duration.ofSeconds(60));
                        assertThat(next.port()).isEqualTo(port);
                        String newPid = pidOf(next);
                        // Both accept from the one queue now; then the old one stops, the queue stays with the new.
                        old.process().destroy();
                        assertThat(old.waitFor(Duration.ofSeconds(60))).as(old.output()).isZero();
                        long before = client.answeredBy(newPid);
                        eventually(Duration.ofSeconds(30), () -> assertThat(client.answeredBy(newPid))
                                .as(client.summary()).isGreaterThan(before + 50));
                        client.close();
                        assertThat(client.refused.get()).as(client.summary()).isZero();
                        assertThat(client.broken.get()).as(client.summary()).isZero();
                        // Known gap of the stop sequence, not of the hand-over (docs/scaling-out.md): Jetty's graceful
                        // stop answers 503 to a request that arrives on a connection the old server accepted in the
                        // instant its listener closed. At most one such connection per client thread.
                        assertThat(client.errors.keySet()).as(client.summary())
                                .isSubsetOf("HTTP/1.1 503 Service Unavailable");
                        assertThat(client.errors.values().stream().mapToLong(n -> n.get()).sum())
                                .as(client.summary()).isLessThanOrEqualTo(CLIENT_THREADS);
                    }
                }
            }
        } finally {
            holder.destroy();
        }
    }

    /** The command run through the holder: it gets the held socket as fd 3 with LISTEN_FDS and LISTEN_PID set. */
    private List<String> passed(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", HOLDER.toString(), "pass", temp.toString()));
        cmd.addAll(command);
        return cmd;
    }
}
