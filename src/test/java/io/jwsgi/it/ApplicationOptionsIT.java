package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the application is found and run: module type, paths, interpreters, virtualenvs, signals. */
class ApplicationOptionsIT {
    static final Path APPS = Path.of("src/test/resources/apps").toAbsolutePath();
    static final Path PYTHON_313 = Path.of(System.getProperty("user.home"), ".pyenv/versions/3.13.0/bin/python3");

    @TempDir
    Path root;

    @Test
    void importsAModuleByNameWithPythonPathWorkingDirectoryAndCallableObject() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, "--application-type", "module", "mysite.wsgi",
                "--callable-object", "app", "--working-directory", APPS.resolve("pkg").toString(),
                "--python-path", APPS.resolve("extra").toString())) {
            String[] f = Http.get(server.url("/")).body().split("\\|");
            assertThat(f[0]).as(server.output()).isEqualTo("mysite.wsgi");
            assertThat(f[1]).isEqualTo(APPS.resolve("pkg").toString());
            assertThat(f[2]).isEqualTo("found-on-python-path");
        }
    }

    @Test
    void runsTheWorkersOnAnotherInterpreter() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON_313) || "true".equals(System.getenv("CI")), "no pyenv 3.13 here");
        try (JwsgiProcess server = JwsgiProcess.start(root, APPS.resolve("pep3333.py").toString(),
                "--python", PYTHON_313.toString())) {
            HttpPathIT.Wire w = new HttpPathIT.Wire(server.port());
            w.send("GET /environ HTTP/1.1\r\nHost: localhost\r\n\r\n");
            Pep3333IT.Environ env = Pep3333IT.Environ.of(w.read());
            w.close();
            assertThat(env.str("PATH_INFO")).isEqualTo("/environ");
            assertThat(server.output()).contains("Python Executable  : " + PYTHON_313);
        }
    }

    @Test
    void runsTheWorkersInAVirtualenvGivenWithPythonHome() throws Exception {
        Path venv = root.resolve("venv");
        Process p = new ProcessBuilder("python3", "-m", "venv", "--without-pip", venv.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes())).isZero();
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("srv"), "--application-type", "module",
                "mysite.wsgi", "--callable-object", "app", "--working-directory", APPS.resolve("pkg").toString(),
                "--python-path", APPS.resolve("extra").toString(), "--python-home", venv.toString())) {
            String[] f = Http.get(server.url("/")).body().split("\\|");
            assertThat(f[4]).as(server.output()).isEqualTo(venv.toString());
        }
    }

    @Test
    void keepsTheChannelSocketsInADirectoryOnlyTheServerUserCanEnter() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APPS.resolve("basic.py").toString())) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("sockets"))))
                    .isEqualTo("rwx------");
        }
    }

    @Test
    void ctrlCStopsTheServerAndEveryWorker() throws Exception {
        JwsgiProcess server = JwsgiProcess.start(root, APPS.resolve("basic.py").toString(), "--processes", "2");
        List<Long> workers = server.workerPids();
        assertThat(workers).isNotEmpty();
        new ProcessBuilder("kill", "-INT", Long.toString(server.process().pid())).start().waitFor();
        assertThat(server.waitFor(Duration.ofSeconds(20))).as(server.output()).isZero();
        for (long pid : workers) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("worker %d", pid).isFalse();
        }
    }
}
