package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real frameworks, unchanged, on Debian's python3-flask and python3-django (workers on /usr/bin/python3).
 * Under CI=true a missing package is a failure, not a skip: .ci/run installs them.
 */
class FrameworksIT {
    static final Path APPS = Path.of("src/test/resources/apps").toAbsolutePath();
    static final String DEBIAN_PYTHON = "/usr/bin/python3";

    @TempDir
    Path root;

    static void requireModule(String module) throws Exception {
        boolean present = Files.isExecutable(Path.of(DEBIAN_PYTHON))
                && new ProcessBuilder(DEBIAN_PYTHON, "-c", "import " + module).start().waitFor() == 0;
        if ("true".equals(System.getenv("CI"))) {
            assertThat(present).as("%s for %s must be installed in CI (.ci/run)", module, DEBIAN_PYTHON).isTrue();
        }
        assumeTrue(present, module + " is not installed for " + DEBIAN_PYTHON);
    }

    @Test
    void runsAFlaskApplicationUnchanged() throws Exception {
        requireModule("flask");
        try (JwsgiProcess server = JwsgiProcess.start(root, APPS.resolve("flask_app.py").toString(),
                "--python", DEBIAN_PYTHON, "--processes", "2", "--threads", "4")) {
            assertThat(Http.get(server.url("/")).body()).as(server.output()).isEqualTo("Hello from Flask");
            HttpResponse<String> json = Http.get(server.url("/json"));
            assertThat(json.headers().firstValue("content-type")).hasValue("application/json");
            assertThat(json.body().replace(" ", "").replace("\n", "")).contains("\"items\":[1,2,3]").contains("\"message\":\"hello\"");
            HttpResponse<String> form = Http.send(HttpRequest.newBuilder(URI.create(server.url("/form")))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("name=jwsgi&pad=" + "x".repeat(100_000))).build());
            assertThat(form.body()).isEqualTo("name=jwsgi pad=100000");
            assertThat(Http.get(server.url("/go")).statusCode()).isEqualTo(302);
            assertThat(Http.get(server.url("/nope")).statusCode()).isEqualTo(404);
            assertThat(Http.get(server.url("/stream")).body()).isEqualTo("line 0\nline 1\nline 2\nline 3\nline 4\n");
            assertThat(Http.get(server.url("/cookies")).headers().allValues("set-cookie")).hasSize(2);
        }
    }

    @Test
    void runsADjangoApplicationUnchangedUnderAMountPoint() throws Exception {
        requireModule("django");
        try (JwsgiProcess server = JwsgiProcess.start(root, APPS.resolve("django_app.py").toString(),
                "--python", DEBIAN_PYTHON, "--mount-point", "/site")) {
            assertThat(Http.get(server.url("/site/")).body()).as(server.output()).isEqualTo("Hello from Django");
            String info = Http.get(server.url("/site/info/?q=caf%C3%A9")).body();
            assertThat(info).contains("\"path\": \"/site/info/\"").contains("\"script_name\": \"/site\"")
                    .contains("\"query\": \"caf\\u00e9\"");
            HttpResponse<String> upload = Http.send(HttpRequest.newBuilder(URI.create(server.url("/site/upload/")))
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[300_000])).build());
            assertThat(upload.body()).isEqualTo("got 300000 bytes");
            assertThat(Http.get(server.url("/site/missing/")).statusCode()).isEqualTo(404);
        }
    }
}
