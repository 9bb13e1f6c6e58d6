package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the worker process applies to itself before the application loads (limits, identity, umask, name,
 * interpreter environment) and the mod_wsgi events it publishes, observed from the application
 * ({@code apps/lifecycle_app.py} reports {@code key=value} lines) and from outside ({@code /proc}, the log).
 */
class WorkerLifecycleIT {
    static final Path APPS = Path.of("src/test/resources/apps").toAbsolutePath();

    @TempDir
    Path root;

    /** The app's facts: key → JSON-encoded value. */
    static Map<String, String> facts(JwsgiProcess server) throws Exception {
        HttpResponse<String> r = Http.get(server.url("/"));
        assertThat(r.statusCode()).as(server.output()).isEqualTo(200);
        Map<String, String> facts = new LinkedHashMap<>();
        for (String line : r.body().split("\n")) {
            int eq = line.indexOf('=');
            facts.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return facts;
    }

    Path app() throws Exception {
        Path app = root.resolve("app").resolve("lifecycle_app.py");
        Files.createDirectories(app.getParent());
        Files.copy(APPS.resolve("lifecycle_app.py"), app);
        return app;
    }

    @Test
    void limitsUmaskAndProcessNameAreAppliedBeforeTheApplicationLoads() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("srv"), app().toString(),
                "--memory-limit", "3221225472", "--virtual-memory-limit", "4294967296",
                "--cpu-time-limit", "100", "--umask", "0027", "--process-name", "jwsgi-it-worker")) {
            Map<String, String> f = facts(server);
            assertThat(f.get("data")).as(server.output()).isEqualTo("[3221225472, 3221225472]");
            assertThat(f.get("as")).isEqualTo("[4294967296, 4294967296]");
            assertThat(f.get("cpu")).startsWith("[100, ");
            assertThat(f.get("umask")).isEqualTo("\"0o27\"");
            // Linux keeps 15 bytes of a thread name.
            assertThat(f.get("comm")).isEqualTo("\"jwsgi-it-worker\"");
            Path comm = Path.of("/proc", f.get("pid"), "comm");
            if (Files.exists(comm)) {
                assertThat(Files.readString(comm).strip()).isEqualTo("jwsgi-it-worker");
            }
        }
    }

    @Test
    void pythonHashSeedDontWriteBytecodeAndLangReachTheInterpreter() throws Exception {
        // What CPython itself answers with PYTHONHASHSEED=0.
        ProcessBuilder pb = new ProcessBuilder("python3", "-c", "print(hash('jwsgi'))").redirectErrorStream(true);
        pb.environment().put("PYTHONHASHSEED", "0");
        Process seeded = pb.start();
        String expected = new String(seeded.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(seeded.waitFor()).isZero();
        Path app = app();
        Path helper = app.getParent().resolve("lifecycle_helper.py");
        Files.writeString(helper, "VALUE = 1\n");
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("srv"), app.toString(),
                "--python-hash-seed", "0", "--dont-write-bytecode", "--lang", "C.UTF-8",
                "--setenv", "JWSGI_IT_IMPORT", "lifecycle_helper")) {
            Map<String, String> f = facts(server);
            assertThat(f.get("hash")).as(server.output()).isEqualTo(expected);
            assertThat(f.get("dont_write_bytecode")).isEqualTo("1");
            assertThat(f.get("LANG")).isEqualTo("\"C.UTF-8\"");
            assertThat(app.getParent().resolve("__pycache__")).doesNotExist();
        }
    }

    @Test
    void publishesRequestEventsToTheApplication() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("srv"), app().toString())) {
            facts(server);
            assertThat(server.awaitOutput("lifecycle event request_finished request_id=", Duration.ofSeconds(10)))
                    .as(server.output()).isTrue();
        }
    }
}
