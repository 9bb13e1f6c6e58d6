package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.it.HttpPathIT.Wire;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --proxy-mount-point, --proxy-url-alias, --proxy-virtual-host and --proxy-timeout against a real backend: a Python
 * stdlib server (src/test/resources/proxy/backend.py) started here, real clients (java.net.http, its WebSocket, raw
 * sockets). One jwsgi serves every case; the WSGI application beside the proxy is pep3333.py.
 */
class ProxyIT {
    static final Path APP = Path.of("src/test/resources/apps/pep3333.py").toAbsolutePath();
    static final Path BACKEND = Path.of("src/test/resources/proxy/backend.py").toAbsolutePath();
    static final int MIB = 1024 * 1024;
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    static Path root;
    static Process backend;
    static Process unixBackend;
    static Path unixSocket;
    static int backendPort;
    static int deadPort;
    static JwsgiProcess server;

    @BeforeAll
    static void start() throws Exception {
        backend = new ProcessBuilder("/usr/bin/python3", BACKEND.toString()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(backend.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        assertThat(first).startsWith("PORT ");
        backendPort = Integer.parseInt(first.substring(5).trim());
        unixSocket = root.resolve("backend.sock");
        unixBackend = new ProcessBuilder("/usr/bin/python3", BACKEND.toString(), unixSocket.toString())
                .redirectErrorStream(true).start();
        assertThat(new BufferedReader(new InputStreamReader(unixBackend.getInputStream(), StandardCharsets.UTF_8))
                .readLine()).isEqualTo("UNIX " + unixSocket);
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort(); // nothing listens there once closed
        }
        String target = "http://127.0.0.1:" + backendPort;
        server = JwsgiProcess.start(root, APP.toString(),
                "--proxy-mount-point", "/api", target + "/base/",
                "--proxy-mount-point", "/api/deeper", target + "/deep",
                "--proxy-url-alias", "/old/", target,
                "--proxy-virtual-host", "Backend.Example", target + "/vhost",
                "--proxy-mount-point", "/down", "http://127.0.0.1:" + deadPort,
                "--proxy-mount-point", "/sock", "unix:" + unixSocket + "|http://localhost/u",
                "--proxy-timeout", "2");
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
        for (Process p : new Process[] {backend, unixBackend}) {
            if (p == null) continue;
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** What the backend saw: its request line, then its headers (names as sent). */
    record Seen(String requestLine, Map<String, String> headers) {
        static Seen parse(String body) {
            List<String> lines = body.lines().toList();
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line : lines.subList(1, lines.size())) {
                int colon = line.indexOf(':');
                headers.merge(line.substring(0, colon).toLowerCase(), line.substring(colon + 1).trim(),
                        (a, b) -> a + " | " + b);
            }
            return new Seen(lines.getFirst(), headers);
        }

        String header(String name) {
            return headers.get(name.toLowerCase());
        }
    }

    static HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url(path))).timeout(Duration.ofSeconds(30));
        if (headers.length > 0) b.headers(headers);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void replacesTheMountPointByTheTargetPathAndKeepsTheQuery() throws Exception {
        HttpResponse<String> r = get("/api/echo/a%20b?q=1&r=%2F");
        assertThat(r.statusCode()).as(server.output()).isEqualTo(200);
        assertThat(Seen.parse(r.body()).requestLine()).isEqualTo("GET /base/echo/a%20b?q=1&r=%2F");
        // The longest mount point wins, whatever the order given.
        assertThat(Seen.parse(get("/api/deeper/x").body()).requestLine()).isEqualTo("GET /deep/x");
        assertThat(Seen.parse(get("/api/").body()).requestLine()).isEqualTo("GET /base/");
        // A path that only starts with the same letters is not under the mount point: the application answers.
        HttpResponse<String> app = get("/apix/environ");
        assertThat(app.body()).isEqualTo("path /apix/environ"); // pep3333.py's answer to a path it does not know
    }

    @Test
    void sendsForwardedHeadersAsModProxyAndExpressDoAndTheBackendsOwnHost() throws Exception {
        HttpResponse<String> r = get("/api/echo", "X-Forwarded-For", "10.9.8.7", "X-Forwarded-Scheme", "https",
                "X-Forwarded-Proto", "https", "User-Agent", "proxy-test/1");
        Seen seen = Seen.parse(r.body());
        String front = "127.0.0.1:" + server.port();
        assertThat(seen.header("Host")).isEqualTo("127.0.0.1:" + backendPort); // ProxyPreserveHost Off
        assertThat(seen.header("X-Forwarded-For")).isEqualTo("10.9.8.7, 127.0.0.1");
        assertThat(seen.header("X-Forwarded-Host")).isEqualTo(front);
        assertThat(seen.header("X-Forwarded-Server")).isEqualTo("127.0.0.1");
        assertThat(seen.header("X-Forwarded-Port")).isEqualTo(Integer.toString(server.port()));
        assertThat(seen.header("X-Forwarded-Proto")).isEqualTo("http"); // a client cannot claim https
        assertThat(seen.header("X-Forwarded-Scheme")).isNull();
        assertThat(seen.header("X-Forwarded-Prefix")).isEqualTo("/api");
        assertThat(seen.header("User-Agent")).isEqualTo("proxy-test/1");
        assertThat(seen.headers()).doesNotContainKeys("via", "forwarded");
    }

    @Test
    void redirectsTheBareMountPointToItsSlashFormWithTheQuery() throws Exception {
        HttpResponse<String> r = get("/api?x=1");
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("Location")).hasValue("http://127.0.0.1:" + server.port() + "/api/?x=1");
    }

    @Test
    void mapsARedirectToTheBackendsOwnUrlBackBehindTheMountPoint() throws Exception {
        HttpResponse<String> r = get("/api/redirect");
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("Location"))
                .hasValue("http://127.0.0.1:" + server.port() + "/api/elsewhere?x=1");
    }

    @Test
    void acceptsTheOldUrlAliasSpellingAndAMountPointGivenWithATrailingSlash() throws Exception {
        assertThat(Seen.parse(get("/old/echo?z").body()).requestLine()).isEqualTo("GET /echo?z");
        assertThat(get("/old").headers().firstValue("Location"))
                .hasValue("http://127.0.0.1:" + server.port() + "/old/");
    }

    @Test
    void proxiesEveryPathOfAVirtualHostWhateverItsCaseAndPort() throws Exception {
        try (Wire w = new Wire(server.port())) {
            w.send("GET /api/echo?v=1 HTTP/1.1\r\nHost: backend.EXAMPLE:" + server.port() + "\r\n\r\n");
            Wire.Response r = w.read();
            assertThat(r.status()).isEqualTo(200);
            Seen seen = Seen.parse(new String(r.body(), StandardCharsets.ISO_8859_1));
            assertThat(seen.requestLine()).isEqualTo("GET /vhost/api/echo?v=1");
            assertThat(seen.header("X-Forwarded-Host")).isEqualTo("backend.EXAMPLE:" + server.port());
            assertThat(seen.header("X-Forwarded-Server")).isEqualTo("backend.example");
            assertThat(seen.header("X-Forwarded-Prefix")).isNull();
        }
        // Another host name reaches the application.
        assertThat(get("/pid").statusCode()).isEqualTo(200);
    }

    @Test
    void reachesABackendOnAUnixSocketWebSocketsIncluded() throws Exception {
        Seen seen = Seen.parse(get("/sock/echo?s=1").body());
        assertThat(seen.requestLine()).isEqualTo("GET /u/echo?s=1");
        assertThat(seen.header("Host")).isEqualTo("localhost");
        assertThat(seen.header("X-Forwarded-Prefix")).isEqualTo("/sock");
        try (Wire w = new Wire(server.port())) {
            w.send("GET /sock/ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            assertThat(w.readHead().status()).isEqualTo(101);
            assertThat(w.in.readNBytes(7)).containsExactly(0x81, 5, 'h', 'e', 'l', 'l', 'o');
            w.send(new byte[] {(byte) 0x81, (byte) 0x84, 1, 2, 3, 4, 'p' ^ 1, 'i' ^ 2, 'n' ^ 3, 'g' ^ 4});
            assertThat(new String(w.in.readNBytes(12), StandardCharsets.ISO_8859_1)).endsWith("echo: ping");
        }
    }

    @Test
    void answers502WhenTheBackendIsDownAnd504WhenItIsTooSlow() throws Exception {
        HttpResponse<String> down = get("/down/anything");
        assertThat(down.statusCode()).isEqualTo(502);
        assertThat(down.body()).contains("<title>502 Bad Gateway</title>") // the front end's own page (Failure)
                .doesNotContain("Exception").doesNotContain("127.0.0.1:" + deadPort);
        HttpResponse<String> slow = get("/api/sleep?secs=6");
        assertThat(slow.statusCode()).isEqualTo(504);
        assertThat(slow.body()).contains("<title>504 Gateway Timeout</title>");
        assertThat(server.awaitOutput("proxy backend failed target=http://127.0.0.1:" + deadPort,
                Duration.ofSeconds(5))).as(server.output()).isTrue();
    }

    @Test
    void streamsADownloadTheClientReadsBeforeTheBackendHasFinished() throws Exception {
        // The backend sends 1 MiB and then waits to be released: the client gets that first MiB through the proxy
        // while the backend still holds the rest. A proxy that buffered the response would never deliver it.
        HttpResponse<InputStream> r = CLIENT.send(HttpRequest.newBuilder(URI.create(server.url("/api/held")))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        try (InputStream in = r.body()) {
            byte[] first = in.readNBytes(MIB);
            assertThat(first).hasSize(MIB);
            assertThat(Http.get("http://127.0.0.1:" + backendPort + "/release").body()).isEqualTo("released");
            assertThat(in.readAllBytes()).hasSize(MIB);
        }
    }

    @Test
    void carriesA50MiBDownloadAndA50MiBUploadIntact() throws Exception {
        HttpResponse<InputStream> down = CLIENT.send(HttpRequest.newBuilder(URI.create(server.url("/api/bytes?mib=50")))
                .timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofInputStream());
        MessageDigest downDigest = MessageDigest.getInstance("SHA-256");
        long total = 0;
        try (InputStream in = down.body()) {
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; total += n) downDigest.update(buf, 0, n);
        }
        assertThat(total).isEqualTo(50L * MIB);
        assertThat(HexFormat.of().formatHex(downDigest.digest())).isEqualTo(sha256OfPattern(50));

        HttpResponse<String> up = CLIENT.send(HttpRequest.newBuilder(URI.create(server.url("/api/upload")))
                        .timeout(Duration.ofSeconds(120))
                        .POST(HttpRequest.BodyPublishers.fromPublisher(
                                HttpRequest.BodyPublishers.ofByteArrays(() -> patternChunks(50)), 50L * MIB))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(up.statusCode()).as(server.output()).isEqualTo(200);
        assertThat(up.body()).isEqualTo(50L * MIB + " " + sha256OfPattern(50));
    }

    @Test
    void streamsAnUploadTheBackendReadsBeforeTheClientHasFinished() throws Exception {
        // Send the head and the first 2 MiB of a 4 MiB body, then wait until the backend says it has read bytes:
        // a proxy that buffered the whole body first would never let that happen.
        try (Wire w = new Wire(server.port())) {
            w.send("POST /api/upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + 4 * MIB + "\r\n\r\n");
            byte[] pattern = pattern();
            w.send(pattern);
            w.send(pattern);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            long received = 0;
            while (received == 0 && System.nanoTime() < deadline) {
                received = Long.parseLong(Http.get("http://127.0.0.1:" + backendPort + "/received").body());
                if (received == 0) Thread.sleep(50);
            }
            assertThat(received).as("bytes the backend read before the client finished").isPositive();
            w.send(pattern);
            w.send(pattern);
            Wire.Response r = w.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(new String(r.body(), StandardCharsets.ISO_8859_1)).startsWith(4 * MIB + " ");
        }
    }

    @Test
    void tunnelsAWebSocketBothWays() throws Exception {
        LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    messages.add(text.toString());
                    text.setLength(0);
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
                closed.complete(status);
                return null;
            }
        };
        WebSocket ws = CLIENT.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/api/ws"), listener)
                .get(30, TimeUnit.SECONDS);
        // The backend speaks first, right after its 101: that frame must arrive after our 101, not before it.
        assertThat(messages.poll(30, TimeUnit.SECONDS)).isEqualTo("hello");
        ws.sendText("ping", true).get(10, TimeUnit.SECONDS);
        assertThat(messages.poll(30, TimeUnit.SECONDS)).isEqualTo("echo: ping");
        String big = "x".repeat(100_000);
        ws.sendText(big, true).get(10, TimeUnit.SECONDS);
        String reply = messages.poll(30, TimeUnit.SECONDS);
        assertThat(("echo: " + big).equals(reply)).as("100 kB echoed intact, got %s chars",
                reply == null ? "no" : reply.length()).isTrue();
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        assertThat(closed.get(30, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
    }

    @Test
    void relaysTheBackends101ThenItsFirstFrameOnTheWire() throws Exception {
        try (Wire w = new Wire(server.port())) {
            w.send("GET /api/ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            Wire.Response head = w.readHead();
            assertThat(head.status()).isEqualTo(101);
            assertThat(head.header("Sec-WebSocket-Accept")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="); // RFC 6455 1.3
            assertThat(head.header("Upgrade")).isEqualToIgnoringCase("websocket");
            assertThat(head.headers().stream().filter(h -> h.getKey().equalsIgnoreCase("Date"))).hasSize(1);
            // The backend's unmasked text frame "hello", byte for byte.
            assertThat(w.in.readNBytes(7)).containsExactly(0x81, 5, 'h', 'e', 'l', 'l', 'o');
        }
    }

    @Test
    void closesAWebSocketTunnelIdleForLongerThanTheProxyTimeout() throws Exception {
        try (Wire w = new Wire(server.port())) {
            w.send("GET /api/ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            assertThat(w.readHead().status()).isEqualTo(101);
            assertThat(w.in.readNBytes(7)).hasSize(7); // "hello"
            // Nothing more is sent either way: after --proxy-timeout (2 s) the tunnel is closed, well before the
            // client's own 30 s read timeout, and not at once.
            long t0 = System.nanoTime();
            assertThat(w.in.read()).isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(25));
        }
    }

    @Test
    void keepsSeventyWebSocketsOpenAtOnceBeyondTheBackendConnectionPool() throws Exception {
        // jetty-client pools at most 64 connections per backend: an upgraded connection must leave the pool, or
        // the 65th handshake would wait forever.
        List<Wire> open = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 70; i++) {
                Wire w = new Wire(server.port());
                open.add(w);
                w.send("GET /api/ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
                assertThat(w.readHead().status()).as("handshake %d", i).isEqualTo(101);
                assertThat(w.in.readNBytes(7)).hasSize(7);
            }
            for (Wire w : List.of(open.getFirst(), open.getLast())) {
                // A masked text frame "ping" (mask 1 2 3 4): the backend answers "echo: ping".
                w.send(new byte[] {(byte) 0x81, (byte) 0x84, 1, 2, 3, 4, 'p' ^ 1, 'i' ^ 2, 'n' ^ 3, 'g' ^ 4});
                assertThat(new String(w.in.readNBytes(12), StandardCharsets.ISO_8859_1)).endsWith("echo: ping");
            }
        } finally {
            for (Wire w : open) w.close();
        }
    }

    @Test
    void answersExpectContinueOnAProxiedUpload() throws Exception {
        try (Wire w = new Wire(server.port())) {
            w.send("POST /api/upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertThat(w.read().status()).isEqualTo(100);
            w.send("hello");
            Wire.Response r = w.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(new String(r.body(), StandardCharsets.ISO_8859_1))
                    .isEqualTo("5 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        }
    }

    @Test
    void passesOnTheBackendsRefusalOfAWebSocketHandshake() throws Exception {
        // Not a WebSocket endpoint: the backend answers 200, and the client gets that 200, not a tunnel.
        try (Wire w = new Wire(server.port())) {
            w.send("GET /api/echo HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            Wire.Response r = w.read();
            assertThat(r.status()).isEqualTo(200);
            Seen seen = Seen.parse(new String(r.body(), StandardCharsets.ISO_8859_1));
            assertThat(seen.header("Upgrade")).isEqualTo("websocket");
        }
    }

    static byte[] pattern() {
        byte[] p = new byte[MIB];
        for (int i = 0; i < MIB; i++) p[i] = (byte) i;
        return p;
    }

    static java.util.Iterator<byte[]> patternChunks(int mib) {
        byte[] p = pattern();
        return new java.util.Iterator<>() {
            int left = mib;

            @Override
            public boolean hasNext() {
                return left > 0;
            }

            @Override
            public byte[] next() {
                left--;
                return p;
            }
        };
    }

    static String sha256OfPattern(int mib) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        byte[] p = pattern();
        for (int i = 0; i < mib; i++) d.update(p);
        return HexFormat.of().formatHex(d.digest());
    }
}
