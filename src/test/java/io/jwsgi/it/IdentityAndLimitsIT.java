package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Groups for workers and services when started as root, and the CPU-time limit's graceful recycle. */
class IdentityAndLimitsIT {
    @TempDir
    Path root;

    private static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }

    /** A directory everyone can read (and, if asked, write), with the given file in it. */
    private Path publicFile(String dir, String name, String content, boolean writable) throws Exception {
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path d = Files.createDirectories(root.resolve(dir));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString(writable ? "rwxrwxrwx" : "rwxr-xr-x"));
        Path f = d.resolve(name);
        Files.writeString(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        return f;
    }

    @Test
    void workersTakeTheGroupAndSupplementaryGroupsAsked() throws Exception {
        assumeTrue(isRoot() || "true".equals(System.getenv("CI")), "needs root");
        Path app = publicFile("app", "ids.py", String.join("\n",
                "import os",
                "def application(environ, start_response):",
                "    start_response('200 OK', [('Content-Type', 'text/plain')])",
                "    return [('%d %d %s' % (os.getuid(), os.getgid(), sorted(os.getgroups()))).encode()]",
                ""), false);
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("server"), app.toString(), "--user", "nobody",
                "--group", "nogroup", "--supplementary-groups", "daemon,users",
                "--working-directory", app.getParent().toString())) {
            HttpResponse<String> r = Http.get(server.url("/"));
            assertThat(r.statusCode()).as(server.output()).isEqualTo(200);
            // Debian: nobody 65534, nogroup 65534, daemon 1, users 100.
            assertThat(r.body()).isEqualTo("65534 65534 [1, 100]");
        }
    }

    @Test
    void aServiceScriptRunsAsTheServiceUserAndGroup() throws Exception {
        assumeTrue(isRoot() || "true".equals(System.getenv("CI")), "needs root");
        Path script = publicFile("svc", "whoami.py", String.join("\n",
                "import os, time",
                "out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ids.txt')",
                "with open(out, 'w') as f:",
                "    f.write('%d %d' % (os.getuid(), os.getgid()))",
                "while True:",
                "    time.sleep(0.2)",
                ""), true);
        Path app = publicFile("app", "hello.py", String.join("\n",
                "def application(environ, start_response):",
                "    start_response('200 OK', [('Content-Type', 'text/plain')])",
                "    return [b'ok']",
                ""), false);
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("server"), app.toString(),
                "--service-script", "who", script.toString(), "--service-user", "who", "nobody", "--service-group", "who", "nogroup",
                // Debian's interpreter: pyenv's lives under /root, which nobody cannot read.
                "--python", "/usr/bin/python3",
                // The default working directory is the current one, which nobody may not be allowed to enter.
                "--working-directory", script.getParent().toString())) {
            Path ids = script.getParent().resolve("ids.txt");
            for (int i = 0; i < 300 && !(Files.exists(ids) && !Files.readString(ids).isEmpty()); i++) Thread.sleep(50);
            assertThat(Files.exists(ids)).as(server.output()).isTrue();
            assertThat(Files.readString(ids)).isEqualTo("65534 65534");
        }
    }

    @Test
    void aWorkerPastItsCpuTimeLimitIsRecycledAfterItsRequestFinishes() throws Exception {
        Path app = publicFile("app", "burn.py", String.join("\n",
                "import os, time",
                "def application(environ, start_response):",
                "    if environ['PATH_INFO'] == '/burn':",
                "        end = time.process_time() + 2.5",
                "        while time.process_time() < end:",
                "            pass",
                "    start_response('200 OK', [('Content-Type', 'text/plain')])",
                "    return [str(os.getpid()).encode()]",
                ""), false);
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("server"), app.toString(),
                "--cpu-time-limit", "1", "--log-level", "info")) {
            long first = Long.parseLong(Http.get(server.url("/")).body());
            HttpResponse<String> burn = Http.get(server.url("/burn"));
            assertThat(burn.statusCode()).as("the request that crossed the limit still completes\n" + server.output())
                    .isEqualTo(200);
            assertThat(server.awaitOutput("reason=cpu_time_limit", Duration.ofSeconds(20))).as(server.output()).isTrue();
            long next = first;
            for (int i = 0; i < 200 && next == first; i++) {
                HttpResponse<String> r = Http.get(server.url("/"));
                if (r.statusCode() == 200) next = Long.parseLong(r.body());
                Thread.sleep(50);
            }
            assertThat(next).as(server.output()).isNotEqualTo(first);
        }
    }
}
