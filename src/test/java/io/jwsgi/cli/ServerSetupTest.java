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
    void controlScriptQuotesEveryPath() {
        assertThat(ControlScript.quote("it's here")).isEqualTo("'it'\\''s here'");
        String script = ControlScript.render(List.of("/opt/j wsgi/jwsgi"), Path.of("/r'oot"), Path.of("/cwd"),
                Path.of("/r'oot/jwsgi.pid"), Path.of("/r'oot/jwsgi.out"));
        assertThat(script).startsWith("#!/usr/bin/env bash\n").contains("JWSGI=('/opt/j wsgi/jwsgi')",
                "SERVER_ROOT='/r'\\''oot'", "PID_FILE='/r'\\''oot/jwsgi.pid'")
                .doesNotContain("@JWSGI@", "@ROOT@", "@CWD@", "@PID_FILE@", "@OUTPUT@");
    }
}
