package io.jwsgi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --server-status, --enable-metrics, --health-check-path, --socket-path, --pid-file, socket activation. */
class OperationsSettingsTest {
    @TempDir
    Path temp;

    TestEnvironment env;

    @BeforeEach
    void setUp() {
        env = new TestEnvironment(temp);
    }

    @Test
    void everythingIsOffByDefaultAndTheFilesLiveInTheServerRoot() {
        Operations ops = env.parseWithScript("--port", "8000").operations();
        Path root = temp.resolve("tmp/jwsgi-localhost:8000:1234");
        assertThat(ops).isEqualTo(new Operations(false, null, null, root.resolve("sockets"), root.resolve("jwsgi.pid"),
                false, false, false, java.time.Duration.ZERO));
    }

    @Test
    void drainDelayIsSecondsAndABadOneNamesTheFlag() {
        assertThat(env.parseWithScript("--drain-delay", "2.5").operations().drainDelay())
                .isEqualTo(java.time.Duration.ofMillis(2500));
        assertThatThrownBy(() -> env.parseWithScript("--drain-delay", "soon"))
                .hasMessageContaining("--drain-delay").hasMessageContaining("'soon'");
    }

    @Test
    void enablingThemGivesTheirPaths() {
        Operations ops = env.parseWithScript("--server-status", "--enable-metrics", "--health-check-path", "/healthz",
                "--socket-path", "run", "--pid-file", "/var/run/site.pid", "--setup-only").operations();
        assertThat(ops.serverStatus()).isTrue();
        assertThat(ops.metricsPath()).isEqualTo("/metrics");
        assertThat(ops.healthCheckPath()).isEqualTo("/healthz");
        assertThat(ops.socketDirectory()).isEqualTo(env.cwd.resolve("run"));
        assertThat(ops.pidFile()).isEqualTo(Path.of("/var/run/site.pid"));
        assertThat(ops.setupOnly()).isTrue();
        assertThat(ops.reusePort()).isFalse();
        assertThat(env.parseWithScript("--reuse-port").operations().reusePort()).isTrue();
        assertThat(env.parseWithScript("--metrics-path", "/m").operations().metricsPath()).isNull(); // not enabled
    }

    @Test
    void badPathsNameTheFlag() {
        assertThatThrownBy(() -> env.parseWithScript("--health-check-path", "healthz"))
                .hasMessageContaining("--health-check-path").hasMessageContaining("'healthz'");
        assertThatThrownBy(() -> env.parseWithScript("--enable-metrics", "--health-check-path", "/metrics"))
                .hasMessageContaining("--health-check-path: '/metrics' is also the metrics path");
        assertThatThrownBy(() -> env.parseWithScript("--server-status", "--health-check-path", "/server-status"))
                .hasMessageContaining("the status page's path");
    }

    @Test
    void aSocketPathOverTheUnixLimitIsRefusedWithTheWayOut() {
        String deep = temp.resolve("x".repeat(110)).toString();
        assertThatThrownBy(() -> env.parseWithScript("--server-root", deep))
                .hasMessageContaining("worker socket path").hasMessageContaining("longer than the 107")
                .hasMessageContaining("--socket-path DIR");
        assertThatThrownBy(() -> env.parseWithScript("--socket-path", deep))
                .hasMessageStartingWith("--socket-path: ").hasMessageContaining("give a shorter --socket-path");
        assertThat(env.parseWithScript("--server-root", deep, "--socket-path", "/tmp/s").operations().socketDirectory())
                .isEqualTo(Path.of("/tmp/s"));
        // Exactly at the limit is fine: 107 bytes with "/0.sock".
        String fits = "/" + "y".repeat(107 - "/0.sock".length() - 1);
        assertThat(env.parseWithScript("--socket-path", fits).operations().socketDirectory()).isEqualTo(Path.of(fits));
        assertThatThrownBy(() -> env.parseWithScript("--socket-path", fits + "y")).hasMessageContaining("108 bytes");
    }

    @Test
    void socketActivationFollowsSystemdsRules() {
        assertThat(activation(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "42"), 42)).isTrue();
        assertThat(activation(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "41"), 42)).isFalse(); // for someone else
        assertThat(activation(Map.of("LISTEN_FDS", "0", "LISTEN_PID", "42"), 42)).isFalse();
        assertThat(activation(Map.of("LISTEN_FDS", "1"), 42)).isFalse();
        assertThatThrownBy(() -> activation(Map.of("LISTEN_FDS", "2", "LISTEN_PID", "42"), 42))
                .hasMessage("LISTEN_FDS: 2 sockets passed; jwsgi serves on exactly one");
        assertThatThrownBy(() -> activation(Map.of("LISTEN_FDS", "one", "LISTEN_PID", "42"), 42))
                .hasMessage("LISTEN_FDS: 'one' is not a number");
        // Through parsing, against this JVM's pid.
        env.variables.putAll(Map.of("LISTEN_FDS", "1", "LISTEN_PID", Long.toString(ProcessHandle.current().pid())));
        assertThat(env.parseWithScript().operations().socketActivation()).isTrue();
    }

    @Test
    void isattyIsTheLaunchersAndRefusedHere() {
        assertThatThrownBy(() -> env.parseWithScript("--isatty"))
                .hasMessageStartingWith("--isatty is handled by the ./jwsgi launcher");
    }

    private boolean activation(Map<String, String> variables, long pid) {
        Map<String, String> all = new HashMap<>(env.variables);
        all.putAll(variables);
        return OperationsResolver.socketActivation(new Environment(all, env.cwd, 1234), pid);
    }
}
