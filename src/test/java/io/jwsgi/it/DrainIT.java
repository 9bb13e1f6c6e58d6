package io.jwsgi.it;

import static io.jwsgi.it.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Draining on SIGTERM (docs/lifecycle.md "Stopping: the drain"), with a real server, a real worker and real
 * clients. The application's requests run until the test releases them, and the drain delay is ended by a second
 * SIGTERM, so nothing here depends on how fast the machine is.
 */
class DrainIT {
    static final Path APP = Path.of("src/test/resources/apps/drain_app.py").toAbsolutePath();
    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path root;
    @TempDir
    Path dir;

    private JwsgiProcess start(String... extra) throws IOException {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(APP.toString(),
                "--processes", "1", "--threads", "2", "--health-check-path", "/health", "--server-status",
                "--access-log", "--log-level", "info", "--setenv", "DRAIN_DIR", dir.toString()));
        args.addAll(java.util.List.of(extra));
        return JwsgiProcess.start(root, args.toArray(String[]::new));
    }

    @Test
    void aStoppingServerDrainsKeepAliveConnectionsAndFinishesEveryRequestItHas() throws Exception {
        try (JwsgiProcess server = start("--drain-delay", "600", "--shutdown-timeout", "120", "--keep-alive-timeout", "600")) {
            int port = server.port();
            try (Client keptAlive = new Client(port)) {
                Reply first = keptAlive.get("/hello");
                assertThat(first.status()).isEqualTo(200);
                assertThat(first.header("connection")).isNull(); // a keep-alive connection to begin with

                // Two requests take both worker threads; a third waits in the queue.
                CompletableFuture<Reply> b = inFlight(port, "/block?b");
                CompletableFuture<Reply> c = inFlight(port, "/block?c");
                awaitStarted("b", server);
                awaitStarted("c", server);
                CompletableFuture<Reply> queued = inFlight(port, "/block?q");
                eventually(WAIT, () -> assertThat(Http.get(server.url("/server-status?auto")).body())
                        .contains("QueuedRequests: 1"));

                server.process().toHandle().destroy(); // SIGTERM
                // The health check says 503 at once, on a new connection: the listener still accepts.
                eventually(WAIT, () -> assertThat(Http.get(server.url("/health")).statusCode()).isEqualTo(503));
                assertThat(Http.get(server.url("/health")).body()).contains("stopping");

                // The kept-alive connection is told to close with its next response (here the health check's: both
                // worker threads are busy), and is closed after it.
                Reply next = keptAlive.get("/health");
                assertThat(next.status()).isEqualTo(503);
                assertThat(next.header("connection")).isEqualTo("close");
                assertThat(keptAlive.atEndOfStream()).as("closed after its response").isTrue();

                // The requests in flight finish, and so does the queued one once a thread is free.
                release("b");
                assertThat(b.get().status()).as(server.output()).isEqualTo(200);
                assertThat(b.get().body()).isEqualTo("finished b");
                awaitStarted("q", server);
                release("q");
                assertThat(queued.get().body()).as(server.output()).isEqualTo("finished q");

                // A client connecting during the drain delay is served by the application, and told to close too.
                try (Client late = new Client(port)) {
                    Reply served = late.get("/hello");
                    assertThat(served.status()).as(server.output()).isEqualTo(200);
                    assertThat(served.body()).isEqualTo("hello");
                    assertThat(served.header("connection")).isEqualTo("close");
                }
                assertThat(server.output()).doesNotContain("server listener closed");

                // A second SIGTERM ends the drain delay: the listener closes, new connections are refused...
                server.process().toHandle().destroy();
                assertThat(server.awaitOutput("server listener closed", WAIT)).as(server.output()).isTrue();
                eventually(WAIT, () -> assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
                        .isInstanceOf(ConnectException.class));
                // ...and the request still running finishes all the same.
                assertThat(c.isDone()).isFalse();
                release("c");
                assertThat(c.get().status()).as(server.output()).isEqualTo(200);
                assertThat(c.get().body()).isEqualTo("finished c");
            }
            assertThat(server.waitFor(WAIT)).as(server.output()).isZero();
            String out = server.output();
            assertThat(out).contains("\"GET /block?b HTTP/1.1\" 200", "\"GET /block?q HTTP/1.1\" 200",
                    "\"GET /block?c HTTP/1.1\" 200");
            // The workers are stopped, not lost and replaced while the front end stops.
            assertThat(out).doesNotContain("cut off", "front end stop failed", "worker exited");
        }
    }

    @Test
    void requestsStillRunningAtShutdownTimeoutAreAnsweredAndLogged() throws Exception {
        try (JwsgiProcess server = start("--shutdown-timeout", "2")) {
            int port = server.port();
            CompletableFuture<Reply> stuck = inFlight(port, "/block?stuck");
            // A response that has started cannot become a 503: its connection is closed, and that is logged too.
            Client streaming = new Client(port);
            streaming.send("/stream?streaming");
            awaitStarted("stuck", server);
            awaitStarted("streaming", server);

            server.process().toHandle().destroy(); // SIGTERM; nothing is ever released
            Reply cut = stuck.get();
            assertThat(cut.status()).as(server.output()).isEqualTo(503);
            String partial = streaming.readToEnd();
            assertThat(partial).contains("first part").doesNotContain("second part");
            streaming.close();

            assertThat(server.waitFor(WAIT)).as(server.output()).isZero();
            String out = server.output();
            assertThat(out).contains("shutdown-timeout passed with requests still running");
            assertThat(out).containsPattern(
                    "request cut off at shutdown-timeout request_id=\\S+ method=GET url=/block\\?stuck seconds=[0-9.]+ "
                            + "answer=503");
            assertThat(out).containsPattern(
                    "request cut off at shutdown-timeout request_id=\\S+ method=GET url=/stream\\?streaming "
                            + "seconds=[0-9.]+ answer=connection closed");
            assertThat(out).contains("\"GET /block?stuck HTTP/1.1\" 503", "\"GET /stream?streaming HTTP/1.1\" 200");
            assertThat(out).doesNotContain("front end stop failed", "worker exited");
        }
    }

    private void awaitStarted(String name, JwsgiProcess server) throws Exception {
        eventually(WAIT, () -> assertThat(dir.resolve("started-" + name)).as(server.output()).exists());
    }

    private void release(String name) throws IOException {
        Files.createFile(dir.resolve("release-" + name));
    }

    /** A request on a connection of its own, answered whenever the application lets it. */
    private static CompletableFuture<Reply> inFlight(int port, String target) {
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (Client client = new Client(port)) {
                reply.complete(client.get(target));
            } catch (Throwable e) {
                reply.completeExceptionally(e);
            }
        });
        return reply;
    }

    record Reply(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** A keep-alive HTTP/1.1 client on one raw socket, so the test sees exactly what happens to the connection. */
    static final class Client implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;

        Client(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(60_000);
            in = new BufferedInputStream(socket.getInputStream());
        }

        void send(String target) throws IOException {
            socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
        }

        /** Sends a GET and reads one response with a Content-Length body. */
        Reply get(String target) throws IOException {
            send(target);
            String status = line();
            if (status == null) throw new IOException("connection closed before a response to " + target);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h; !(h = line()).isEmpty(); ) {
                int colon = h.indexOf(':');
                headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            return new Reply(Integer.parseInt(status.split(" ")[1]), headers,
                    new String(in.readNBytes(length), StandardCharsets.ISO_8859_1));
        }

        boolean atEndOfStream() throws IOException {
            return in.read() == -1;
        }

        String readToEnd() throws IOException {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            try {
                in.transferTo(all);
            } catch (java.net.SocketException e) {
                // a reset after the partial response is what an aborted connection may look like
            }
            return all.toString(StandardCharsets.ISO_8859_1);
        }

        private String line() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b; (b = in.read()) != '\n'; ) {
                if (b == -1) return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
                if (b != '\r') line.write(b);
            }
            return line.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
