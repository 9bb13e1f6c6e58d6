package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.it.HttpPathIT.Wire;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PEP 3333 as a WSGI application sees it through jwsgi, checked from a real client: the environ, the input
 * stream, start_response and the response iterable (catalogue §5.5–5.6). The app (apps/pep3333.py) reports
 * what it was given; the tests compare that with what the client sent.
 */
class Pep3333IT {
    static final Path APPS = Path.of("src/test/resources/apps").toAbsolutePath();

    @TempDir
    static Path root;
    static Path records;
    /** Mounted at the root, default threads, --setenv values. */
    static JwsgiProcess server;
    /** Mounted at /app, one process given explicitly, one thread. */
    static JwsgiProcess mounted;

    @BeforeAll
    static void start() throws Exception {
        records = Files.createDirectories(root.resolve("records"));
        server = JwsgiProcess.start(root.resolve("srv"), APPS.resolve("pep3333.py").toString(),
                "--setenv", "RECORD_DIR", records.toString(), "--setenv", "JWSGI_TEST_KEY", "a value");
        mounted = JwsgiProcess.start(root.resolve("mounted"), APPS.resolve("pep3333.py").toString(),
                "--mount-point", "/app", "--threads", "1", "--processes", "1");
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
        if (mounted != null) mounted.close();
    }

    // ---- environ ----

    @Test
    void exposesTheRequestLineAndConnectionAsCgiKeys() throws Exception {
        try (Wire wire = new Wire(server.port())) {
            wire.send("GET /environ?a=1&b=%20x+y HTTP/1.1\r\nHost: example.test:8123\r\n\r\n");
            Environ env = Environ.of(wire.read());
            assertThat(env.str("REQUEST_METHOD")).isEqualTo("GET");
            assertThat(env.str("SCRIPT_NAME")).isEqualTo("");
            assertThat(env.str("PATH_INFO")).isEqualTo("/environ");
            assertThat(env.str("QUERY_STRING")).isEqualTo("a=1&b=%20x+y");
            assertThat(env.str("REQUEST_URI")).isEqualTo("/environ?a=1&b=%20x+y");
            assertThat(env.str("SERVER_PROTOCOL")).isEqualTo("HTTP/1.1");
            assertThat(env.str("SERVER_NAME")).isEqualTo("example.test");
            assertThat(env.str("SERVER_PORT")).isEqualTo("8123");
            assertThat(env.str("REMOTE_ADDR")).isEqualTo("127.0.0.1");
            assertThat(env.str("REMOTE_PORT")).isEqualTo(Integer.toString(wire.localPort()));
            assertThat(env.str("HTTP_HOST")).isEqualTo("example.test:8123");
        }
    }

    @Test
    void usesAnEmptyQueryStringWhenTheRequestHasNone() throws Exception {
        Environ env = Environ.of(request("GET /environ HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        assertThat(env.str("QUERY_STRING")).isEqualTo("");
        assertThat(env.str("REQUEST_URI")).isEqualTo("/environ");
    }

    @Test
    void givesPathInfoAsTheLatin1ReadingOfThePercentDecodedBytes() throws Exception {
        Environ env = Environ.of(request("GET /environ/caf%C3%A9 HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        assertThat(env.str("PATH_INFO")).isEqualTo("/environ/caf\u00c3\u00a9");
        assertThat(env.str("REQUEST_URI")).isEqualTo("/environ/caf%C3%A9");
    }

    @Test
    void givesQueryStringAndRequestUriAsTheLatin1ReadingOfTheirBytes() throws Exception {
        // Sent as raw UTF-8 bytes C3 A9 and E2 82 AC (Wire writes each char as one byte).
        Environ env = Environ.of(request("GET /environ?q=\u00c3\u00a9&e=\u00e2\u0082\u00ac HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        assertThat(env.str("QUERY_STRING")).isEqualTo("q=\u00c3\u00a9&e=\u00e2\u0082\u00ac");
        assertThat(env.str("REQUEST_URI")).isEqualTo("/environ?q=\u00c3\u00a9&e=\u00e2\u0082\u00ac");
    }

    @Test
    void removesDotSegmentsFromPathInfoAsApacheDoes() throws Exception {
        Environ env = Environ.of(request("GET /x/../environ/./y/z/.. HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        assertThat(env.str("PATH_INFO")).isEqualTo("/environ/y/");
        assertThat(env.str("REQUEST_URI")).isEqualTo("/x/../environ/./y/z/..");
    }

    @Test
    void matchesTheMountPointAfterRemovingDotSegments() throws Exception {
        // Outside the mount once normalized, however it starts: the app must not see '/../' in PATH_INFO.
        assertThat(request(mounted, "GET /app/../environ HTTP/1.1\r\nHost: localhost\r\n\r\n").status()).isEqualTo(404);
        Environ env = Environ.of(request(mounted, "GET /elsewhere/../app/environ HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        assertThat(env.str("SCRIPT_NAME")).isEqualTo("/app");
        assertThat(env.str("PATH_INFO")).isEqualTo("/environ");
    }

    @Test
    void passesContentTypeAndLengthWithoutTheHttpPrefixAndOnlyWhenSent() throws Exception {
        Environ post = Environ.of(request("POST /environ HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=b"));
        assertThat(post.str("REQUEST_METHOD")).isEqualTo("POST");
        assertThat(post.str("CONTENT_TYPE")).isEqualTo("application/x-www-form-urlencoded");
        assertThat(post.str("CONTENT_LENGTH")).isEqualTo("3");
        assertThat(post.keys()).doesNotContain("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH");

        Environ get = Environ.of(request("GET /environ HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        assertThat(get.keys()).doesNotContain("CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH");
    }

    @Test
    void turnsHeadersIntoHttpKeysJoiningRepeatsAndDroppingNamesWithUnderscores() throws Exception {
        Environ env = Environ.of(request("GET /environ HTTP/1.1\r\nHost: localhost\r\n"
                + "X-Custom-Thing: some value\r\nX-Twice: first\r\nX-Twice: second\r\nX_Spoof: 1\r\n"
                + "Accept: text/plain\r\n\r\n"));
        assertThat(env.str("HTTP_X_CUSTOM_THING")).isEqualTo("some value");
        assertThat(env.str("HTTP_X_TWICE")).isEqualTo("first, second");
        assertThat(env.str("HTTP_ACCEPT")).isEqualTo("text/plain");
        assertThat(env.keys()).doesNotContain("HTTP_X_SPOOF");
    }

    // --setenv HTTPS (which decides wsgi.url_scheme and stays in the environ as set) is tested in TlsIT.

    @Test
    void exposesThePep3333AndModWsgiKeys() throws Exception {
        Environ env = Environ.of(request("GET /environ HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        assertThat(env.type("wsgi.version")).isEqualTo("tuple");
        assertThat(env.value("wsgi.version")).isEqualTo("(1, 0)");
        assertThat(env.str("wsgi.url_scheme")).isEqualTo("http");
        assertThat(env.value("wsgi.multithread")).isEqualTo("True");
        assertThat(env.value("wsgi.multiprocess")).isEqualTo("False");
        assertThat(env.value("wsgi.run_once")).isEqualTo("False");
        assertThat(env.value("wsgi.input_terminated")).isEqualTo("True");
        assertThat(env.keys()).contains("wsgi.input", "wsgi.errors", "wsgi.file_wrapper");
        assertThat(env.value("errors.writable")).isEqualTo("True");
        assertThat(server.awaitOutput("environ dumped", Duration.ofSeconds(10))).as(server.output()).isTrue();
        assertThat(env.type("mod_wsgi.process_group")).isEqualTo("str");
        assertThat(env.type("mod_wsgi.application_group")).isEqualTo("str");
        assertThat(env.str("mod_wsgi.request_id")).isNotEmpty();
    }

    @Test
    void givesEveryRequestItsOwnRequestId() throws Exception {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            ids.add(Environ.of(request("GET /environ HTTP/1.1\r\nHost: localhost\r\n\r\n")).str("mod_wsgi.request_id"));
        }
        assertThat(ids).hasSize(5);
    }

    @Test
    void addsSetenvValuesToTheEnviron() throws Exception {
        Environ env = Environ.of(request("GET /environ HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        assertThat(env.str("JWSGI_TEST_KEY")).isEqualTo("a value");
        assertThat(env.str("RECORD_DIR")).isEqualTo(records.toString());
    }

    @Test
    void splitsAMountPointIntoScriptNameAndPathInfoAndAnswers404Outside() throws Exception {
        Environ env = Environ.of(request(mounted, "GET /app/environ/x?q HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        assertThat(env.str("SCRIPT_NAME")).isEqualTo("/app");
        assertThat(env.str("PATH_INFO")).isEqualTo("/environ/x");
        assertThat(env.str("REQUEST_URI")).isEqualTo("/app/environ/x?q");

        // The mount point itself: SCRIPT_NAME '/app', PATH_INFO ''.
        assertThat(Http.get(mounted.url("/app")).body()).isEqualTo("path ");

        assertThat(Http.get(mounted.url("/elsewhere")).statusCode()).isEqualTo(404);
        assertThat(Http.get(mounted.url("/application")).statusCode()).isEqualTo(404);
        assertThat(Http.get(mounted.url("/")).statusCode()).isEqualTo(404);
    }

    @Test
    void saysSingleThreadedAndMultiprocessWhenThreadsIs1AndProcessesIsGiven() throws Exception {
        Environ env = Environ.of(request(mounted, "GET /app/environ HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        assertThat(env.value("wsgi.multithread")).isEqualTo("False");
        assertThat(env.value("wsgi.multiprocess")).isEqualTo("True");
        assertThat(env.value("wsgi.run_once")).isEqualTo("False");
    }

    // ---- wsgi.input ----

    @Test
    void readsTheBodyWithEveryWsgiInputMethod() throws Exception {
        StringBuilder sb = new StringBuilder("first line\nsecond line\n\nshort\n");
        // Past the 64 KiB the front end pushes, so the rest is pulled (READ → BODY).
        for (int i = 0; sb.length() < 200_000; i++) sb.append("line number ").append(i).append(" of the body\n");
        sb.append("last line without newline");
        String body = sb.toString();
        long lines = body.chars().filter(c -> c == '\n').count() + 1;
        for (String mode : List.of("read", "read-n", "readline", "readlines", "iter")) {
            HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create(server.url("/input?mode=" + mode + "&n=7")))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
            assertThat(r.statusCode()).as(mode + "\n" + server.output()).isEqualTo(200);
            assertThat(r.body()).as(mode).isEqualTo(body);
            long pieces = Long.parseLong(r.headers().firstValue("X-Pieces").orElseThrow());
            switch (mode) {
                case "read" -> assertThat(pieces).isEqualTo(1);
                case "read-n" -> assertThat(pieces).isEqualTo((body.length() + 6) / 7);
                default -> assertThat(pieces).as(mode).isEqualTo(lines);
            }
        }
    }

    @Test
    void readsAChunkedRequestBodyToItsEnd() throws Exception {
        try (Wire wire = new Wire(server.port())) {
            wire.send("POST /input?mode=read HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n");
            Thread.sleep(200); // the rest arrives later: the worker must ask for it, not see an early end
            wire.send("1\r\n \r\n5\r\nworld\r\n0\r\n\r\n");
            Wire.Response r = wire.read();
            assertThat(r.status()).as(server.output()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("hello world");
        }
    }

    @Test
    void givesAnEmptyBodyAsEmptyBytes() throws Exception {
        for (String mode : List.of("read", "readline", "readlines")) {
            Wire.Response r = request("POST /input?mode=" + mode + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n");
            assertThat(r.status()).as(server.output()).isEqualTo(200);
            assertThat(r.text()).isEmpty();
            assertThat(r.header("X-Pieces")).as(mode).isEqualTo(mode.equals("read") ? "1" : "0");
        }
        Wire.Response none = request("GET /input?mode=read HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(none.text()).isEmpty();
    }

    @Test
    void streamsA5MiBBodyThroughAndBackByteExact() throws Exception {
        byte[] body = new byte[5 << 20];
        new Random(42).nextBytes(body);
        HttpResponse<byte[]> echo = Http.sendBytes(HttpRequest.newBuilder(URI.create(server.url("/echo")))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
        assertThat(echo.statusCode()).as(server.output()).isEqualTo(200);
        assertThat(sha256(echo.body())).isEqualTo(sha256(body));

        HttpResponse<String> hash = Http.send(HttpRequest.newBuilder(URI.create(server.url("/hash")))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
        assertThat(hash.body()).isEqualTo(body.length + " " + sha256(body));
    }

    @Test
    void readsALargeChunkedBodyByteExact() throws Exception {
        byte[] body = new byte[3 << 20];
        new Random(43).nextBytes(body);
        // A publisher of unknown length: java.net.http sends it with Transfer-Encoding: chunked.
        HttpResponse<String> hash = Http.send(HttpRequest.newBuilder(URI.create(server.url("/hash")))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body))).build());
        assertThat(hash.statusCode()).as(server.output()).isEqualTo(200);
        assertThat(hash.body()).isEqualTo(body.length + " " + sha256(body));
    }

    @Test
    void sends100ContinueBeforeTheFinalResponseWhenTheAppReadsTheBody() throws Exception {
        try (Wire wire = new Wire(server.port())) {
            wire.send("POST /input?mode=read HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
                    + "Content-Length: 11\r\n\r\n");
            Wire.Response interim = wire.read();
            assertThat(interim.statusLine()).as(server.output()).isEqualTo("HTTP/1.1 100 Continue");
            wire.send("hello world");
            Wire.Response r = wire.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("hello world");
        }
    }

    // ---- start_response and the response ----

    @Test
    void acceptsAStatusWithoutAReasonPhrase() throws Exception {
        Wire.Response r = request("GET /status?s=no-reason HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(r.status()).as(server.output()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("status no-reason");
    }

    @Test
    void answers500ForAnInvalidStatusAndPutsNoneOfItOnTheWire() throws Exception {
        for (String s : List.of("no-code", "four-digits", "crlf", "lf")) {
            String wire = rawExchange("GET /status?s=" + s + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            assertThat(wire).as(s + "\n" + server.output()).startsWith("HTTP/1.1 500 ");
            assertThat(wire).as(s).doesNotContain("X-Injected").doesNotContain("status " + s);
        }
    }

    @Test
    void answers500ForAHeaderWithControlCharactersOrPartsThatAreNotStr() throws Exception {
        for (String h : List.of("name-crlf", "value-crlf", "value-lf", "name-bytes", "value-bytes", "value-int")) {
            String wire = rawExchange("GET /header?h=" + h + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            assertThat(wire).as(h + "\n" + server.output()).startsWith("HTTP/1.1 500 ");
            assertThat(wire).as(h).doesNotContain("X-Injected").doesNotContain("should not be sent");
        }
    }

    @Test
    void answers500WhenStartResponseIsCalledTwiceWithoutExcInfo() throws Exception {
        Wire.Response r = request("GET /start-twice HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(r.status()).as(server.output()).isEqualTo(500);
        assertThat(r.text()).doesNotContain("should not be sent");
        assertThat(server.awaitOutput("start_response called twice", Duration.ofSeconds(10))).as(server.output()).isTrue();
    }

    @Test
    void replacesTheStatusAndHeadersWhenExcInfoComesBeforeAnyBody() throws Exception {
        Wire.Response r = request("GET /exc-info-before-body HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(r.status()).as(server.output()).isEqualTo(500);
        assertThat(r.header("X-Replaced")).isEqualTo("yes");
        assertThat(r.header("X-First")).isNull();
        assertThat(r.text()).isEqualTo("custom error page");
    }

    @Test
    void abortsTheConnectionWhenExcInfoComesAfterTheBodyStarted() throws Exception {
        try (Wire wire = new Wire(server.port())) {
            wire.send("GET /exc-info-after-body HTTP/1.1\r\nHost: localhost\r\n\r\n");
            Wire.Response r = wire.read();
            assertThat(r.status()).as(server.output()).isEqualTo(200);
            assertThat(r.complete()).as("response should break off, got: " + r.text()).isFalse();
            assertThat(r.text()).contains("first chunk").doesNotContain("never sent");
        }
        assertThat(server.awaitOutput("failed after the body started", Duration.ofSeconds(10))).as(server.output()).isTrue();
    }

    @Test
    void sendsWriteOutputBeforeTheIterablesOutput() throws Exception {
        assertThat(Http.get(server.url("/write-then-iterable")).body()).isEqualTo("from write; from iterable");
    }

    @Test
    void callsCloseOnTheIterableWhenItEndsNormally() throws Exception {
        HttpResponse<String> r = Http.get(server.url("/close?mode=normal&id=normal-end"));
        assertThat(r.body()).as(server.output()).isEqualTo("one two");
        assertThat(recordedCloses()).contains("normal-end");
    }

    @Test
    void callsCloseOnTheIterableWhenIterationRaises() throws Exception {
        try (Wire wire = new Wire(server.port())) {
            wire.send("GET /close?mode=raise&id=raised HTTP/1.1\r\nHost: localhost\r\n\r\n");
            Wire.Response r = wire.read();
            assertThat(r.complete()).as(server.output()).isFalse();
            assertThat(r.text()).isEqualTo("first chunk");
        }
        assertThat(awaitRecordedClose("raised")).as(server.output()).isTrue();
    }

    @Test
    void callsCloseOnTheIterableWhenTheClientDisconnectsMidDownload() throws Exception {
        try (Wire wire = new Wire(server.port())) {
            wire.send("GET /close?mode=endless&id=disconnected HTTP/1.1\r\nHost: localhost\r\n\r\n");
            Wire.Response head = wire.readHead();
            assertThat(head.status()).as(server.output()).isEqualTo(200);
            wire.in.readNBytes(100_000);
        } // closing with unread data: the server sees a reset on its next write
        assertThat(awaitRecordedClose("disconnected")).as(server.output()).isTrue();
        assertThat(Http.get(server.url("/path/still-serving")).statusCode()).isEqualTo(200);
    }

    @Test
    void truncatesTheBodyToTheContentLengthTheAppGave() throws Exception {
        try (Wire wire = new Wire(server.port())) {
            wire.send("GET /content-length-truncates HTTP/1.1\r\nHost: localhost\r\n\r\n");
            Wire.Response r = wire.read();
            assertThat(r.status()).as(server.output()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("01234");
            // Nothing beyond the 5 bytes on the wire: the next response on the connection parses cleanly.
            wire.send("GET /path/next HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(wire.read().text()).isEqualTo("path /path/next");
        }
    }

    @Test
    void sendsTwoSetCookieHeadersAsTwoHeaderLines() throws Exception {
        String wire = rawExchange("GET /two-cookies HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertThat(wire).as(server.output()).contains("\r\nSet-Cookie: a=1; Path=/\r\n").contains("\r\nSet-Cookie: b=2; Path=/\r\n");
    }

    @Test
    void deliversAGeneratorsChunksAsTheyAreYielded() throws Exception {
        try (Wire wire = new Wire(server.port())) {
            wire.send("GET /incremental?delay=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            long firstAt = 0;
            StringBuilder seen = new StringBuilder();
            InputStream in = wire.in;
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) > 0; ) {
                seen.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                if (firstAt == 0 && seen.indexOf("first") >= 0) firstAt = System.nanoTime();
            }
            long endAt = System.nanoTime();
            assertThat(seen.toString()).as(server.output()).contains("first").contains("second");
            assertThat(firstAt).isNotZero();
            assertThat(Duration.ofNanos(endAt - firstAt)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        }
    }

    @Test
    void sendsARealFileThroughTheFileWrapperWithItsLength() throws Exception {
        byte[] content = new byte[300_000];
        new Random(7).nextBytes(content);
        Path file = Files.write(root.resolve("wrapped.bin"), content);

        HttpResponse<byte[]> whole = Http.sendBytes(HttpRequest.newBuilder(URI.create(server.url("/file?path=" + file))).build());
        assertThat(whole.statusCode()).as(server.output()).isEqualTo(200);
        assertThat(whole.headers().firstValue("Content-Length")).hasValue("300000");
        assertThat(whole.body()).isEqualTo(content);

        HttpResponse<byte[]> part = Http.sendBytes(HttpRequest.newBuilder(
                URI.create(server.url("/file?length=1000&path=" + file))).build());
        assertThat(part.headers().firstValue("Content-Length")).hasValue("1000");
        assertThat(part.body()).isEqualTo(java.util.Arrays.copyOf(content, 1000));
    }

    @Test
    void answers500ForAnItemThatIsNotBytesBeforeTheHeaders() throws Exception {
        for (String path : List.of("/non-bytes", "/non-bytes-generator")) {
            Wire.Response r = request("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(r.status()).as(path + "\n" + server.output()).isEqualTo(500);
            assertThat(r.text()).doesNotContain("a str, not bytes");
        }
    }

    @Test
    void abortsTheConnectionForAnItemThatIsNotBytesAfterTheHeaders() throws Exception {
        try (Wire wire = new Wire(server.port())) {
            wire.send("GET /non-bytes-after-headers HTTP/1.1\r\nHost: localhost\r\n\r\n");
            Wire.Response r = wire.read();
            assertThat(r.status()).as(server.output()).isEqualTo(200);
            assertThat(r.complete()).isFalse();
            assertThat(r.text()).isEqualTo("bytes first");
        }
    }

    @Test
    void acceptsStartResponseCalledFromInsideTheGenerator() throws Exception {
        HttpResponse<String> r = Http.get(server.url("/start-in-generator"));
        assertThat(r.statusCode()).as(server.output()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Lazy")).hasValue("yes");
        assertThat(r.body()).isEqualTo("started inside the generator");
    }

    @Test
    void answers500WhenTheAppReturnsNoIterableOrNeverCallsStartResponse() throws Exception {
        for (String path : List.of("/returns-none", "/no-start-response", "/bad-content-length")) {
            HttpResponse<String> r = Http.get(server.url(path));
            assertThat(r.statusCode()).as(path + "\n" + server.output()).isEqualTo(500);
            assertThat(r.body()).doesNotContain("no start_response");
        }
    }

    @Test
    void iteratesAFileWrapperOverAnObjectThatIsNotARealFile() throws Exception {
        HttpResponse<String> r = Http.get(server.url("/file-like"));
        assertThat(r.statusCode()).as(server.output()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("from a file-like object ".repeat(1000));
    }

    @Test
    void sendsAWrappedFileFromItsCurrentPosition() throws Exception {
        byte[] content = new byte[50_000];
        new Random(8).nextBytes(content);
        Path file = Files.write(root.resolve("offset.bin"), content);
        HttpResponse<byte[]> r = Http.sendBytes(HttpRequest.newBuilder(
                URI.create(server.url("/file-offset?offset=12345&path=" + file))).build());
        assertThat(r.statusCode()).as(server.output()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Length")).hasValue(Integer.toString(50_000 - 12345));
        assertThat(r.body()).isEqualTo(java.util.Arrays.copyOfRange(content, 12345, 50_000));
    }

    // ---- helpers ----

    static Wire.Response request(String raw) throws Exception {
        return request(server, raw);
    }

    static Wire.Response request(JwsgiProcess target, String raw) throws Exception {
        try (Wire wire = new Wire(target.port())) {
            wire.send(raw);
            return wire.read();
        }
    }

    /** Everything the server sends for one request, until it closes the connection. */
    static String rawExchange(String raw) throws Exception {
        try (Wire wire = new Wire(server.port())) {
            wire.send(raw);
            return new String(wire.rest(), StandardCharsets.ISO_8859_1);
        }
    }

    static String recordedCloses() throws Exception {
        return Http.get(server.url("/recorded?name=closed")).body();
    }

    static boolean awaitRecordedClose(String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (recordedCloses().lines().anyMatch(id::equals)) return true;
            Thread.sleep(50);
        }
        return false;
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    /** The app's environ dump: {@code key<TAB>type<TAB>value}, str values as hex of UTF-8, others as repr(). */
    record Environ(Map<String, String> types, Map<String, String> values) {
        static Environ of(Wire.Response r) {
            assertThat(r.status()).as(r.statusLine() + "\n" + r.text()).isEqualTo(200);
            Map<String, String> types = new HashMap<>();
            Map<String, String> values = new HashMap<>();
            for (String line : new String(r.body(), StandardCharsets.UTF_8).split("\n")) {
                String[] f = line.split("\t", 3);
                types.put(f[0], f[1]);
                values.put(f[0], f[1].equals("str")
                        ? new String(HexFormat.of().parseHex(f[2]), StandardCharsets.UTF_8) : f[2]);
            }
            return new Environ(types, values);
        }

        Set<String> keys() {
            return values.keySet();
        }

        String type(String key) {
            assertThat(types).containsKey(key);
            return types.get(key);
        }

        String str(String key) {
            assertThat(type(key)).as(key).isEqualTo("str");
            return values.get(key);
        }

        String value(String key) {
            assertThat(values).containsKey(key);
            return values.get(key);
        }
    }
}
