package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./jwsgi start-server --isatty} (mod_wsgi-express 4.6): the launcher runs the server as a child in a
 * process group of its own, forwards SIGINT, SIGTERM, SIGHUP and SIGUSR1 and ignores SIGWINCH. The test plays the
 * terminal: it puts the launcher in a session of its own and signals the launcher's whole process group, as the
 * terminal driver does for Ctrl-C or a window resize.
 */
class IsattyIT {
    static final Path APP = OperationsIT.APP;
    private static final Pattern READY_PID = Pattern.compile("jwsgi ready: \\S+ \\(pid (\\d+)\\)");
    /** Resets SIGINT (a background test runner may have it ignored, which a shell cannot undo), setsid, exec. */
    private static final String TERMINAL = "import os, signal, sys\n"
            + "signal.signal(signal.SIGINT, signal.SIG_DFL)\n"
            + "os.setsid()\n"
            + "os.execvp(sys.argv[1], sys.argv[1:])\n";

    @TempDir
    Path root;

    @Test
    void theServerRunsInItsOwnGroupAndGetsTheTerminalSignalsThroughTheLauncher() throws Exception {
        List<String> cmd = List.of("/usr/bin/python3", "-c", TERMINAL, Path.of("jwsgi").toAbsolutePath().toString(),
                "start-server", APP.toString(), "--isatty", "--host", "127.0.0.1", "--port", "0", "--server-root",
                root.toString(), "--log-to-terminal", "--log-level", "info");
        try (JwsgiProcess server = JwsgiProcess.launchCommand(root, cmd, Map.of())) {
            server.awaitReady(Duration.ofSeconds(120));
            long launcher = server.process().pid();
            Matcher m = READY_PID.matcher(server.output());
            assertThat(m.find()).as(server.output()).isTrue();
            long jvm = Long.parseLong(m.group(1));

            assertThat(jvm).isNotEqualTo(launcher); // run as a child, not exec'ed
            assertThat(parent(jvm)).isEqualTo(launcher);
            assertThat(group(launcher)).isEqualTo(launcher);
            assertThat(group(jvm)).isEqualTo(jvm); // a process group of its own
            List<Long> workers = ProcessHandle.of(jvm).orElseThrow().children().map(ProcessHandle::pid).toList();
            assertThat(workers).isNotEmpty();
            for (long w : workers) assertThat(group(w)).isEqualTo(jvm); // out of the terminal's group too

            signalGroup("WINCH", launcher); // a window resize: ignored
            assertThat(Http.get(server.url("/hello")).body()).isEqualTo("app:/hello");
            assertThat(server.process().isAlive()).isTrue();

            signalGroup("USR1", launcher);
            assertThat(server.awaitOutput("reason=graceful_signal", Duration.ofSeconds(30))).as(server.output()).isTrue();
            signalGroup("HUP", launcher);
            assertThat(server.awaitOutput("reason=reload_signal", Duration.ofSeconds(30))).as(server.output()).isTrue();
            assertThat(Http.get(server.url("/hello")).statusCode()).isEqualTo(200);

            signalGroup("INT", launcher); // Ctrl-C
            assertThat(server.waitFor(Duration.ofSeconds(60))).as(server.output()).isZero();
            // The server stopped its workers itself (they never saw the terminal's SIGINT).
            assertThat(server.output()).contains("server stopped", "reason=shutdown_signal");
            assertThat(ProcessHandle.of(jvm).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        }
    }

    @Test
    void theJarAloneRefusesIsattyBecauseOnlyTheLauncherCanDoIt() throws Exception {
        JwsgiProcess server = JwsgiProcess.launch(root, APP.toString(), "--isatty");
        assertThat(server.waitFor(Duration.ofSeconds(60))).isEqualTo(2);
        assertThat(server.output()).contains("--isatty is handled by the ./jwsgi launcher");
    }

    private static void signalGroup(String signal, long group) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, "--", "-" + group).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    /** Field 4 (ppid) and 5 (pgrp) of /proc/PID/stat, after the command name in parentheses. */
    private static long statField(long pid, int field) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(rest[field - 3]);
    }

    private static long parent(long pid) throws IOException {
        return statField(pid, 4);
    }

    private static long group(long pid) throws IOException {
        return statField(pid, 5);
    }
}
