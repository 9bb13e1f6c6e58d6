package io.jwsgi.it;

import static io.jwsgi.it.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Django project (Debian's python3-django, and python3-whitenoise) run the mod_wsgi-express way: the integration
 * written into a virtualenv by {@code jwsgi install-package}, then {@code python manage.py runmodwsgi}. The
 * virtualenv is Debian's {@code python3 -m venv --system-site-packages}, so it sees Debian's Django; the machine's
 * interpreters are left as they were. Each INSTALLED_APPS spelling of the integration is used by one test
 * ({@code jwsgi_django}, mod_wsgi 6's {@code mod_wsgi.express}, mod_wsgi 4's {@code mod_wsgi.server}): Django
 * imports them in the workers too, where {@code mod_wsgi} is jwsgi's runtime module.
 */
class DjangoIT {
    private static final String PASSWORD = "correct-horse-battery";

    @TempDir
    static Path shared;
    static Path venv;

    @TempDir
    Path dir;

    @BeforeAll
    static void virtualenvWithTheIntegration() throws Exception {
        FrameworksIT.requireModule("django");
        FrameworksIT.requireModule("whitenoise");
        FrameworksIT.requireModule("ensurepip"); // python3-venv: without it Debian's venv cannot make one
        venv = shared.resolve("venv");
        run(shared, Map.of(), FrameworksIT.DEBIAN_PYTHON, "-m", "venv", "--system-site-packages", venv.toString());
        String out = run(shared, Map.of(), JwsgiProcess.java(), "-jar", JwsgiProcess.jar().toString(), "install-package",
                "--python", python());
        assertThat(out).contains("into " + venv.resolve("lib"));
    }

    static String python() {
        return venv.resolve("bin/python").toString();
    }

    /** Runs a command to its end in {@code cwd}; returns its output, failing the test on a non-zero status. */
    static String run(Path cwd, Map<String, String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + "\n" + out).isZero();
        return out;
    }

    /**
     * {@code django-admin startproject mysite}, with the integration in INSTALLED_APPS, a {@code /hello/} view in
     * {@code mysite/views.py}, STATIC_ROOT, the database migrated, an admin user and collectstatic done.
     */
    private Path project(String integrationApp, String extraSettings) throws Exception {
        return project(integrationApp, extraSettings, Map.of());
    }

    /** The same, with {@code files} (path in the project → text) written before the database is migrated. */
    private Path project(String integrationApp, String extraSettings, Map<String, String> files) throws Exception {
        Path project = Files.createDirectory(dir.resolve("project"));
        run(project, Map.of(), python(), "-m", "django", "startproject", "mysite", ".");
        for (var f : files.entrySet()) {
            Files.createDirectories(project.resolve(f.getKey()).getParent());
            Files.writeString(project.resolve(f.getKey()), f.getValue());
        }
        Path settings = project.resolve("mysite/settings.py");
        String text = Files.readString(settings).replace("    'django.contrib.staticfiles',\n",
                "    'django.contrib.staticfiles',\n    '" + integrationApp + "',\n");
        Files.writeString(settings, text + "\nSTATIC_ROOT = BASE_DIR / 'collected-static'\nALLOWED_HOSTS = ['*']\n"
                + extraSettings);
        Files.writeString(project.resolve("mysite/views.py"), """
                from django.http import HttpResponse

                def hello(request):
                    return HttpResponse('hello v1')
                """);
        Path urls = project.resolve("mysite/urls.py");
        Files.writeString(urls, Files.readString(urls)
                .replace("from django.urls import path", "from django.urls import path\nfrom mysite import views")
                .replace("path('admin/', admin.site.urls),", "path('admin/', admin.site.urls),\n    path('hello/', views.hello),"));
        run(project, Map.of(), python(), "manage.py", "migrate", "-v", "0");
        run(project, Map.of("DJANGO_SUPERUSER_PASSWORD", PASSWORD), python(), "manage.py", "createsuperuser",
                "--noinput", "--username", "admin", "--email", "admin@example.com");
        run(project, Map.of(), python(), "manage.py", "collectstatic", "--noinput", "-v", "0");
        return project;
    }

    /** {@code python manage.py runmodwsgi OPTIONS} in the background, ready to serve. */
    private JwsgiProcess runmodwsgi(Path project, String... options) throws IOException {
        Path root = dir.resolve("server-root");
        List<String> command = new ArrayList<>(List.of(python(), project.resolve("manage.py").toString(), "runmodwsgi",
                "--host", "127.0.0.1", "--port", "0", "--server-root", root.toString(), "--log-to-terminal"));
        command.addAll(List.of(options));
        JwsgiProcess server = JwsgiProcess.launchCommand(root, command, Map.of());
        server.awaitReady(Duration.ofSeconds(90));
        return server;
    }

    private static HttpClient browser() {
        return HttpClient.newBuilder().cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> postForm(HttpClient client, String url, Map<String, String> form)
            throws Exception {
        StringBuilder body = new StringBuilder();
        form.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void logsIntoTheAdminWithItsCsrfTokenAndServesCollectedStaticFilesFromTheFrontEnd() throws Exception {
        Path project = project("jwsgi_django", "");
        try (JwsgiProcess server = runmodwsgi(project, "--processes", "2", "--threads", "4")) {
            assertThat(server.output()).contains("Entry Point        : mysite.wsgi");
            HttpClient client = browser();
            String login = server.url("/admin/login/?next=/admin/");
            HttpResponse<String> form = get(client, login);
            assertThat(form.statusCode()).as(server.output()).isEqualTo(200);
            Matcher token = Pattern.compile("name=\"csrfmiddlewaretoken\" value=\"([^\"]+)\"").matcher(form.body());
            assertThat(token.find()).as(form.body()).isTrue();

            // Without the token Django refuses the POST; with it (and the csrftoken cookie the client kept) it logs in.
            HttpResponse<String> forged = postForm(HttpClient.newHttpClient(), login,
                    Map.of("username", "admin", "password", PASSWORD));
            assertThat(forged.statusCode()).isEqualTo(403);
            HttpResponse<String> loggedIn = postForm(client, login, Map.of("csrfmiddlewaretoken", token.group(1),
                    "username", "admin", "password", PASSWORD, "next", "/admin/"));
            assertThat(loggedIn.statusCode()).as(loggedIn.body()).isEqualTo(302);
            assertThat(loggedIn.headers().firstValue("location")).hasValue("/admin/");
            HttpResponse<String> admin = get(client, server.url("/admin/"));
            assertThat(admin.statusCode()).isEqualTo(200);
            assertThat(admin.body()).contains("Site administration").contains("admin"); // the session cookie works

            // STATIC_URL → STATIC_ROOT as a front-end alias (Django does not serve static files under WSGI).
            HttpResponse<String> css = get(client, server.url("/static/admin/css/base.css"));
            assertThat(css.statusCode()).isEqualTo(200);
            assertThat(css.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/css"));
            assertThat(css.body()).isEqualTo(Files.readString(project.resolve("collected-static/admin/css/base.css")));
            assertThat(css.headers().firstValue("access-control-allow-origin")).isEmpty(); // not whitenoise's
        }
    }

    @Test
    void leavesStaticFilesToWhitenoiseWhenItsMiddlewareIsInstalledAndStopsOnSigtermToManagePy() throws Exception {
        Path project = project("mod_wsgi.express", """
                MIDDLEWARE.insert(1, 'whitenoise.middleware.WhiteNoiseMiddleware')
                """);
        try (JwsgiProcess server = runmodwsgi(project)) {
            HttpResponse<String> css = get(browser(), server.url("/static/admin/css/base.css"));
            assertThat(css.statusCode()).as(server.output()).isEqualTo(200);
            assertThat(css.body()).isEqualTo(Files.readString(project.resolve("collected-static/admin/css/base.css")));
            // whitenoise answered (it adds CORS for static files); jwsgi's own alias would not.
            assertThat(css.headers().firstValue("access-control-allow-origin")).hasValue("*");
            assertThat(get(browser(), server.url("/hello/")).body()).isEqualTo("hello v1");

            // manage.py became jwsgi (exec): SIGTERM to the pid it was started as stops the server gracefully.
            List<Long> workers = server.workerPids();
            assertThat(workers).isNotEmpty();
            server.process().destroy();
            assertThat(server.waitFor(Duration.ofSeconds(60))).as(server.output()).isZero();
            assertThat(workers).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
                    .isNotEqualTo(java.util.Optional.of(true)));
        }
    }

    @Test
    void reloadsTheProjectWhenAModuleChangesWithReloadOnChanges() throws Exception {
        Path project = project("mod_wsgi.server", "");
        try (JwsgiProcess server = runmodwsgi(project, "--reload-on-changes", "--log-level", "info")) {
            assertThat(get(browser(), server.url("/hello/")).body()).as(server.output()).isEqualTo("hello v1");
            Path views = project.resolve("mysite/views.py");
            Files.writeString(views, Files.readString(views).replace("hello v1", "hello v2"));
            eventually(Duration.ofSeconds(60), () ->
                    assertThat(get(browser(), server.url("/hello/")).body()).as(server.output()).isEqualTo("hello v2"));
            assertThat(server.output()).contains("reason=script_reload");
        }
    }

    @Test
    void recoversFromAFirstImportThatFailedOnceTheDatabaseIsUpWithoutARestart() throws Exception {
        // The "database" is a marker file: an app's ready() (run by django.setup(), in the worker's import of
        // mysite.wsgi) fails until it exists. Only when serving (sys.argv is ['mod_wsgi'] in a worker, as under
        // mod_wsgi), so that manage.py itself still runs.
        Path marker = dir.resolve("database-up");
        Path project = project("jwsgi_django", "INSTALLED_APPS.append('inventory')\n", Map.of(
                "inventory/__init__.py", "",
                "inventory/apps.py", """
                        import os, sys
                        from django.apps import AppConfig

                        class InventoryConfig(AppConfig):
                            name = 'inventory'

                            def ready(self):
                                if sys.argv == ['mod_wsgi'] and not os.path.exists(%s):
                                    raise ConnectionError('database is not up yet')
                        """.formatted("'" + marker + "'")));
        try (JwsgiProcess server = runmodwsgi(project, "--log-level", "info")) {
            // The server started although the application did not load; requests get 500 at once meanwhile.
            assertThat(server.awaitOutput("ConnectionError: database is not up yet", Duration.ofSeconds(60)))
                    .as(server.output()).isTrue();
            eventually(Duration.ofSeconds(60), () ->
                    assertThat(server.output()).contains("application failed to load group="));
            assertThat(get(browser(), server.url("/hello/")).statusCode()).isEqualTo(500);

            Files.writeString(marker, "");
            eventually(Duration.ofSeconds(90), () ->
                    assertThat(get(browser(), server.url("/hello/")).body()).isEqualTo("hello v1"));
            // Served by a fresh process (Django's setup() cannot be retried in the one that failed), with no restart
            // of the server.
            assertThat(server.process().isAlive()).isTrue();
            List<String> failed = pids(server.output(), "application failed to load group=");
            List<String> ready = pids(server.output(), "worker ready group=");
            assertThat(failed).isNotEmpty();
            assertThat(ready).hasSize(1).doesNotContainAnyElementsOf(failed);
            assertThat(server.output()).doesNotContain("populate() isn't reentrant");
        }
    }

    private static List<String> pids(String output, String phrase) {
        Pattern pid = Pattern.compile(" pid=(\\d+)");
        return output.lines().filter(l -> l.contains(phrase)).map(l -> {
            Matcher m = pid.matcher(l);
            return m.find() ? m.group(1) : "?";
        }).toList();
    }

    @Test
    void setupOnlyWritesTheServerRootForTheProjectWithoutStarting() throws Exception {
        Path project = project("jwsgi_django", "");
        Path root = dir.resolve("setup-root");
        String out = run(project, Map.of(), python(), "manage.py", "runmodwsgi", "--setup-only", "--server-root",
                root.toString(), "--port", "8123");
        assertThat(out).contains("Control Script").contains(root.toString());
        String saved = Files.readString(root.resolve(out.lines().filter(l -> l.startsWith("Server Arguments"))
                .findFirst().orElseThrow().split(": ", 2)[1].trim()));
        assertThat(saved).contains("mysite.wsgi").contains(project.toString()).contains("/static");
    }
}
