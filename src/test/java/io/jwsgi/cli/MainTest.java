package io.jwsgi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.config.Environment;
import io.jwsgi.config.ServerConfig;
import io.jwsgi.config.Setting;
import io.jwsgi.config.StartServerSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path temp;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final List<ServerConfig> started = new ArrayList<>();
    Environment environment;

    @BeforeEach
    void fakePythonOnPath() throws IOException {
        Path python = Files.createDirectories(temp.resolve("bin")).resolve("python3");
        Files.writeString(python, "#!/bin/sh\n");
        Files.setPosixFilePermissions(python, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(temp.resolve("app.py"), "");
        environment = new Environment(Map.of("PATH", python.getParent().toString()), temp, 1000);
    }

    private int run(ToIntFunction<ServerConfig> server, String... args) {
        Main main = new Main(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), () -> environment, server);
        return main.run(List.of(args));
    }

    private int run(String... args) {
        return run(config -> {
            started.add(config);
            return 0;
        }, args);
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsTheVersion() {
        assertThat(run("--version")).isZero();
        assertThat(stdout()).isEqualTo("jwsgi 0.1.0\n");
    }

    @Test
    void helpListsTheCommands() {
        assertThat(run("--help")).isZero();
        assertThat(stdout()).contains("start-server [SCRIPT] [options]", "settings-doc", "--version");
    }

    @Test
    void noArgumentsListsTheCommandsAsAUsageError() {
        assertThat(run()).isEqualTo(2);
        assertThat(stderr()).contains("start-server");
    }

    @Test
    void rejectsAnUnknownCommand() {
        assertThat(run("start-sever")).isEqualTo(2);
        assertThat(stderr()).isEqualTo("jwsgi: unknown command 'start-sever' (see jwsgi --help)\n");
    }

    @Test
    void startServerHelpListsEverySettingWithMetavarDefaultAndHelp() {
        assertThat(run("start-server", "--help")).isZero();

        String help = stdout();
        for (Setting<?> setting : StartServerSettings.ALL) {
            assertThat(help).contains("  " + setting.synopsis() + "\n");
            assertThat(help.replaceAll("\\s+", " ")).contains(setting.help().replaceAll("\\s+", " "));
            if (setting.defaultText() != null) {
                assertThat(help.replaceAll("\\s+", " ")).contains("[default: " + setting.defaultText() + "]");
            }
        }
        assertThat(started).isEmpty();
    }

    @Test
    void startServerHelpDocumentsTheExitCodes() {
        run("start-server", "app.py", "--help");

        for (ExitCode exit : ExitCode.values()) {
            assertThat(stdout()).contains("  " + exit.code() + "  " + exit.meaning());
        }
    }

    @Test
    void startServerPassesTheParsedConfigToTheServerAndExitsWithItsCode() {
        int status = run(config -> {
            started.add(config);
            return 3;
        }, "start-server", "app.py", "--port", "0");

        assertThat(status).isEqualTo(3);
        assertThat(started).singleElement().satisfies(config -> {
            assertThat(config.port()).isZero();
            assertThat(config.entryPoint()).isEqualTo(temp.resolve("app.py").toString());
        });
    }

    @Test
    void aConfigurationErrorExitsWith2AndStartsNothing() {
        assertThat(run("start-server", "app.py", "--processes", "abc")).isEqualTo(2);

        assertThat(stderr()).isEqualTo("jwsgi: --processes: 'abc' is not a whole number\n");
        assertThat(started).isEmpty();
    }

    @Test
    void anUnexpectedExceptionExitsWith1AndSaysWhat() {
        int status = run(config -> {
            throw new IllegalStateException("boom");
        }, "start-server", "app.py");

        assertThat(status).isEqualTo(1);
        assertThat(stderr()).startsWith("jwsgi: internal error: java.lang.IllegalStateException: boom\n");
    }

    @Test
    void settingsDocPrintsTheGeneratedMarkdown() {
        assertThat(run("settings-doc")).isZero();
        assertThat(stdout()).isEqualTo(SettingsDoc.render(StartServerSettings.ALL));
    }
}
