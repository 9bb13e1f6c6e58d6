package io.jwsgi.it;

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
 * systemd socket activation: a launcher binds the socket, puts it on fd 3 and execs jwsgi with LISTEN_FDS=1 and
 * LISTEN_PID = its own pid (the exec keeps it); jwsgi serves on that socket instead of binding.
 */
class SocketActivationIT {
    static final Path APP = OperationsIT.APP;
    static final Path SHIM = Path.of("src/test/resources/ops/listen_fds.py").toAbsolutePath();
    static final Pattern LISTENING = Pattern.compile("listening (\\d+)");

    @TempDir
    Path root;

    private JwsgiProcess launch(String fds, String pidMode, String... extra) throws Exception {
        return launch(List.of(JwsgiProcess.java(), "-jar", JwsgiProcess.jar().toAbsolutePath().toString()), fds,
                pidMode, extra);
    }

    private JwsgiProcess launch(List<String> jwsgi, String fds, String pidMode, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", SHIM.toString(), fds, pidMode));
        cmd.addAll(jwsgi);
        cmd.addAll(List.of("start-server", APP.toString(), "--host", "127.0.0.1", "--port", "0", "--server-root", root.toString(),
                "--log-to-terminal"));
        cmd.addAll(List.of(extra));
        return JwsgiProcess.launchCommand(root, cmd, Map.of());
    }

    private static int boundPort(JwsgiProcess p) throws InterruptedException {
        assertThat(p.awaitOutput("listening ", Duration.ofSeconds(10))).as(p.output()).isTrue();
        Matcher m = LISTENING.matcher(p.output());
        assertThat(m.find()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    @Test
    void servesOnTheInheritedSocketAndKeepsTheVariablesFromItsWorkers() throws Exception {
        try (JwsgiProcess server = launch("1", "self")) {
            server.awaitReady(Duration.ofSeconds(60));
            int inherited = boundPort(server);
            assertThat(server.port()).as(server.output()).isEqualTo(inherited);
            assertThat(Http.get(server.url("/hello")).body()).isEqualTo("app:/hello");
            assertThat(Http.get(server.url("/env?LISTEN_FDS")).body()).isEqualTo("None");
            assertThat(Http.get(server.url("/env?LISTEN_PID")).body()).isEqualTo("None");
        }
    }

    @Test
    void theLauncherKeepsThePidSoActivationWorksThroughIt() throws Exception {
        try (JwsgiProcess server = launch(List.of(Path.of("jwsgi").toAbsolutePath().toString()), "1", "self")) {
            server.awaitReady(Duration.ofSeconds(120));
            assertThat(server.port()).as(server.output()).isEqualTo(boundPort(server));
            assertThat(Http.get(server.url("/hello")).body()).isEqualTo("app:/hello");
        }
    }

    @Test
    void variablesMeantForAnotherProcessAreIgnored() throws Exception {
        try (JwsgiProcess server = launch("1", "other")) {
            server.awaitReady(Duration.ofSeconds(60));
            assertThat(server.port()).as(server.output()).isNotEqualTo(boundPort(server)); // bound its own
            assertThat(Http.get(server.url("/hello")).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void moreThanOneSocketIsAConfigurationError() throws Exception {
        JwsgiProcess server = launch("2", "self");
        assertThat(server.waitFor(Duration.ofSeconds(60))).as(server.output()).isEqualTo(2);
        assertThat(server.output()).contains("LISTEN_FDS: 2 sockets passed; jwsgi serves on exactly one");
    }

    @Test
    void aDescriptorThatIsNotAListeningSocketIsAnError() throws Exception {
        // LISTEN_FDS=1 with fd 3 closed: systemd would never do it, a hand-written unit file might. The JVM opens
        // files of its own at start-up, so fd 3 may well be one of them: it must be left alone.
        List<String> cmd = List.of("/usr/bin/env", "LISTEN_FDS=1", "/bin/sh", "-c",
                "export LISTEN_PID=$$; exec 3<&-; exec \"$0\" \"$@\"", JwsgiProcess.java(), "-jar",
                JwsgiProcess.jar().toAbsolutePath().toString(), "start-server", APP.toString(), "--port", "0",
                "--server-root", root.toString(), "--log-to-terminal");
        JwsgiProcess server = JwsgiProcess.launchCommand(root, cmd, Map.of());
        assertThat(server.waitFor(Duration.ofSeconds(60))).as(server.output()).isEqualTo(2);
        assertThat(server.output()).contains("LISTEN_FDS=1 but file descriptor 3 is not a listening socket");
    }
}
