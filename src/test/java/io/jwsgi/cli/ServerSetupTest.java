package io.jwsgi.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jwsgi.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerSetupTest {
    @TempDir
    Path temp;

    @Test
    void savedArgumentsPinWhatTheEnvironmentDecidedAndDropSetupOnlyAndIsatty() throws Exception {
        Path script = Files.writeString(temp.resolve("app.py"), "application = None\n");
        List<String> given = List.of(script.toString(), "--processes", "2", "--setup-only", "--setenv", "A", "--isatty");
        ServerConfig config = ServerConfig.parse(List.of(script.toString(), "--processes", "2", "--setenv", "A", "B"));
        List<String> saved = ServerSetup.savedArguments(config, List.of(script.toString(), "--processes", "2",
                "--setup-only", "--setenv", "A", "B"));
        assertThat(saved).containsExactly(script.toString(), "--processes", "2", "--setenv", "A", "B",
                "--server-root", config.serverRoot().toString(), "--python", config.python().toString(),
                "--working-directory", config.workingDirectory().toString());
        assertThat(given).contains("--isatty"); // (the launcher strips it before the JVM; setup drops it too)
        List<String> withIsatty = ServerSetup.savedArguments(config, List.of(script.toString(), "--isatty"));
        assertThat(withIsatty).doesNotContain("--isatty");
    }

    @Test
    void givenValuesAreNotPinnedTwiceAndLineBreaksAreRefused() throws Exception {
        Path script = Files.writeString(temp.resolve("app.py"), "application = None\n");
        List<String> args = List.of(script.toString(), "--server-root", temp.resolve("r").toString(),
                "--working-directory", temp.toString(), "--python", "python3");
        ServerConfig config = ServerConfig.parse(args);
        assertThat(ServerSetup.savedArguments(config, args)).isEqualTo(args);
        assertThatThrownBy(() -> ServerSetup.savedArguments(config, List.of("--setenv", "A", "x\ny")))
                .hasMessageContaining("line break");
    }

    @Test
    void theBannerUsesTheServerNameAndNamesTheStatusPage() throws Exception {
        Path script = Files.writeString(temp.resolve("app.py"), "application = None\n");
        assertThat(ServerSetup.url(ServerConfig.parse(List.of(script.toString(), "--port", "8080"))))
                .isEqualTo("http://localhost:8080/");
        assertThat(ServerSetup.url(ServerConfig.parse(List.of(script.toString(), "--host", "127.0.0.1", "--port",
                "8080", "--server-name", "www.example.com")))).isEqualTo("http://www.example.com:8080/");
        ServerConfig config = ServerConfig.parse(List.of(script.toString(), "--server-status", "--server-name",
                "app.example.com", "--server-root", temp.resolve("root").toString()));
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        ServerSetup.write(config, List.of(script.toString()), io.jwsgi.config.Environment.current(),
                new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(printed.toString(java.nio.charset.StandardCharsets.UTF_8))
                .startsWith("Server URL         : http://app.example.com:8000/\n"
                        + "Server Status      : http://app.example.com:8000/server-status\n");
    }

    @Test
    void controlScriptQuotesEveryPath() {
        assertThat(ControlScript.quote("it's here")).isEqualTo("'it'\\''s here'");
        String script = ControlScript.render(List.of("/opt/j wsgi/jwsgi"), Path.of("/r'oot"), Path.of("/cwd"),
                Path.of("/r'oot/jwsgi.pid"), Path.of("/r'oot/jwsgi.out"));
        assertThat(script).startsWith("#!/usr/bin/env bash\n").contains("JWSGI=('/opt/j wsgi/jwsgi')",
                "SERVER_ROOT='/r'\\''oot'", "PID_FILE='/r'\\''oot/jwsgi.pid'")
                .doesNotContain("@JWSGI@", "@ROOT@", "@CWD@", "@PID_FILE@", "@OUTPUT@");
    }
}
