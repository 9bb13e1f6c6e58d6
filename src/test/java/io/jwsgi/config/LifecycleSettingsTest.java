package io.jwsgi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon-lifecycle options (issue 3): mod_wsgi-express's defaults, resolution and refusals. */
class LifecycleSettingsTest {
    @TempDir
    Path temp;

    TestEnvironment env;

    @BeforeEach
    void pinEnvironment() {
        env = new TestEnvironment(temp);
    }

    @Test
    void lifecycleDefaultsMatchModWsgiExpress() {
        ServerConfig config = env.parseWithScript();
        Lifecycle l = config.lifecycle();

        assertThat(l.maximumRequests()).isZero();
        assertThat(l.maximumRequestsJitter()).isZero();
        assertThat(l.restartInterval()).isZero();
        assertThat(l.inactivityTimeout()).isZero();
        assertThat(l.gracefulTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(l.evictionTimeout()).isZero();
        assertThat(l.evictionOrGraceful()).isEqualTo(Duration.ofSeconds(15));
        assertThat(l.shutdownTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(l.requestTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(l.interruptTimeout()).isZero();
        assertThat(l.startupTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(l.deadlockTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(l.memoryLimit()).isZero();
        assertThat(config.responseBufferSize()).isZero();
        assertThat(config.serviceScripts()).isEmpty();
    }

    @Test
    void workerProcessDefaults() {
        WorkerProcessOptions w = env.parseWithScript().workerProcess();

        assertThat(w.memoryLimit()).isZero();
        assertThat(w.virtualMemoryLimit()).isZero();
        assertThat(w.cpuTimeLimit()).isZero();
        assertThat(w.user()).isNull();
        assertThat(w.group()).isNull();
        assertThat(w.supplementaryGroups()).isEmpty();
        assertThat(w.umask()).isNull();
        assertThat(w.pythonHashSeed()).isNull();
        assertThat(w.dontWriteBytecode()).isFalse();
        assertThat(w.processName()).isEqualTo("(wsgi:localhost:8000)");
        assertThat(w.reloadOnChanges()).isFalse();
    }

    @Test
    void evictionTimeoutFallsBackToGracefulTimeout() {
        assertThat(env.parseWithScript("--graceful-timeout", "3").lifecycle().evictionOrGraceful())
                .isEqualTo(Duration.ofSeconds(3));
        assertThat(env.parseWithScript("--graceful-timeout", "3", "--eviction-timeout", "7").lifecycle()
                .evictionOrGraceful()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void plainInheritedLocaleBecomesCUtf8LikeModWsgiExpress() {
        env.variables.put("LANG", "C");
        WorkerProcessOptions w = env.parseWithScript().workerProcess();
        assertThat(w.lang()).isEqualTo("C.UTF-8");
        assertThat(w.locale()).isEqualTo("C.UTF-8");

        env.variables.put("LANG", "de_DE.UTF-8");
        w = env.parseWithScript().workerProcess();
        assertThat(w.lang()).isNull();
        assertThat(w.locale()).isNull();
    }

    @Test
    void langAndLocaleStandInForEachOther() {
        WorkerProcessOptions w = env.parseWithScript("--lang", "en_US.UTF-8").workerProcess();
        assertThat(w.locale()).isEqualTo("en_US.UTF-8");
        w = env.parseWithScript("--locale", "fr_FR.UTF-8").workerProcess();
        assertThat(w.lang()).isEqualTo("fr_FR.UTF-8");
        w = env.parseWithScript("--lang", "en_US.UTF-8", "--locale", "fr_FR.UTF-8").workerProcess();
        assertThat(w.lang()).isEqualTo("en_US.UTF-8");
        assertThat(w.locale()).isEqualTo("fr_FR.UTF-8");
    }

    @Test
    void parsesIdentityAndLimits() {
        WorkerProcessOptions w = env.parseWithScript("--user", "www", "--group", "web",
                "--supplementary-groups", "a,b", "--umask", "22", "--memory-limit", "1000000",
                "--cpu-time-limit", "30", "--python-hash-seed", "0042", "--dont-write-bytecode",
                "--process-name", "shop", "--reload-on-changes").workerProcess();

        assertThat(w.user()).isEqualTo("www");
        assertThat(w.group()).isEqualTo("web");
        assertThat(w.supplementaryGroups()).containsExactly("a", "b");
        assertThat(w.umask()).isEqualTo("0022");
        assertThat(w.memoryLimit()).isEqualTo(1_000_000L);
        assertThat(w.cpuTimeLimit()).isEqualTo(30);
        assertThat(w.pythonHashSeed()).isEqualTo("42");
        assertThat(w.dontWriteBytecode()).isTrue();
        assertThat(w.processName()).isEqualTo("shop");
        assertThat(w.reloadOnChanges()).isTrue();
    }

    @Test
    void badValuesNameTheFlagAndTheValue() {
        assertThatThrownBy(() -> env.parseWithScript("--umask", "0999"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--umask: '0999' is not an octal mask such as 0022");
        assertThatThrownBy(() -> env.parseWithScript("--python-hash-seed", "4294967296"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--python-hash-seed: '4294967296' is neither random nor a number from 0 to 4294967295");
        assertThatThrownBy(() -> env.parseWithScript("--supplementary-groups", "a,,b"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--supplementary-groups: 'a,,b' has an empty item");
        assertThatThrownBy(() -> env.parseWithScript("--request-timeout", "soon"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--request-timeout: 'soon' is not a number of seconds");
        assertThatThrownBy(() -> env.parseWithScript("--maximum-requests", "-1"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--maximum-requests: must be at least 0, got -1");
    }

    @Test
    void serviceScriptsAreResolvedAndChecked() throws IOException {
        Files.writeString(env.cwd.resolve("tick.py"), "pass\n");

        List<ServiceScript> scripts = env.parseWithScript("--service-script", "tick", "tick.py").serviceScripts();
        assertThat(scripts).containsExactly(new ServiceScript("tick", env.cwd.resolve("tick.py"), null, null, null));

        assertThatThrownBy(() -> env.parseWithScript("--service-script", "tick", "nope.py"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--service-script: script of service 'tick' not found: " + env.cwd.resolve("nope.py"));
        assertThatThrownBy(() -> env.parseWithScript("--service-script", "a", "tick.py",
                        "--service-script", "a", "tick.py"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--service-script: service 'a' is given twice");
    }

    @Test
    void serviceUserGroupAndLogFileAreGivenPerServiceAsMod_wsgiExpressSpellsThem() throws IOException {
        Files.writeString(env.cwd.resolve("tick.py"), "pass\n");
        Files.writeString(env.cwd.resolve("tock.py"), "pass\n");

        List<ServiceScript> scripts = env.parseWithScript("--user", "www", "--group", "web",
                "--service-script", "tick", "tick.py", "--service-script", "tock", "tock.py",
                "--service-user", "tick", "nobody", "--service-group", "tick", "nogroup",
                "--service-log-file", "tock", "tock.log", "--log-directory", "logs").serviceScripts();

        assertThat(scripts).containsExactly(
                new ServiceScript("tick", env.cwd.resolve("tick.py"), "nobody", "nogroup", null),
                new ServiceScript("tock", env.cwd.resolve("tock.py"), "www", "web",
                        env.cwd.resolve("logs/tock.log")));
        assertThatThrownBy(() -> env.parseWithScript("--service-script", "tick", "tick.py",
                        "--service-user", "tock", "nobody"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--service-user: no --service-script named 'tock'");
        assertThatThrownBy(() -> env.parseWithScript("--service-script", "tick", "tick.py", "--service-user", "tick"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--service-user: missing value (expects NAME USER)");
    }
}
