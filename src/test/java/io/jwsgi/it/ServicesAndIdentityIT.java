package io.jwsgi.it;

import static io.jwsgi.it.LifecycleIT.APP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The supervisor's side of --service-script (restart, stop) and of --user (the socket handed to that user). */
class ServicesAndIdentityIT {
    @TempDir
    Path root;

    private static final String SERVICE = String.join("\n",
            "import os, sys, time",
            "log = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'service.log')",
            "def note(text):",
            "    with open(log, 'a') as f:",
            "        f.write(text + '\\n')",
            "note('started %d' % os.getpid())",
            "try:",
            "    while True:",
            "        time.sleep(0.1)",
            "finally:",
            "    note('stopped %d' % os.getpid())",
            "");

    private static List<String> awaitLines(Path log, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                List<String> lines = Files.readAllLines(log);
                if (lines.size() >= count) return lines;
            }
            Thread.sleep(50);
        }
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    @Test
    void aServiceScriptRunsSupervisedIsRestartedWhenItExitsAndStoppedWithTheServer() throws Exception {
        Path dir = Files.createDirectories(root.resolve("svc"));
        Files.writeString(dir.resolve("tick.py"), SERVICE);
        Path log = dir.resolve("service.log");
        JwsgiProcess server = JwsgiProcess.start(root.resolve("server"), APP.toString(),
                "--service-script", "tick", dir.resolve("tick.py").toString(), "--log-level", "info");
        try {
            List<String> lines = awaitLines(log, 1);
            assertThat(lines).as(server.output()).hasSize(1);
            long first = Long.parseLong(lines.getFirst().substring("started ".length()));
            assertThat(Http.get(server.url("/pid")).statusCode()).isEqualTo(200);

            new ProcessBuilder("kill", "-9", Long.toString(first)).start().waitFor();
            lines = awaitLines(log, 2);
            assertThat(lines).as(server.output()).hasSize(2);
            long second = Long.parseLong(lines.get(1).substring("started ".length()));
            assertThat(second).isNotEqualTo(first);
            assertThat(server.output()).contains("worker exited group=service:tick slot=0 pid=" + first);
            // mod_wsgi-express's display name for a service: (wsgi:service:NAME).
            assertThat(Files.readString(Path.of("/proc", Long.toString(second), "comm")))
                    .as("process name (15 characters)").startsWith("(wsgi:service:t");

            new ProcessBuilder("kill", "-TERM", Long.toString(server.process().pid())).start().waitFor();
            assertThat(server.waitFor(Duration.ofSeconds(20))).isZero();
            // SIGTERM became SystemExit in the script: its finally block ran.
            assertThat(awaitLines(log, 3)).contains("stopped " + second);
        } finally {
            server.close();
        }
    }

    @Test
    void asRootWithUserTheWorkersRunAsThatUserAndCanReachTheSocket() throws Exception {
        assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0, "needs root");
        // The worker, as nobody, must read the app and the runtime under the server root.
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path app = Files.createDirectories(root.resolve("app"));
        Files.writeString(app.resolve("whoami.py"), String.join("\n",
                "import os",
                "def application(environ, start_response):",
                "    start_response('200 OK', [('Content-Type', 'text/plain')])",
                "    return [str(os.getuid()).encode()]",
                ""));
        Files.setPosixFilePermissions(app, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(app.resolve("whoami.py"), PosixFilePermissions.fromString("rw-r--r--"));
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("server"), app.resolve("whoami.py").toString(),
                "--user", "nobody", "--working-directory", app.toString())) {
            HttpResponse<String> r = Http.get(server.url("/"));
            assertThat(r.statusCode()).as(server.output()).isEqualTo(200);
            assertThat(r.body()).isNotEqualTo("0");
            assertThat(Files.getOwner(root.resolve("server/sockets")).getName()).isEqualTo("nobody");
        }
    }

    @Test
    void asRootAnUnknownUserIsAConfigurationError() throws Exception {
        assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0, "needs root");
        JwsgiProcess server = JwsgiProcess.launch(root, APP.toString(), "--user", "no-such-user-jwsgi");
        try {
            assertThat(server.waitFor(Duration.ofSeconds(20))).as(server.output()).isEqualTo(2);
            assertThat(server.awaitOutput("--user: no such user 'no-such-user-jwsgi'", Duration.ofSeconds(5)))
                    .as(server.output()).isTrue();
        } finally {
            server.close();
        }
    }
}
