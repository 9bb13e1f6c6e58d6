package io.jwsgi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {
    @TempDir
    Path temp;

    TestEnvironment env;

    @BeforeEach
    void pinEnvironment() {
        env = new TestEnvironment(temp);
    }

    @Test
    void defaultsMatchModWsgiExpress() {
        ServerConfig config = env.parseWithScript();

        assertThat(config.host()).isNull();
        assertThat(config.port()).isEqualTo(8000);
        assertThat(config.processes()).isEqualTo(1);
        assertThat(config.multiprocess()).isFalse();
        assertThat(config.threads()).isEqualTo(5);
        assertThat(config.applicationType()).isEqualTo(ApplicationType.SCRIPT);
        assertThat(config.callableObject()).isEqualTo("application");
        assertThat(config.workingDirectory()).isEqualTo(env.cwd);
        assertThat(config.pythonPath()).isEmpty();
        assertThat(config.logToTerminal()).isFalse();
        assertThat(config.logLevel()).isEqualTo(LogLevel.WARN);
        assertThat(config.accessLog()).isFalse();
        assertThat(config.accessLogFormat()).isEqualTo("common");
        assertThat(config.errorLogName()).isEqualTo("error_log");
        assertThat(config.accessLogName()).isEqualTo("access_log");
        assertThat(config.startupLog()).isFalse();
        assertThat(config.startupLogName()).isEqualTo("startup_log");
        assertThat(config.pythonHome()).isNull();
        assertThat(config.processGroup()).isEqualTo("localhost:8000");
        assertThat(config.applicationGroup()).isEqualTo("%{GLOBAL}");
        assertThat(config.mountPoint()).isEqualTo("/");
        assertThat(config.daemonBacklog()).isEqualTo(100);
        assertThat(config.queueTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(config.socketTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.shutdownTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.headerBufferSize()).isEqualTo(32768);
        assertThat(config.limitRequestBody()).isEqualTo(10_485_760L);
        assertThat(config.setenv()).isEmpty();
        assertThat(config.passenv()).isEmpty();
        assertThat(config.serverBacklog()).isEqualTo(500);
        assertThat(config.maxClients()).isEqualTo(20); // 10 + max(10, int(1.5 * 1 * 5))
        assertThat(config.version()).isEqualTo(Version.current());
    }

    @Test
    void defaultServerRootIsUnderTmpdirNamedAfterHostPortAndUid() {
        ServerConfig config = env.parseWithScript();

        assertThat(config.serverRoot()).isEqualTo(temp.resolve("tmp").resolve("jwsgi-localhost:8000:1234"));
        assertThat(config.logDirectory()).isEqualTo(config.serverRoot());
    }

    @Test
    void defaultServerRootFallsBackToSlashTmpWithoutTmpdir() {
        env.variables.remove("TMPDIR");

        ServerConfig config = env.parseWithScript("--host", "127.0.0.1", "--port", "0");

        assertThat(config.serverRoot()).isEqualTo(Path.of("/tmp/jwsgi-127.0.0.1:0:1234"));
        assertThat(config.processGroup()).isEqualTo("127.0.0.1:0");
    }

    @Test
    void givingProcessesAtAllSetsMultiprocess() {
        ServerConfig config = env.parseWithScript("--processes", "1");

        assertThat(config.processes()).isEqualTo(1);
        assertThat(config.multiprocess()).isTrue();
    }

    @Test
    void maxClientsDefaultIsComputedFromProcessesAndThreads() {
        assertThat(env.parseWithScript("--processes", "4", "--threads", "10").maxClients()).isEqualTo(70);
        assertThat(env.parseWithScript("--max-clients", "40", "--processes", "4", "--threads", "10").maxClients())
                .isEqualTo(40);
    }

    @Test
    void rejectsMaxClientsBelowProcessesTimesThreadsInsteadOfRaisingIt() {
        assertThatThrownBy(() -> env.parseWithScript("--processes", "2", "--max-clients", "4"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--max-clients: must be at least processes * threads = 10, got 4");
    }

    @Test
    void rejectsNonNumericProcesses() {
        assertThatThrownBy(() -> env.parseWithScript("--processes", "abc"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--processes: 'abc' is not a whole number");
    }

    @Test
    void rejectsZeroThreads() {
        assertThatThrownBy(() -> env.parseWithScript("--threads", "0"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--threads: must be at least 1, got 0");
    }

    @Test
    void rejectsUnknownApplicationType() {
        assertThatThrownBy(() -> env.parseWithScript("--application-type", "foo"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--application-type: 'foo' is not one of script, module");
    }

    @Test
    void rejectsMissingScriptNamingItsAbsolutePath() {
        assertThatThrownBy(() -> env.parse("missing.py"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("script not found: " + env.cwd.resolve("missing.py"));
    }

    @Test
    void rejectsADirectoryAsScript() {
        assertThatThrownBy(() -> env.parse(temp.toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("script is not a regular file: " + temp);
    }

    @Test
    void resolvesARelativeScriptAgainstTheCurrentDirectory() {
        ServerConfig config = env.parse("app.py");

        assertThat(config.entryPoint()).isEqualTo(env.script.toString());
    }

    @Test
    void entryPointOptionWinsOverThePositionalScript() throws IOException {
        Path other = Files.writeString(env.cwd.resolve("other.py"), "");

        ServerConfig config = env.parse("missing.py", "--entry-point", "other.py");

        assertThat(config.entryPoint()).isEqualTo(other.toString());
    }

    @Test
    void withoutAnEntryPointTheWelcomePageIsServed() {
        ServerConfig config = env.parse();

        assertThat(config.applicationType()).isEqualTo(ApplicationType.WELCOME);
        assertThat(config.entryPoint()).isNull();
    }

    @Test
    void moduleTypeKeepsTheModuleNameWithoutLookingForAFile() {
        ServerConfig config = env.parse("--application-type", "module", "mysite.wsgi");

        assertThat(config.applicationType()).isEqualTo(ApplicationType.MODULE);
        assertThat(config.entryPoint()).isEqualTo("mysite.wsgi");
    }

    @Test
    void rejectsAModuleNameThatIsNotOne() {
        assertThatThrownBy(() -> env.parse("--application-type", "module", "--entry-point", "my-site/wsgi.py"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--entry-point: 'my-site/wsgi.py' is not a Python module name");
    }

    @Test
    void rejectsASecondPositionalArgument() {
        assertThatThrownBy(() -> env.parse("app.py", "extra.py"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("unexpected argument 'extra.py' (only one SCRIPT may be given)");
    }

    @Test
    void setenvTakesTwoValuesAndRepeats() {
        ServerConfig config = env.parseWithScript("--setenv", "A", "1", "--setenv", "B", "two words",
                "--setenv", "A", "3");

        assertThat(config.setenv()).containsExactly(
                java.util.Map.entry("A", "3"), java.util.Map.entry("B", "two words"));
    }

    @Test
    void setenvWithOneValueIsMissingAValue() {
        assertThatThrownBy(() -> env.parseWithScript("--setenv", "A"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--setenv: missing value (expects KEY VALUE)");
    }

    @Test
    void repeatableOptionsKeepEveryValueInOrder() {
        ServerConfig config = env.parseWithScript("--passenv", "HOME", "--python-path", "lib",
                "--passenv", "LANG", "--python-path", "/opt/extra");

        assertThat(config.passenv()).containsExactly("HOME", "LANG");
        assertThat(config.pythonPath()).containsExactly(env.cwd.resolve("lib"), Path.of("/opt/extra"));
    }

    @Test
    void durationsAcceptDecimalSeconds() {
        ServerConfig config = env.parseWithScript("--queue-timeout", "0.5", "--connect-timeout", "0");

        assertThat(config.queueTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.connectTimeout()).isZero();
    }

    @Test
    void headerBufferSizeMustBeZeroOrAtLeast8192() {
        assertThat(env.parseWithScript("--header-buffer-size", "8192").headerBufferSize()).isEqualTo(8192);
        assertThatThrownBy(() -> env.parseWithScript("--header-buffer-size", "100"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--header-buffer-size: must be 0 (meaning 32768) or at least 8192, got 100");
    }

    @Test
    void portZeroIsAllowedForEphemeralPorts() {
        assertThat(env.parseWithScript("--port", "0").port()).isZero();
        assertThatThrownBy(() -> env.parseWithScript("--port", "65536"))
                .hasMessage("--port: must be between 0 and 65535, got 65536");
    }

    @Test
    void mountPointMustBeAnAbsoluteUrlPathAndLosesItsTrailingSlash() {
        assertThat(env.parseWithScript("--mount-point", "/app/").mountPoint()).isEqualTo("/app");
        assertThatThrownBy(() -> env.parseWithScript("--mount-point", "app"))
                .hasMessage("--mount-point: 'app' does not start with '/'");
    }

    @Test
    void pathsResolveAgainstTheCurrentDirectory() throws IOException {
        Files.createDirectories(env.cwd.resolve("src"));

        ServerConfig config = env.parseWithScript("--working-directory", "src", "--server-root", "run",
                "--log-directory", "logs");

        assertThat(config.workingDirectory()).isEqualTo(env.cwd.resolve("src"));
        assertThat(config.serverRoot()).isEqualTo(env.cwd.resolve("run"));
        assertThat(config.logDirectory()).isEqualTo(env.cwd.resolve("logs"));
    }

    @Test
    void rejectsAWorkingDirectoryThatDoesNotExist() {
        assertThatThrownBy(() -> env.parseWithScript("--working-directory", "nowhere"))
                .hasMessage("--working-directory: not a directory: " + env.cwd.resolve("nowhere"));
    }

    @Test
    void pythonDefaultsToPython3OnPath() {
        assertThat(env.parseWithScript().python()).isEqualTo(env.bin.resolve("python3"));
    }

    @Test
    void pythonAcceptsAnyExecutablePath() throws IOException {
        Path interpreter = TestEnvironment.executable(temp.resolve("elsewhere/py"));

        assertThat(env.parseWithScript("--python", interpreter.toString()).python()).isEqualTo(interpreter);
    }

    @Test
    void rejectsAPythonNameNotOnPath() {
        assertThatThrownBy(() -> env.parseWithScript("--python", "python3.99"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("python interpreter not found: python3.99 (--python)");
    }

    @Test
    void rejectsAPythonPathThatIsNotExecutable() {
        assertThatThrownBy(() -> env.parseWithScript("--python", env.script.toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("python interpreter is not an executable file: " + env.script + " (--python)");
    }

    @Test
    void rejectsTheDefaultPythonWhenPathHasNone() {
        env.variables.put("PATH", temp.resolve("empty").toString());

        assertThatThrownBy(() -> env.parseWithScript())
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("python interpreter not found: python3 (the default");
    }

    @Test
    void pythonHomeSelectsTheVirtualEnvironmentsInterpreterWithoutFollowingLinks() throws IOException {
        Path venv = temp.resolve("venv");
        Path real = TestEnvironment.executable(temp.resolve("base/python3.13"));
        Files.createDirectories(venv.resolve("bin"));
        Files.createSymbolicLink(venv.resolve("bin/python3"), real);

        ServerConfig config = env.parseWithScript("--python-home", venv.toString());

        assertThat(config.pythonHome()).isEqualTo(venv);
        assertThat(config.python()).isEqualTo(venv.resolve("bin/python3"));
    }

    @Test
    void pythonHomeFallsBackToBinPython() throws IOException {
        Path venv = temp.resolve("venv");
        TestEnvironment.executable(venv.resolve("bin/python"));

        assertThat(env.parseWithScript("--python-home", venv.toString()).python())
                .isEqualTo(venv.resolve("bin/python"));
    }

    @Test
    void explicitPythonWinsOverPythonHome() throws IOException {
        Path venv = Files.createDirectories(temp.resolve("venv"));

        ServerConfig config = env.parseWithScript("--python-home", venv.toString(), "--python", "python3");

        assertThat(config.python()).isEqualTo(env.bin.resolve("python3"));
    }

    @Test
    void rejectsPythonHomeWithoutAnInterpreter() throws IOException {
        Path venv = Files.createDirectories(temp.resolve("venv"));

        assertThatThrownBy(() -> env.parseWithScript("--python-home", venv.toString()))
                .hasMessage("python interpreter not found: no bin/python3 or bin/python in " + venv
                        + " (--python-home)");
    }

    @Test
    void flagsTurnOnTheirSettings() {
        ServerConfig config = env.parseWithScript("--log-to-terminal", "--access-log", "--startup-log",
                "--log-level", "debug");

        assertThat(config.logToTerminal()).isTrue();
        assertThat(config.accessLog()).isTrue();
        assertThat(config.startupLog()).isTrue();
        assertThat(config.logLevel()).isEqualTo(LogLevel.DEBUG);
    }

    @Test
    void parsesTheIntegrationTestCommandLine() {
        ServerConfig config = env.parse("--port", "0", "--host", "127.0.0.1", "app.py");

        assertThat(config.port()).isZero();
        assertThat(config.host()).isEqualTo("127.0.0.1");
        assertThat(config.entryPoint()).isEqualTo(env.script.toString());
    }
}
