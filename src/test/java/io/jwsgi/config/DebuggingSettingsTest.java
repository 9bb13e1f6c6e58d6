package io.jwsgi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mod_wsgi-express's debugging family: what debug mode turns off, what implies it, defaults and refusals. */
class DebuggingSettingsTest {
    @TempDir
    Path temp;

    TestEnvironment env;

    @BeforeEach
    void pinEnvironment() {
        env = new TestEnvironment(temp);
    }

    @Test
    void everythingIsOffByDefault() {
        ServerConfig config = env.parseWithScript();

        assertThat(config.debugging()).isEqualTo(Debugging.OFF);
        assertThat(config.threads()).isEqualTo(5);
        assertThat(config.socketTimeout()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void debugModeRunsOneProcessWithOneThreadAndNothingThatTimesOutOrRecycles() {
        ServerConfig config = env.parseWithScript("--debug-mode", "--processes", "4", "--threads", "8",
                "--request-timeout", "5", "--queue-timeout", "5", "--connect-timeout", "5", "--socket-timeout", "5",
                "--startup-timeout", "5", "--deadlock-timeout", "5", "--inactivity-timeout", "5",
                "--maximum-requests", "10", "--restart-interval", "5", "--reload-on-changes",
                "--shutdown-timeout", "7");

        assertThat(config.debugging().debugMode()).isTrue();
        assertThat(config.processes()).isEqualTo(1);
        assertThat(config.threads()).isEqualTo(1);
        assertThat(config.multiprocess()).isFalse();
        assertThat(config.queueTimeout()).isZero();
        assertThat(config.connectTimeout()).isZero();
        assertThat(config.socketTimeout()).isZero();
        Lifecycle l = config.lifecycle();
        assertThat(l.requestTimeout()).isZero();
        assertThat(l.startupTimeout()).isZero();
        assertThat(l.deadlockTimeout()).isZero();
        assertThat(l.inactivityTimeout()).isZero();
        assertThat(l.maximumRequests()).isZero();
        assertThat(l.restartInterval()).isZero();
        assertThat(l.shutdownTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(config.workerProcess().reloadOnChanges()).isFalse();
    }

    @Test
    void everyToolImpliesDebugModeAsInExpress() throws Exception {
        TestEnvironment.executable(env.bin.resolve("gdb"));
        for (String flag : new String[] {"--enable-debugger", "--enable-coverage", "--enable-profiler",
                "--enable-recorder", "--enable-gdb"}) {
            assertThat(env.parseWithScript(flag).debugging().debugMode()).as(flag).isTrue();
            assertThat(env.parseWithScript(flag).threads()).as(flag).isEqualTo(1);
        }
    }

    @Test
    void toolDirectoriesDefaultToExpressNamesInTheServerRoot() {
        ServerConfig config = env.parseWithScript("--server-root", "root", "--enable-coverage", "--enable-profiler",
                "--enable-recorder");
        Path root = env.cwd.resolve("root");

        assertThat(config.debugging().coverageDirectory()).isEqualTo(root.resolve("htmlcov"));
        assertThat(config.debugging().profilerDirectory()).isEqualTo(root.resolve("pstats"));
        assertThat(config.debugging().recorderDirectory()).isEqualTo(root.resolve("archive"));
    }

    @Test
    void givenToolDirectoriesAreResolvedAgainstTheCurrentDirectory() {
        ServerConfig config = env.parseWithScript("--enable-profiler", "--profiler-directory", "prof",
                "--enable-recorder", "--recorder-directory", "/abs/rec");

        assertThat(config.debugging().profilerDirectory()).isEqualTo(env.cwd.resolve("prof"));
        assertThat(config.debugging().recorderDirectory()).isEqualTo(Path.of("/abs/rec"));
    }

    @Test
    void aDirectoryWithoutItsToolIsIgnoredAsInExpress() {
        ServerConfig config = env.parseWithScript("--profiler-directory", "prof");

        assertThat(config.debugging()).isEqualTo(Debugging.OFF);
    }

    @Test
    void debuggerStartupNeedsTheDebugger() {
        assertThatThrownBy(() -> env.parseWithScript("--debugger-startup"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--debugger-startup needs --enable-debugger");
        Debugging d = env.parseWithScript("--enable-debugger", "--debugger-startup").debugging();
        assertThat(d.debugger()).isTrue();
        assertThat(d.debuggerStartup()).isTrue();
    }

    @Test
    void gdbIsFoundOnPath() throws Exception {
        Path gdb = TestEnvironment.executable(env.bin.resolve("gdb"));

        assertThat(env.parseWithScript("--enable-gdb").debugging().gdbExecutable()).isEqualTo(gdb);
    }

    @Test
    void aMissingGdbIsAnErrorNamingTheOptionAndWhatToInstall() {
        assertThatThrownBy(() -> env.parseWithScript("--enable-gdb"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--enable-gdb: gdb 'gdb' (--gdb-executable) not found on PATH")
                .hasMessageContaining("apt-get install gdb");
        assertThatThrownBy(() -> env.parseWithScript("--enable-gdb", "--gdb-executable", "/no/such/gdb"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--enable-gdb: gdb '/no/such/gdb' (--gdb-executable) is not an executable file");
    }

    @Test
    void gdbExecutableAloneDoesNothing() {
        assertThat(env.parseWithScript("--gdb-executable", "/no/such/gdb").debugging()).isEqualTo(Debugging.OFF);
    }
}
