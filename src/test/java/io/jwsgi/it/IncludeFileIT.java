package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** start-server --include-file: a configuration file's mounts and groups in front of the express application. */
class IncludeFileIT {
    static final Path APP = Path.of("src/test/resources/apps/basic.py").toAbsolutePath();
    static final Path ECHO = Path.of("src/test/resources/site/echo.wsgi").toAbsolutePath();

    @TempDir
    Path dir;

    @Test
    void theIncludedMountsRunInTheirOwnGroupAndEverythingElseReachesTheApplication() throws Exception {
        Files.createDirectories(dir.resolve("extra"));
        Files.copy(ECHO, dir.resolve("extra/echo.wsgi"));
        Files.writeString(dir.resolve("notes.txt"), "static notes\n");
        Path include = Files.writeString(dir.resolve("extra.conf"), """
                WSGIDaemonProcess reports threads=2
                WSGIScriptAlias /reports extra/echo.wsgi process-group=reports application-group=%{GLOBAL}
                Alias /notes.txt notes.txt
                <Location /reports/private>
                    Require ip 10.0.0.0/8
                </Location>
                """);
        try (JwsgiProcess server = JwsgiProcess.start(dir.resolve("root"), APP.toString(), "--include-file",
                include.toString())) {
            String report = Http.get(server.url("/reports/q1")).body();
            assertThat(report).as(server.output()).contains("\"mod_wsgi.process_group\": \"reports\"")
                    .contains("\"SCRIPT_NAME\": \"/reports\"").contains("\"PATH_INFO\": \"/q1\"");
            assertThat(Http.get(server.url("/notes.txt")).body()).isEqualTo("static notes\n");
            assertThat(Http.get(server.url("/reports/private/x")).statusCode()).isEqualTo(403);
            assertThat(Http.get(server.url("/anything")).body()).isEqualTo("Hello world!");
            assertThat(server.output()).contains("Process Group      : reports (processes 1, threads 2)");
        }
    }

    @Test
    void aBadIncludeFileStopsTheStartWithItsFileAndLine() throws Exception {
        Path include = Files.writeString(dir.resolve("bad.conf"), """
                WSGIScriptAlias /x /nowhere.wsgi process-group=missing
                Timeout 10
                """);
        List<String> cmd = new ArrayList<>(List.of(JwsgiProcess.java(), "-jar", JwsgiProcess.jar().toString(),
                "start-server", APP.toString(), "--include-file", include.toString(), "--port", "0",
                "--server-root", dir.resolve("root").toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = Http.readAll(p.getInputStream());
        assertThat(p.waitFor()).as(out).isEqualTo(2);
        assertThat(out).contains(include + ":1: WSGIScriptAlias /x: process group 'missing' is not declared")
                .contains(include + ":2: in an --include-file this would change the front end: give start-server's"
                        + " --socket-timeout instead");
    }
}
