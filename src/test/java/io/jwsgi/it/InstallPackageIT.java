package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jwsgi install-package} against three real interpreters: Debian's /usr/bin/python3 (into its user site,
 * which is under a throwaway PYTHONUSERBASE here), a pyenv interpreter (into its own site-packages, removed again
 * with --uninstall) and a virtualenv. After each, that interpreter imports the integration and finds the jwsgi it
 * was installed from. No interpreter of the machine is left modified.
 */
class InstallPackageIT {
    static final String PYENV_PYTHON = System.getProperty("user.home") + "/.pyenv/versions/3.12.1/bin/python";

    @TempDir
    Path dir;

    record Result(int status, String output) {}

    private Result jwsgi(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(JwsgiProcess.java(), "-jar", JwsgiProcess.jar().toString(),
                "install-package"));
        command.addAll(List.of(args));
        return exec(env, command);
    }

    private Result exec(Map<String, String> env, List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().remove("JWSGI_LAUNCHER"); // what the test records is this JVM and jar
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    /** What {@code python} says, importing the integration the way a manage.py would find it. */
    private String importsTheIntegration(String python, Map<String, String> env, boolean withDjango) throws Exception {
        String code = "import jwsgi_django, jwsgi_django.launcher, mod_wsgi.server, mod_wsgi.express\n"
                + (withDjango ? "import mod_wsgi.server.management.commands.runmodwsgi as c\n"
                        + "import jwsgi_django.management.commands.runmodwsgi as j\n"
                        + "assert c.Command is j.Command\n" : "")
                + "print(jwsgi_django.__file__)\nprint(' '.join(jwsgi_django.launcher.command({})))\n";
        Result r = exec(env, List.of(python, "-c", code));
        assertThat(r.status()).as(r.output()).isZero();
        return r.output();
    }

    private static void requireInterpreter(String python) {
        boolean present = Files.isExecutable(Path.of(python));
        if ("true".equals(System.getenv("CI"))) assertThat(present).as(python + " must exist in CI").isTrue();
        assumeTrue(present, python + " is not installed");
    }

    private static List<Path> files(Path root) throws Exception {
        if (!Files.exists(root)) return List.of();
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void installsForDebiansPythonIntoItsUserSiteWithDjangoImportingTheCommandAndUninstalls() throws Exception {
        FrameworksIT.requireModule("django");
        Map<String, String> env = Map.of("PYTHONUSERBASE", dir.resolve("userbase").toString());
        Result installed = jwsgi(env, "--python", FrameworksIT.DEBIAN_PYTHON, "--user");
        assertThat(installed.status()).as(installed.output()).isZero();
        Path site = Path.of(exec(env, List.of(FrameworksIT.DEBIAN_PYTHON, "-c",
                "import site; print(site.getusersitepackages())")).output().strip());
        assertThat(site).startsWith(dir.resolve("userbase"));
        // It says what it wrote where, file by file, and how to undo it.
        assertThat(installed.output()).contains("wrote 16 files into " + site)
                .contains("  " + site.resolve("mod_wsgi/server/management/commands/runmodwsgi.py"))
                .contains("  " + site.resolve("jwsgi_django/installed.py"))
                .contains("runmodwsgi will run: " + JwsgiProcess.java() + " -jar " + JwsgiProcess.jar())
                .contains("jwsgi install-package --uninstall --python " + FrameworksIT.DEBIAN_PYTHON);
        String imported = importsTheIntegration(FrameworksIT.DEBIAN_PYTHON, env, true);
        assertThat(imported).contains(site.resolve("jwsgi_django/__init__.py").toString())
                .contains(JwsgiProcess.java() + " -jar " + JwsgiProcess.jar());

        Result removed = jwsgi(env, "--python", FrameworksIT.DEBIAN_PYTHON, "--uninstall");
        assertThat(removed.status()).as(removed.output()).isZero();
        assertThat(removed.output()).contains("removed 16 files").contains("  removed " + site.resolve("mod_wsgi/__init__.py"));
        assertThat(files(site)).isEmpty();
        assertThat(exec(env, List.of(FrameworksIT.DEBIAN_PYTHON, "-c", "import jwsgi_django")).status()).isNotZero();
        assertThat(Path.of(exec(env, List.of(FrameworksIT.DEBIAN_PYTHON, "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])")).output().strip(), "jwsgi_django")).doesNotExist();
    }

    @Test
    void installsIntoAPyenvInterpretersSitePackagesAndUninstallLeavesItAsItWas() throws Exception {
        requireInterpreter(PYENV_PYTHON);
        Map<String, String> env = Map.of("PYTHONUSERBASE", dir.resolve("userbase").toString());
        Path site = Path.of(exec(env, List.of(PYENV_PYTHON, "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])")).output().strip());
        assertThat(site.resolve("jwsgi_django")).as("left over from an earlier run").doesNotExist();
        assertThat(site.resolve("mod_wsgi")).as("a mod_wsgi of its own; this test would not touch it").doesNotExist();
        List<Path> before = files(site);
        try {
            Result installed = jwsgi(env, "--python", PYENV_PYTHON);
            assertThat(installed.status()).as(installed.output()).isZero();
            assertThat(installed.output()).contains("(Python 3.12) wrote 16 files into " + site);
            assertThat(importsTheIntegration(PYENV_PYTHON, env, false))
                    .contains(site.resolve("jwsgi_django/__init__.py").toString());
        } finally {
            Result removed = jwsgi(env, "--python", PYENV_PYTHON, "--uninstall");
            assertThat(removed.status()).as(removed.output()).isZero();
        }
        assertThat(site.resolve("jwsgi_django")).doesNotExist();
        assertThat(site.resolve("mod_wsgi")).doesNotExist();
        assertThat(files(site)).containsExactlyInAnyOrderElementsOf(before);
    }

    @Test
    void installsIntoAVirtualenvAgainIdempotentlyAndRefusesToOverwriteAForeignModWsgi() throws Exception {
        FrameworksIT.requireModule("ensurepip");
        Path venv = dir.resolve("venv");
        Result made = exec(Map.of(), List.of(FrameworksIT.DEBIAN_PYTHON, "-m", "venv", venv.toString()));
        assertThat(made.status()).as(made.output()).isZero();
        String python = venv.resolve("bin/python").toString();
        Path site = Path.of(exec(Map.of(), List.of(python, "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])")).output().strip());
        assertThat(site).startsWith(venv);

        Result first = jwsgi(Map.of(), "--python", python);
        assertThat(first.status()).as(first.output()).isZero();
        assertThat(first.output()).contains("wrote 16 files into " + site);
        Files.writeString(site.resolve("jwsgi_django/stale.py"), "# from an older jwsgi\n");
        Result again = jwsgi(Map.of(), "--python", python);
        assertThat(again.status()).as(again.output()).isZero();
        assertThat(site.resolve("jwsgi_django/stale.py")).as("a reinstall replaces the whole copy").doesNotExist();
        assertThat(files(site.resolve("jwsgi_django"))).hasSize(7);
        assertThat(importsTheIntegration(python, Map.of(), false)).contains(site.toString());

        // A user site is off in a virtualenv without system site packages: --user says so.
        Result user = jwsgi(Map.of(), "--python", python, "--user");
        assertThat(user.status()).isEqualTo(2);
        assertThat(user.output()).contains("--user: " + python + " has its user site turned off");

        // mod_wsgi from PyPI in the same site-packages is left alone.
        jwsgi(Map.of(), "--python", python, "--uninstall");
        Path foreign = Files.createDirectories(site.resolve("mod_wsgi")).resolve("__init__.py");
        Files.writeString(foreign, "# mod_wsgi from PyPI\n");
        Result refused = jwsgi(Map.of(), "--python", python);
        assertThat(refused.status()).isEqualTo(2);
        assertThat(refused.output()).contains(site.resolve("mod_wsgi") + " is a mod_wsgi package that is not jwsgi's");
        assertThat(Files.readString(foreign)).isEqualTo("# mod_wsgi from PyPI\n");
        assertThat(site.resolve("jwsgi_django")).doesNotExist();
    }

    @Test
    void badInputNamesTheOptionAndTheValue() throws Exception {
        Map<String, String> env = new HashMap<>();
        Result unknown = jwsgi(env, "--pyhton", "/usr/bin/python3");
        assertThat(unknown.status()).isEqualTo(2);
        assertThat(unknown.output()).contains("install-package: unknown option '--pyhton'");
        Result missing = jwsgi(env, "--python", dir.resolve("no-python").toString());
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.output()).contains("python interpreter not found: " + dir.resolve("no-python") + " (--python)");
        Result noValue = jwsgi(env, "--python");
        assertThat(noValue.status()).isEqualTo(2);
        assertThat(noValue.output()).contains("--python needs a PATH");
    }
}
