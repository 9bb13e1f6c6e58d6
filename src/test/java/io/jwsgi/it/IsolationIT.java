package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Privilege and isolation (docs/reliability.md): a failed privilege drop stops the worker before the app loads;
 * the worker channel socket is out of other local users' reach, and a connection with a wrong token is refused;
 * a server root planted by someone else in the shared temporary directory is refused.
 */
class IsolationIT {
    static final Path APPS = Path.of("src/test/resources/apps").toAbsolutePath();
    static final boolean ROOT = new com.sun.security.auth.module.UnixSystem().getUid() == 0;

    @TempDir
    Path root;

    /** An app, readable by every user, that leaves a file behind when it is imported at all. */
    Path markingApp() throws IOException {
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path app = Files.createDirectories(root.resolve("app"));
        Files.setPosixFilePermissions(app, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path script = app.resolve("marking.py");
        Files.writeString(script, String.join("\n",
                "import os",
                "open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'imported'), 'w').close()",
                "def application(environ, start_response):",
                "    start_response('200 OK', [('Content-Type', 'text/plain')])",
                "    return [str(os.getuid()).encode()]",
                ""));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
        return script;
    }

    @Test
    void asRootAPrivilegeDropThatFailsStopsTheWorkerBeforeTheApplicationLoads() throws Exception {
        assumeTrue(ROOT, "needs root");
        Path app = markingApp();
        // (gid_t) -1 is not a group setgroups(2) can apply: EINVAL, a real failure of the drop.
        JwsgiProcess server = JwsgiProcess.launch(root.resolve("srv"), app.toString(), "--user", "nobody",
                "--supplementary-groups", "#4294967295", "--working-directory", app.getParent().toString());
        try {
            assertThat(server.waitFor(Duration.ofSeconds(30))).as(server.output()).isEqualTo(3);
            assertThat(server.output()).contains("cannot apply supplementary_groups").contains("setgroups")
                    .contains("worker process exited during start-up");
            assertThat(app.resolveSibling("imported")).as("the application was imported").doesNotExist();
        } finally {
            server.close();
        }
    }

    @Test
    void asRootTheChannelSocketCannotBeReachedByAnotherLocalUser() throws Exception {
        assumeTrue(ROOT, "needs root");
        Path app = markingApp();
        for (List<String> identity : List.of(List.<String>of(), List.of("--user", "nobody"))) {
            Files.deleteIfExists(app.resolveSibling("imported")); // the last run's, owned by its user
            Path serverRoot = root.resolve("srv" + identity.size());
            String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of(app.toString(),
                    "--working-directory", app.getParent().toString()), identity.stream()).toArray(String[]::new);
            try (JwsgiProcess server = JwsgiProcess.start(serverRoot, args)) {
                assertThat(Http.get(server.url("/")).statusCode()).as(server.output()).isEqualTo(200);
                Path socket = serverRoot.resolve("sockets/0.sock");
                assertThat(socket).exists();
                // Someone other than the workers' user: daemon.
                Process p = new ProcessBuilder("runuser", "-u", "daemon", "--", "python3", "-c",
                        "import socket, sys\ns = socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\nprint('connected')",
                        socket.toString()).redirectErrorStream(true).start();
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.exitValue()).as(out).isNotZero();
                assertThat(out).contains("PermissionError").doesNotContain("connected");
            }
        }
    }

    @Test
    void aChannelThatDoesNotOpenWithTheServersTokenIsRefusedAndLogged() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("srv"), APPS.resolve("faults.py").toString())) {
            Path socket = root.resolve("srv/sockets/0.sock");
            String pid = Long.toString(server.workerPids().getFirst());
            // A well-formed HELLO with a wrong token, then frame-like bytes that are not a HELLO at all.
            assertThat(refused(socket, hello("0".repeat(32) + " " + pid + " 0 0"))).isTrue();
            assertThat(server.awaitOutput("reason=bad token", Duration.ofSeconds(10))).as(server.output()).isTrue();
            assertThat(refused(socket, frame((byte) 'Q', "{}".getBytes(StandardCharsets.US_ASCII)))).isTrue();
            assertThat(server.awaitOutput("reason=first frame is not HELLO", Duration.ofSeconds(10)))
                    .as(server.output()).isTrue();
            assertThat(Http.get(server.url("/fast")).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aDefaultServerRootPlantedAsASymbolicLinkIsRefused() throws Exception {
        Path tmp = Files.createDirectories(root.resolve("tmp"));
        Path target = Files.createDirectories(root.resolve("attacker"));
        long uid = new com.sun.security.auth.module.UnixSystem().getUid();
        Path planted = Files.createSymbolicLink(tmp.resolve("jwsgi-127.0.0.1:0:" + uid), target);
        ProcessBuilder pb = new ProcessBuilder(JwsgiProcess.java(), "-jar", JwsgiProcess.jar().toString(),
                "start-server", APPS.resolve("faults.py").toString(), "--host", "127.0.0.1", "--port", "0")
                .redirectErrorStream(true);
        pb.environment().put("TMPDIR", tmp.toString());
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isEqualTo(2);
        assertThat(out).contains("server root " + planted + " is a symbolic link");
        assertThat(target).isEmptyDirectory();
    }

    static byte[] hello(String text) {
        return frame((byte) 'W', text.getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] frame(byte type, byte[] payload) {
        return ByteBuffer.allocate(5 + payload.length).put(type).putInt(payload.length).put(payload).array();
    }

    /** Connects, sends the bytes and returns whether the server then closed the channel. */
    static boolean refused(Path socket, byte[] bytes) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(bytes));
            ByteBuffer in = ByteBuffer.allocate(64);
            try {
                return ch.read(in) < 0;
            } catch (IOException reset) {
                return true;
            }
        }
    }
}
