package io.jwsgi.it;

import static io.jwsgi.it.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd's Type=notify and socket activation, with a stand-in for systemd ({@code ops/fake_systemd.py}) that binds
 * the notification socket and the listening socket, starts the real server as systemd would, and prints each
 * datagram it receives (docs/kubernetes-systemd.md).
 */
class SystemdIT {
    static final Path FAKE_SYSTEMD = Path.of("src/test/resources/ops/fake_systemd.py").toAbsolutePath();
    static final Pattern NOTIFY = Pattern.compile("notify \\{\"state\": \"((?:[^\"\\\\]|\\\\.)*)\", "
            + "\"monotonic_usec\": (\\d+)}");
    static final Pattern PID = Pattern.compile("jwsgi ready: \\S+ \\(pid (\\d+)\\)");
    static final Pattern LISTENING = Pattern.compile("listening (\\d+)");
    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path root;

    record Notification(String state, long receivedUsec) {}

    private JwsgiProcess underSystemd(String notifySocket, String watchdogUsec) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", FAKE_SYSTEMD.toString(), notifySocket,
                watchdogUsec, JwsgiProcess.java(), "-jar", JwsgiProcess.jar().toAbsolutePath().toString(),
                "start-server", OperationsIT.APP.toString(), "--host", "127.0.0.1", "--port", "0",
                "--server-root", root.resolve("server").toString(), "--log-to-terminal", "--log-level", "info"));
        JwsgiProcess server = JwsgiProcess.launchCommand(root, cmd, Map.of());
        server.awaitReady(WAIT);
        return server;
    }

    private static List<Notification> notifications(JwsgiProcess server) {
        List<Notification> all = new ArrayList<>();
        Matcher m = NOTIFY.matcher(server.output());
        while (m.find()) all.add(new Notification(m.group(1).replace("\\n", "\n"), Long.parseLong(m.group(2))));
        return all;
    }

    /** The states in the order they came, each datagram's first line (READY=1, RELOADING=1, ...), watchdog left out. */
    private static List<String> lifecycle(JwsgiProcess server) {
        return notifications(server).stream().map(n -> n.state().split("\n")[0])
                .filter(s -> !s.equals("WATCHDOG=1")).toList();
    }

    private static long serverPid(JwsgiProcess server) {
        Matcher m = PID.matcher(server.output());
        assertThat(m.find()).as(server.output()).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static void signal(String name, long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start().waitFor()).isZero();
    }

    @Test
    void tellsSystemdWhenItIsReadyReloadingAndStoppingAndFeedsTheWatchdog() throws Exception {
        try (JwsgiProcess server = underSystemd(root.resolve("notify").toString(), "400000")) {
            // Socket activation: the request arrives on the socket the stand-in bound.
            Matcher listening = LISTENING.matcher(server.output());
            assertThat(listening.find()).isTrue();
            assertThat(server.port()).isEqualTo(Integer.parseInt(listening.group(1)));
            assertThat(Http.get(server.url("/hello")).body()).isEqualTo("app:/hello");
            // The workers see none of systemd's variables.
            assertThat(Http.get(server.url("/env?NOTIFY_SOCKET")).body()).isEqualTo("None");
            assertThat(Http.get(server.url("/env?WATCHDOG_USEC")).body()).isEqualTo("None");

            eventually(WAIT, () -> assertThat(lifecycle(server)).as(server.output()).containsExactly("READY=1"));
            assertThat(notifications(server).getFirst().state()).startsWith("READY=1\nSTATUS=serving http://");
            // WATCHDOG_USEC=400000: a WATCHDOG=1 every 200 ms; two of them show it repeats.
            eventually(WAIT, () -> assertThat(notifications(server)).filteredOn(n -> n.state().equals("WATCHDOG=1"))
                    .hasSizeGreaterThanOrEqualTo(2));

            long pid = serverPid(server);
            signal("HUP", pid);
            eventually(WAIT, () -> assertThat(lifecycle(server)).as(server.output())
                    .containsExactly("READY=1", "RELOADING=1", "READY=1"));
            Notification reloading = notifications(server).stream().filter(n -> n.state().startsWith("RELOADING=1"))
                    .findFirst().orElseThrow();
            Matcher usec = Pattern.compile("MONOTONIC_USEC=(\\d+)").matcher(reloading.state());
            assertThat(usec.find()).as(reloading.state()).isTrue();
            // CLOCK_MONOTONIC, the receiver's clock: sent before it was received, and not long before.
            assertThat(Long.parseLong(usec.group(1))).isLessThanOrEqualTo(reloading.receivedUsec())
                    .isGreaterThan(reloading.receivedUsec() - WAIT.toNanos() / 1000);
            assertThat(Http.get(server.url("/hello")).body()).isEqualTo("app:/hello"); // served by the new workers

            signal("TERM", pid);
            assertThat(server.waitFor(WAIT)).as(server.output()).isZero();
            assertThat(lifecycle(server)).as(server.output())
                    .containsExactly("READY=1", "RELOADING=1", "READY=1", "STOPPING=1");
        }
    }

    @Test
    void anAbstractNotifySocketWorksTooAndNoWatchdogMeansNoWatchdogMessages() throws Exception {
        String name = "@jwsgi-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (JwsgiProcess server = underSystemd(name, "-")) {
            eventually(WAIT, () -> assertThat(lifecycle(server)).as(server.output()).containsExactly("READY=1"));
            signal("TERM", serverPid(server));
            assertThat(server.waitFor(WAIT)).as(server.output()).isZero();
            assertThat(lifecycle(server)).containsExactly("READY=1", "STOPPING=1");
            assertThat(notifications(server)).noneMatch(n -> n.state().contains("WATCHDOG"));
        }
    }
}
