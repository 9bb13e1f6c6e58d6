package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP path around the application: connection reuse, HEAD, large bodies, a worker dying mid-request,
 * the daemon queue limits, and the limits the front end enforces itself. One shared server for the plain
 * cases; the queue tests need single-threaded servers of their own.
 */
class HttpPathIT {
    static final Path APPS = Path.of("src/test/resources/apps").toAbsolutePath();

    @TempDir
    static Path root;
    static Path records;
    static JwsgiProcess server;

    @BeforeAll
    static void start() throws Exception {
        records = Files.createDirectories(root.resolve("records"));
        server = JwsgiProcess.start(root.resolve("srv"), APPS.resolve("pep3333.py").toString(),
                "--limit-request-body", "1000", "--header-buffer-size", "8192",
                "--setenv", "RECORD_DIR", records.toString());
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
    }

    @Test
    void servesSeveralRequestsOnOneKeepAliveConnection() throws Exception {
        try (Wire wire = new Wire(server.port())) {
            for (int i = 0; i < 3; i++) {
                wire.send("GET /path/" + i + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
                Wire.Response r = wire.read();
                assertThat(r.status()).as(server.output()).isEqualTo(200);
                assertThat(r.text()).isEqualTo("path /path/" + i);
                assertThat(r.header("Connection")).isNull();
            }
        }
    }

    @Test
    void answersPipelinedRequestsInOrder() throws Exception {
        try (Wire wire = new Wire(server.port())) {
            wire.send("GET /path/one HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    + "POST /input?mode=read HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc"
                    + "GET /path/three HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(wire.read().text()).as(server.output()).isEqualTo("path /path/one");
            assertThat(wire.read().text()).isEqualTo("abc");
            assertThat(wire.read().text()).isEqualTo("path /path/three");
        }
    }

    @Test
    void answersHeadWithTheHeadersAndNoBody() throws Exception {
        try (Wire wire = new Wire(server.port())) {
            wire.send("HEAD /big HTTP/1.1\r\nHost: localhost\r\n\r\n");
            Wire.Response head = wire.readHead();
            assertThat(head.status()).as(server.output()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo(Integer.toString(1 << 20));
            // Had any body byte been sent, it would be read here as the next status line.
            wire.send("GET /path/after-head HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(wire.read().text()).isEqualTo("path /path/after-head");
        }
    }

    @Test
    void servesA1MiBResponseByteExact() throws Exception {
        HttpResponse<byte[]> r = Http.sendBytes(HttpRequest.newBuilder(URI.create(server.url("/big"))).build());
        assertThat(r.statusCode()).as(server.output()).isEqualTo(200);
        byte[] expected = new byte[1 << 20];
        for (int i = 0; i < expected.length; i++) expected[i] = (byte) (i % 251);
        assertThat(r.body()).isEqualTo(expected);
    }

    @Test
    void answers502WhenTheWorkerIsKilledMidRequestAndThenReplacesIt() throws Exception {
        long pid = Long.parseLong(Http.get(server.url("/pid")).body());
        CompletableFuture<HttpResponse<String>> sleeping = getAsync(server.url("/sleep?secs=10&id=killed"));
        awaitRecorded("started", "killed", Duration.ofSeconds(10));
        assertThat(ProcessHandle.of(pid).orElseThrow().destroyForcibly()).isTrue(); // SIGKILL

        HttpResponse<String> killed = sleeping.get(10, TimeUnit.SECONDS);
        assertThat(killed.statusCode()).as(server.output()).isEqualTo(502);

        long replacement = 0;
        for (int i = 0; i < 300 && replacement == 0; i++) {
            HttpResponse<String> r = Http.get(server.url("/pid"));
            if (r.statusCode() == 200) replacement = Long.parseLong(r.body());
            else Thread.sleep(50);
        }
        assertThat(replacement).as(server.output()).isNotZero().isNotEqualTo(pid);
        assertThat(Http.get(server.url("/path/later")).statusCode()).isEqualTo(200);
    }

    @Test
    void abortsTheClientConnectionWhenTheWorkerDiesMidResponse() throws Exception {
        long pid = Long.parseLong(Http.get(server.url("/pid")).body());
        try (Wire wire = new Wire(server.port())) {
            wire.send("GET /incremental?delay=10 HTTP/1.1\r\nHost: localhost\r\n\r\n");
            Wire.Response head = wire.readHead();
            assertThat(head.status()).as(server.output()).isEqualTo(200);
            // The first chunk is out ("first"; Jetty sends a chunk's closing CRLF with the next chunk).
            assertThat(wire.line()).as(server.output()).isEqualTo("5");
            assertThat(new String(wire.in.readNBytes(5), StandardCharsets.ISO_8859_1)).isEqualTo("first");
            assertThat(ProcessHandle.of(pid).orElseThrow().destroyForcibly()).isTrue(); // SIGKILL
            long begin = System.nanoTime();
            String rest = new String(wire.rest(), StandardCharsets.ISO_8859_1);
            assertThat(rest).as("killed pid %d\n%s", pid, server.output()).doesNotContain("0\r\n\r\n").doesNotContain("second");
            assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(5));
        }
        for (int i = 0; i < 300; i++) {
            HttpResponse<String> r = Http.get(server.url("/pid"));
            if (r.statusCode() == 200 && Long.parseLong(r.body()) != pid) return;
            Thread.sleep(50);
        }
        throw new AssertionError("worker not replaced\n" + server.output());
    }

    @Test
    void servesManyConcurrentRequestsAcrossTheWorkerThreads() throws Exception {
        List<String> urls = new ArrayList<>();
        // Twice the worker's threads, so half of them queue. (Not more: idle keep-alive connections count
        // against max-clients, 20 here, until socket-timeout.)
        for (int i = 0; i < 10; i++) urls.add(server.url("/sleep?secs=0.2&id=concurrent-" + i));
        for (HttpResponse<String> r : getConcurrently(urls)) {
            assertThat(r.statusCode()).as(server.output()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("slept");
        }
    }

    @Test
    void answers413WithoutInvokingTheAppWhenTheDeclaredBodyIsOverTheLimit() throws Exception {
        try (Wire wire = new Wire(server.port())) {
            wire.send("POST /invoked?too-large HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2000\r\n"
                    + "Connection: close\r\n\r\n" + "x".repeat(2000));
            assertThat(wire.read().status()).as(server.output()).isEqualTo(413);
        }
        // A body within the limit does reach the app: the record shows the one, not the other.
        HttpResponse<String> ok = Http.send(HttpRequest.newBuilder(URI.create(server.url("/invoked?small")))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(1000))).build());
        assertThat(ok.body()).isEqualTo("invoked 1000");
        assertThat(Files.readString(records.resolve("invoked")))
                .contains("POST /invoked?small").doesNotContain("too-large");
    }

    @Test
    void answers413WhenAChunkedBodyGrowsOverTheLimit() throws Exception {
        String chunk = "x".repeat(600);
        String chunked = "POST /invoked?chunked-%s HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
        try (Wire wire = new Wire(server.port())) {
            // Over the limit in what arrives with the request: refused before the app runs.
            wire.send(chunked.formatted("at-once") + "258\r\n" + chunk + "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n");
            assertThat(wire.read().status()).as(server.output()).isEqualTo(413);
        }
        try (Wire wire = new Wire(server.port())) {
            // Over the limit only later: a body under 64 KiB is read whole before any worker is involved
            // (RequestIntake), so this one too is refused before the app runs.
            wire.send(chunked.formatted("streamed") + "258\r\n" + chunk + "\r\n");
            Thread.sleep(300);
            wire.send("258\r\n" + chunk + "\r\n0\r\n\r\n");
            assertThat(wire.read().status()).as(server.output()).isEqualTo(413);
        }
        try (Wire wire = new Wire(server.port())) {
            // With Expect: 100-continue the app runs first (it asks for the body): its read then fails with 413.
            wire.send(chunked.formatted("continued").replace("\r\n\r\n", "\r\nExpect: 100-continue\r\n\r\n"));
            awaitRecorded("invoked", "POST /invoked?chunked-continued", Duration.ofSeconds(10));
            wire.send("258\r\n" + chunk + "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n");
            Wire.Response answer = wire.read();
            if (answer.status() == 100) answer = wire.read();
            assertThat(answer.status()).as(server.output()).isEqualTo(413);
        }
        String invoked = Files.readString(records.resolve("invoked"));
        assertThat(invoked).doesNotContain("chunked-at-once").doesNotContain("chunked-streamed");
    }

    @Test
    void logsNoStackTraceWhenAClientGoesAwayMidUpload() throws Exception {
        try (Wire wire = new Wire(server.port())) {
            // Expect: 100-continue, so the app runs before the body arrives (a small body is otherwise read whole
            // before any worker is involved) and is reading when the client leaves.
            wire.send("POST /hash?gone-mid-upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n"
                    + "Expect: 100-continue\r\n\r\n");
            assertThat(wire.read().status()).isEqualTo(100);
            wire.send("x".repeat(500));
            Thread.sleep(200); // let the app read the first half and ask for more
        }
        // The worker notices after the front end gave up on the request: its line comes last.
        assertThat(server.awaitOutput("channel closed during the request", Duration.ofSeconds(10))).as(server.output()).isTrue();
        assertThat(server.output()).doesNotContain("request body failed").doesNotContain("HttpEofException");
        assertThat(Http.get(server.url("/path/after-upload")).statusCode()).isEqualTo(200);
    }

    @Test
    void keepsEveryWorkerThreadWhenClientsLeaveBeforeTheirBodyArrives() throws Exception {
        long pid = Long.parseLong(Http.get(server.url("/pid")).body());
        // As many early leavers as the worker has threads: each must leave its thread serving.
        for (int i = 0; i < 5; i++) {
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.getOutputStream().write(("POST /hash?left-early HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n"
                        + "x".repeat(10)).getBytes(StandardCharsets.ISO_8859_1));
                s.shutdownOutput();
            }
        }
        // Five threads still there: five long sleeps all start before any of them ends. (With a thread lost, the
        // fifth could only start once a first one had answered.)
        List<CompletableFuture<HttpResponse<String>>> sleeps = new ArrayList<>();
        for (int i = 0; i < 5; i++) sleeps.add(getAsync(server.url("/sleep?secs=5&id=after-leavers-" + i)));
        for (int i = 0; i < 5; i++) awaitRecorded("started", "after-leavers-" + i, Duration.ofSeconds(30));
        assertThat(sleeps).as(server.output()).noneMatch(CompletableFuture::isDone);
        for (CompletableFuture<HttpResponse<String>> r : sleeps) {
            assertThat(r.get(30, TimeUnit.SECONDS).statusCode()).as(server.output()).isEqualTo(200);
        }
        assertThat(Long.parseLong(Http.get(server.url("/pid")).body())).as(server.output()).isEqualTo(pid);
    }

    @Test
    void answers500AndLogsWhenTheResponseHeadersExceedTheHeaderBufferSize() throws Exception {
        HttpResponse<String> r = Http.get(server.url("/big-header?size=20000"));
        assertThat(r.statusCode()).as(server.output()).isEqualTo(500);
        assertThat(r.headers().firstValue("X-Big")).isEmpty();
        assertThat(server.awaitOutput("header-buffer-size", Duration.ofSeconds(10))).as(server.output()).isTrue();
        // The worker thread is fine afterwards.
        assertThat(Http.get(server.url("/big-header?size=100")).statusCode()).isEqualTo(200);
    }

    @Test
    void answers503WhenNoWorkerThreadFreesUpWithinTheQueueTimeout() throws Exception {
        Path dir = Files.createDirectories(root.resolve("queue-records"));
        try (JwsgiProcess single = JwsgiProcess.start(root.resolve("queue-srv"), APPS.resolve("pep3333.py").toString(),
                "--threads", "1", "--queue-timeout", "1", "--setenv", "RECORD_DIR", dir.toString())) {
            CompletableFuture<HttpResponse<String>> busy = getAsync(single.url("/sleep?secs=3&id=busy"));
            awaitRecorded(dir, "started", "busy", Duration.ofSeconds(10));

            long begin = System.nanoTime();
            HttpResponse<String> queued = Http.get(single.url("/path/queued"));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            assertThat(queued.statusCode()).as(single.output()).isEqualTo(503);
            assertThat(millis).isBetween(800L, 2900L);
            assertThat(busy.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void refusesARequestAtOnceWhenTheDaemonBacklogIsFull() throws Exception {
        Path dir = Files.createDirectories(root.resolve("backlog-records"));
        try (JwsgiProcess single = JwsgiProcess.start(root.resolve("backlog-srv"), APPS.resolve("pep3333.py").toString(),
                "--threads", "1", "--daemon-backlog", "1", "--setenv", "RECORD_DIR", dir.toString())) {
            CompletableFuture<HttpResponse<String>> busy = getAsync(single.url("/sleep?secs=3&id=busy"));
            awaitRecorded(dir, "started", "busy", Duration.ofSeconds(10));
            CompletableFuture<HttpResponse<String>> queued = getAsync(single.url("/path/queued"));
            // Nothing observable says "queued" from outside; give the request time to reach the queue.
            Thread.sleep(300);

            long begin = System.nanoTime();
            HttpResponse<String> refused = Http.get(single.url("/path/refused"));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            assertThat(refused.statusCode()).as(single.output()).isEqualTo(503);
            assertThat(millis).isLessThan(1000L);
            assertThat(busy.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(queued.get(10, TimeUnit.SECONDS).body()).isEqualTo("path /path/queued");
        }
    }

    static CompletableFuture<HttpResponse<String>> getAsync(String url) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return Http.get(url);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    /**
     * GETs all at once on a client of their own, closed afterwards: its idle keep-alive connections would
     * otherwise stay open and count against the server's max-clients for the tests that follow.
     */
    static List<HttpResponse<String>> getConcurrently(List<String> urls) throws Exception {
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (String url : urls) {
                all.add(client.sendAsync(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            List<HttpResponse<String>> out = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> f : all) out.add(f.get(30, TimeUnit.SECONDS));
            return out;
        }
    }

    static void awaitRecorded(String file, String line, Duration timeout) throws Exception {
        awaitRecorded(records, file, line, timeout);
    }

    static void awaitRecorded(Path dir, String file, String line, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Path path = dir.resolve(file);
        while (System.nanoTime() < deadline) {
            if (Files.exists(path) && Files.readAllLines(path).contains(line)) return;
            Thread.sleep(20);
        }
        throw new AssertionError("no line '" + line + "' in " + path + " within " + timeout);
    }

    /**
     * One client connection with exact bytes both ways: requests written as given, responses parsed one at a
     * time (Content-Length, chunked, or to the end of the connection). A response whose body breaks off
     * (connection closed or reset early) is returned with {@code complete} false.
     */
    static final class Wire implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Wire(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(30_000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        int localPort() {
            return socket.getLocalPort();
        }

        void send(String raw) throws IOException {
            send(raw.getBytes(StandardCharsets.ISO_8859_1));
        }

        void send(byte[] raw) throws IOException {
            out.write(raw);
            out.flush();
        }

        /** Status line and headers only (for HEAD, or before reading the body by hand from {@link #in}). */
        Response readHead() throws IOException {
            String statusLine = line();
            if (statusLine == null) throw new IOException("connection closed before a status line");
            List<Map.Entry<String, String>> headers = new ArrayList<>();
            for (String l; !(l = line()).isEmpty(); ) {
                int colon = l.indexOf(':');
                headers.add(Map.entry(l.substring(0, colon).trim(), l.substring(colon + 1).trim()));
            }
            return new Response(statusLine, headers, new byte[0], true);
        }

        /** One whole response; a 1xx interim response is returned on its own. */
        Response read() throws IOException {
            Response head = readHead();
            if (head.status() < 200 || head.status() == 204 || head.status() == 304) return head;
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            boolean complete = true;
            try {
                String te = head.header("Transfer-Encoding");
                String cl = head.header("Content-Length");
                if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
                    for (;;) {
                        String size = line();
                        if (size == null) { complete = false; break; }
                        int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                        if (n == 0) {
                            while (!line().isEmpty()) { /* trailers */ }
                            break;
                        }
                        if (!copy(body, n)) { complete = false; break; }
                        line();
                    }
                } else if (cl != null) {
                    complete = copy(body, Long.parseLong(cl));
                } else {
                    in.transferTo(body);
                }
            } catch (IOException e) {
                complete = false;
            }
            return new Response(head.statusLine(), head.headers(), body.toByteArray(), complete);
        }

        private boolean copy(ByteArrayOutputStream to, long n) throws IOException {
            byte[] buf = new byte[8192];
            while (n > 0) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, n));
                if (r < 0) return false;
                to.write(buf, 0, r);
                n -= r;
            }
            return true;
        }

        /** A CRLF-terminated line (latin-1) without its terminator; null at the end of the stream. */
        String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int c; (c = in.read()) >= 0; ) {
                if (c == '\n') {
                    int len = sb.length();
                    return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
                }
                sb.append((char) c);
            }
            return sb.isEmpty() ? null : sb.toString();
        }

        /** Everything until the server closes the connection (or resets it). */
        byte[] rest() {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            try {
                in.transferTo(all);
            } catch (IOException e) {
                // A reset ends the stream as well; what arrived before it is the answer.
            }
            return all.toByteArray();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }

        record Response(String statusLine, List<Map.Entry<String, String>> headers, byte[] body, boolean complete) {
            int status() {
                return Integer.parseInt(statusLine.split(" ")[1]);
            }

            String header(String name) {
                return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name))
                        .map(Map.Entry::getValue).findFirst().orElse(null);
            }

            List<String> headerValues(String name) {
                return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
            }

            String text() {
                return new String(body, StandardCharsets.ISO_8859_1);
            }
        }
    }
}
