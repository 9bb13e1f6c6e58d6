package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.decoder.Decoder;
import com.aayushatharva.brotli4j.encoder.Encoder;
import io.jwsgi.it.HttpPathIT.Wire;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * Static files and --compress-responses (docs/static-files.md), against a real server with real clients:
 * java.net.http, raw sockets and curl. Two servers are shared by the tests: {@link #plain} (document root and
 * aliases only) and {@link #full} (plus --directory-index and --compress-responses).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StaticFilesIT {
    static final Path APP = Path.of("src/test/resources/apps/static_site.py").toAbsolutePath();
    static final String SECRET = "TOP-SECRET-" + Long.toHexString(new Random().nextLong());
    static final byte[] CSS = "body { color: #333; margin: 0 auto; }\n".repeat(300).getBytes(StandardCharsets.UTF_8);
    static final byte[] LINE = "The quick brown fox jumps over the lazy dog, from the application.\n"
            .getBytes(StandardCharsets.US_ASCII);

    @TempDir
    static Path dir;
    Path site;
    byte[] binary;
    JwsgiProcess plain;
    JwsgiProcess full;

    @RegisterExtension
    final TestWatcher printOutputOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            for (JwsgiProcess p : new JwsgiProcess[] {plain, full}) {
                if (p != null) System.err.println("--- server output ---\n" + p.output());
            }
        }
    };

    @BeforeAll
    void startServers() throws Exception {
        site = Files.createDirectories(dir.resolve("site"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), SECRET);
        Files.write(site.resolve("style.css"), CSS);
        Files.write(site.resolve("style.css.gz"), gzip(CSS));
        Brotli4jLoader.ensureAvailability();
        Files.write(site.resolve("style.css.br"), Encoder.compress(CSS));
        Files.writeString(site.resolve("page.html"), "<!doctype html><title>page</title>\n".repeat(100));
        Files.writeString(site.resolve("app.js"), "console.log('static');\n".repeat(100));
        Files.writeString(site.resolve("data.json"), "{\"static\": true}");
        Files.writeString(site.resolve("pic.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>\n".repeat(50));
        Files.writeString(site.resolve("plain text.txt"), "a name with a space\n".repeat(100));
        binary = new byte[100 * 1024];
        new Random(42).nextBytes(binary);
        Files.write(site.resolve("image.png"), binary);
        Files.createDirectories(site.resolve("sub"));
        Files.writeString(site.resolve("sub/index.html"), "<h1>sub index</h1>");
        Files.writeString(site.resolve("sub/other.txt"), "other");
        Files.createDirectories(site.resolve("empty"));
        Files.createSymbolicLink(site.resolve("link-in.css"), Path.of("style.css"));
        Files.createSymbolicLink(site.resolve("link-out.txt"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(site.resolve("linkdir-out"), outside);

        Path assets = Files.createDirectories(dir.resolve("assets"));
        Files.writeString(assets.resolve("a.txt"), "asset a");
        Files.createDirectories(assets.resolve("img"));
        Files.writeString(assets.resolve("img/hidden.txt"), "shadowed by the longer alias");
        Path images = Files.createDirectories(dir.resolve("images"));
        Files.writeString(images.resolve("logo.svg"), "<svg/>");
        Files.writeString(dir.resolve("robots.txt"), "User-agent: *\n");
        // An alias whose configured path is itself a symbolic link out of everything: the user chose it.
        Files.createSymbolicLink(dir.resolve("configured-link"), outside);

        List<String> common = List.of(APP.toString(), "--document-root", site.toString(),
                "--url-alias", "/static", assets.toString(),
                "--url-alias", "/static/img", images.toString(),
                "--url-alias", "/robots.txt", dir.resolve("robots.txt").toString(),
                "--url-alias", "/configured/", dir.resolve("configured-link").toString());
        plain = JwsgiProcess.start(Files.createDirectories(dir.resolve("root-plain")), common.toArray(String[]::new));
        List<String> more = new ArrayList<>(common);
        more.addAll(List.of("--directory-index", "index.html", "--compress-responses"));
        full = JwsgiProcess.start(Files.createDirectories(dir.resolve("root-full")), more.toArray(String[]::new));
    }

    @AfterAll
    void stopServers() throws Exception {
        if (plain != null) plain.close();
        if (full != null) full.close();
    }

    // ------------------------------------------------------------------ document root and aliases

    @Test
    void servesDocumentRootFilesWithTheirMimeTypesAndLeavesEverythingElseToTheApplication() throws Exception {
        assertThat(get(plain, "/style.css").headers().firstValue("Content-Type")).hasValue("text/css");
        assertThat(get(plain, "/page.html").headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(get(plain, "/app.js").headers().firstValue("Content-Type").orElseThrow())
                .isIn("text/javascript", "application/javascript");
        assertThat(get(plain, "/data.json").headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(get(plain, "/pic.svg").headers().firstValue("Content-Type")).hasValue("image/svg+xml");
        HttpResponse<byte[]> png = get(plain, "/image.png");
        assertThat(png.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(png.headers().firstValue("Content-Length")).hasValue(String.valueOf(binary.length));
        assertThat(png.body()).isEqualTo(binary);
        assertThat(text(get(plain, "/plain%20text.txt"))).startsWith("a name with a space");
        assertThat(get(plain, "/link-in.css").body()).isEqualTo(CSS); // a link that stays inside the root

        // Not a file of the document root: the application answers.
        assertThat(text(get(plain, "/missing.css"))).isEqualTo("app:/missing.css");
        assertThat(text(get(plain, "/"))).isEqualTo("app:/");
        assertThat(text(get(plain, "/sub"))).isEqualTo("app:/sub"); // directories too, without --directory-index
        assertThat(text(get(plain, "/sub/"))).isEqualTo("app:/sub/");
        assertThat(text(get(plain, "/style.css?v=3"))).isNotEqualTo("app:/style.css"); // a query string is no matter
    }

    @Test
    void headAnswersWithTheHeadersOfGetAndNoBody() throws Exception {
        try (Wire w = new Wire(plain.port())) {
            w.send("HEAD /image.png HTTP/1.1\r\nHost: localhost\r\n\r\n");
            Wire.Response head = w.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo(String.valueOf(binary.length));
            assertThat(head.header("ETag")).isNotNull();
            // The connection is still in step: the next response is the next request's.
            w.send("GET /data.json HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(w.read().text()).isEqualTo("{\"static\": true}");
        }
    }

    @Test
    void anIdleConnectionAfterAStaticResponseIsClosedAfterTheKeepAliveTimeout() throws Exception {
        // --keep-alive-timeout is 2 s here (the default), --socket-timeout 60 s: a static response must hand the
        // connection the keep-alive timeout as the application's responses do, not leave it at 60 s.
        try (Wire w = new Wire(plain.port())) {
            w.send("GET /data.json HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(w.read().status()).isEqualTo(200);
            long t0 = System.nanoTime();
            assertThat(w.rest()).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(20));
        }
    }

    @Test
    void otherMethodsOnAStaticFileAre405AndGoToTheApplicationElsewhere() throws Exception {
        HttpResponse<byte[]> post = send(plain, HttpRequest.newBuilder(uri(plain, "/style.css"))
                .POST(HttpRequest.BodyPublishers.ofString("x")));
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
        HttpResponse<byte[]> toApp = send(plain, HttpRequest.newBuilder(uri(plain, "/form"))
                .POST(HttpRequest.BodyPublishers.ofString("x")));
        assertThat(text(toApp)).isEqualTo("app:/form");
    }

    @Test
    void aUrlAliasOwnsItsUrlsLongestFirstAndAMissingFileThereIsA404() throws Exception {
        assertThat(text(get(plain, "/static/a.txt"))).isEqualTo("asset a");
        HttpResponse<byte[]> missing = get(plain, "/static/nope.txt");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(text(missing)).doesNotContain("app:");
        // /static/img is its own alias (longer URL wins), not assets/img.
        assertThat(text(get(plain, "/static/img/logo.svg"))).isEqualTo("<svg/>");
        assertThat(get(plain, "/static/img/hidden.txt").statusCode()).isEqualTo(404);
        // A segment boundary, not a string prefix: /staticfoo is the application's.
        assertThat(text(get(plain, "/staticfoo"))).isEqualTo("app:/staticfoo");
        // The bare directory URL redirects to the slash form (Apache's mod_dir does the same).
        try (Wire w = new Wire(plain.port())) {
            w.send("GET /static HTTP/1.1\r\nHost: localhost\r\n\r\n");
            Wire.Response r = w.read();
            assertThat(r.status()).isBetween(301, 308);
            assertThat(r.header("Location")).endsWith("/static/");
        }
        // No listings: a directory without an index file is forbidden.
        assertThat(get(plain, "/static/").statusCode()).isEqualTo(403);
        // A file alias is that one URL.
        assertThat(text(get(plain, "/robots.txt"))).isEqualTo("User-agent: *\n");
        assertThat(get(plain, "/robots.txt/more").statusCode()).isEqualTo(404);
        // An alias URL given with a trailing slash matches only below it; its path may be a link the user chose.
        assertThat(text(get(plain, "/configured/secret.txt"))).isEqualTo(SECRET);
        assertThat(text(get(plain, "/configured"))).isEqualTo("app:/configured");
    }

    @Test
    void directoryIndexServesTheIndexFileAndForbidsDirectoriesWithoutOne() throws Exception {
        HttpResponse<byte[]> index = get(full, "/sub/");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(text(index)).isEqualTo("<h1>sub index</h1>");
        try (Wire w = new Wire(full.port())) {
            w.send("GET /sub?x=1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
            Wire.Response r = w.read();
            assertThat(r.status()).isBetween(301, 308);
            assertThat(r.header("Location")).endsWith("/sub/?x=1");
        }
        // With --directory-index the document root's directories are served, as mod_wsgi-express does:
        // no index file there means 403, not the application.
        assertThat(get(full, "/empty/").statusCode()).isEqualTo(403);
        assertThat(get(full, "/").statusCode()).isEqualTo(403);
        assertThat(text(get(full, "/not-a-file"))).isEqualTo("app:/not-a-file");
    }

    // ------------------------------------------------------------------ validators and ranges

    @Test
    void answersConditionalRequestsWith304ByEtagAndByDate() throws Exception {
        HttpResponse<byte[]> first = get(plain, "/image.png");
        String etag = first.headers().firstValue("ETag").orElseThrow();
        String lastModified = first.headers().firstValue("Last-Modified").orElseThrow();
        HttpResponse<byte[]> byTag = send(plain, HttpRequest.newBuilder(uri(plain, "/image.png"))
                .header("If-None-Match", etag));
        assertThat(byTag.statusCode()).isEqualTo(304);
        assertThat(byTag.body()).isEmpty();
        HttpResponse<byte[]> byDate = send(plain, HttpRequest.newBuilder(uri(plain, "/image.png"))
                .header("If-Modified-Since", lastModified));
        assertThat(byDate.statusCode()).isEqualTo(304);
        HttpResponse<byte[]> stale = send(plain, HttpRequest.newBuilder(uri(plain, "/image.png"))
                .header("If-None-Match", "W/\"something-else\""));
        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(stale.body()).isEqualTo(binary);
    }

    @Test
    void answersByteRangesWith206AndUnsatisfiableOnesWith416() throws Exception {
        HttpResponse<byte[]> one = send(plain, HttpRequest.newBuilder(uri(plain, "/image.png"))
                .header("Range", "bytes=100-199"));
        assertThat(one.statusCode()).isEqualTo(206);
        assertThat(one.headers().firstValue("Content-Range")).hasValue("bytes 100-199/" + binary.length);
        assertThat(one.body()).isEqualTo(java.util.Arrays.copyOfRange(binary, 100, 200));
        HttpResponse<byte[]> suffix = send(plain, HttpRequest.newBuilder(uri(plain, "/image.png"))
                .header("Range", "bytes=-10"));
        assertThat(suffix.body()).isEqualTo(java.util.Arrays.copyOfRange(binary, binary.length - 10, binary.length));
        HttpResponse<byte[]> two = send(plain, HttpRequest.newBuilder(uri(plain, "/image.png"))
                .header("Range", "bytes=0-9,50-59"));
        assertThat(two.statusCode()).isEqualTo(206);
        assertThat(two.headers().firstValue("Content-Type").orElseThrow()).startsWith("multipart/byteranges");
        HttpResponse<byte[]> beyond = send(plain, HttpRequest.newBuilder(uri(plain, "/image.png"))
                .header("Range", "bytes=" + binary.length + "-"));
        assertThat(beyond.statusCode()).isEqualTo(416);
        assertThat(beyond.headers().firstValue("Content-Range")).hasValue("bytes */" + binary.length);
    }

    @Test
    void aRangeWhoseIfRangeNoLongerMatchesGetsTheWholeFile() throws Exception {
        String lastModified = get(plain, "/image.png").headers().firstValue("Last-Modified").orElseThrow();
        HttpResponse<byte[]> current = send(plain, HttpRequest.newBuilder(uri(plain, "/image.png"))
                .header("Range", "bytes=0-9").header("If-Range", lastModified));
        assertThat(current.statusCode()).isEqualTo(206);
        HttpResponse<byte[]> changed = send(plain, HttpRequest.newBuilder(uri(plain, "/image.png"))
                .header("Range", "bytes=0-9").header("If-Range", "Mon, 01 Jan 2001 00:00:00 GMT"));
        assertThat(changed.statusCode()).isEqualTo(200);
        assertThat(changed.body()).isEqualTo(binary);
    }

    @Test
    void servesPrecompressedSiblingsOnlyToClientsThatAcceptThem() throws Exception {
        HttpResponse<byte[]> gz = send(plain, HttpRequest.newBuilder(uri(plain, "/style.css"))
                .header("Accept-Encoding", "gzip"));
        assertThat(gz.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(gz.headers().firstValue("Content-Type")).hasValue("text/css");
        assertThat(gz.headers().allValues("Vary")).containsExactly("Accept-Encoding");
        assertThat(gunzip(gz.body())).isEqualTo(CSS);
        assertThat(gz.body()).isEqualTo(Files.readAllBytes(site.resolve("style.css.gz")));
        HttpResponse<byte[]> br = send(plain, HttpRequest.newBuilder(uri(plain, "/style.css"))
                .header("Accept-Encoding", "gzip;q=0.5, br"));
        assertThat(br.headers().firstValue("Content-Encoding")).hasValue("br");
        assertThat(unbrotli(br.body())).isEqualTo(CSS);
        HttpResponse<byte[]> identity = get(plain, "/style.css");
        assertThat(identity.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(identity.body()).isEqualTo(CSS);
        // A range is a range of the file itself, whatever the client accepts.
        HttpResponse<byte[]> range = send(plain, HttpRequest.newBuilder(uri(plain, "/style.css"))
                .header("Accept-Encoding", "gzip, br").header("Range", "bytes=0-3"));
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(text(range)).isEqualTo("body");
    }

    // ------------------------------------------------------------------ confinement

    @Test
    void neverServesAFileFromOutsideTheConfiguredDirectories() throws Exception {
        List<String> targets = List.of(
                "/../outside/secret.txt", "/../../outside/secret.txt", "/static/../../outside/secret.txt",
                "/%2e%2e/outside/secret.txt", "/%2E%2E/outside/secret.txt", "/static/%2e%2e/%2e%2e/outside/secret.txt",
                "/static/..%2f..%2foutside/secret.txt", "/static/..%5c..%5coutside%5csecret.txt",
                "/.%2e/outside/secret.txt", "/static/.%2e/.%2e/outside/secret.txt",
                "/link-out.txt", "/linkdir-out/secret.txt", "/static/../linkdir-out/secret.txt",
                "/robots.txt/../outside/secret.txt", "//outside/secret.txt", "/%00/../outside/secret.txt",
                "/static/a.txt%00.png");
        for (JwsgiProcess server : List.of(plain, full)) {
            for (String target : targets) {
                try (Wire w = new Wire(server.port())) {
                    w.send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
                    byte[] all = w.rest();
                    assertThat(new String(all, StandardCharsets.ISO_8859_1)).as(target).doesNotContain(SECRET)
                            .startsWith("HTTP/1.1 ");
                }
            }
        }
        // The same with curl, which sends the path as given with --path-as-is.
        for (String target : List.of("/../outside/secret.txt", "/static/../../outside/secret.txt",
                "/link-out.txt", "/linkdir-out/secret.txt")) {
            String out = curl("-s", "--path-as-is", plain.url(target));
            assertThat(out).as(target).doesNotContain(SECRET);
        }
        // Links leaving the root fall through to the application (not a file of the root), never to the file.
        assertThat(text(get(plain, "/link-out.txt"))).isEqualTo("app:/link-out.txt");
    }

    // ------------------------------------------------------------------ compression

    @Test
    void compressesTextJsonJavascriptAndXmlFromTheApplication() throws Exception {
        byte[] expected = appBody(20000);
        for (String path : List.of("/c/text", "/c/html", "/c/json", "/c/js", "/c/xml", "/c/svg", "/c/atom")) {
            HttpResponse<byte[]> gz = send(full, HttpRequest.newBuilder(uri(full, path))
                    .header("Accept-Encoding", "gzip, deflate, br"));
            assertThat(gz.headers().firstValue("Content-Encoding")).as(path).hasValue("gzip");
            assertThat(gz.headers().allValues("Vary")).as(path).contains("Accept-Encoding");
            assertThat(gz.body().length).as(path).isLessThan(expected.length / 5);
            assertThat(gunzip(gz.body())).as(path).isEqualTo(expected);
            HttpResponse<byte[]> br = send(full, HttpRequest.newBuilder(uri(full, path))
                    .header("Accept-Encoding", "br"));
            assertThat(br.headers().firstValue("Content-Encoding")).as(path).hasValue("br");
            assertThat(unbrotli(br.body())).as(path).isEqualTo(expected);
            HttpResponse<byte[]> identity = get(full, path);
            assertThat(identity.headers().firstValue("Content-Encoding")).as(path).isEmpty();
            assertThat(identity.body()).as(path).isEqualTo(expected);
        }
    }

    @Test
    void leavesOtherTypesRangesAndAlreadyEncodedBodiesAlone() throws Exception {
        byte[] expected = appBody(20000);
        for (String path : List.of("/c/png", "/c/octets", "/c/no-type", "/c/small")) {
            HttpResponse<byte[]> r = send(full, HttpRequest.newBuilder(uri(full, path))
                    .header("Accept-Encoding", "gzip, br"));
            assertThat(r.headers().firstValue("Content-Encoding")).as(path).isEmpty();
        }
        HttpResponse<byte[]> encoded = send(full, HttpRequest.newBuilder(uri(full, "/c/encoded"))
                .header("Accept-Encoding", "gzip, br"));
        assertThat(encoded.headers().allValues("Content-Encoding")).containsExactly("gzip");
        assertThat(gunzip(encoded.body())).isEqualTo(expected); // encoded once, by the app, and only once
        HttpResponse<byte[]> partial = send(full, HttpRequest.newBuilder(uri(full, "/c/partial"))
                .header("Accept-Encoding", "gzip, br"));
        assertThat(partial.statusCode()).isEqualTo(206);
        assertThat(partial.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(partial.body()).isEqualTo(java.util.Arrays.copyOfRange(expected, 100, 10100));
        // Static files: a range response is never compressed, an image never is.
        HttpResponse<byte[]> range = send(full, HttpRequest.newBuilder(uri(full, "/page.html"))
                .header("Accept-Encoding", "gzip, br").header("Range", "bytes=0-99"));
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(range.body()).hasSize(100);
        HttpResponse<byte[]> png = send(full, HttpRequest.newBuilder(uri(full, "/image.png"))
                .header("Accept-Encoding", "gzip, br"));
        assertThat(png.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(png.body()).isEqualTo(binary);
    }

    @Test
    void compressesStaticFilesAndKeeps304sWorkingWithTheCompressedEtag() throws Exception {
        byte[] html = Files.readAllBytes(site.resolve("page.html"));
        HttpResponse<byte[]> gz = send(full, HttpRequest.newBuilder(uri(full, "/page.html"))
                .header("Accept-Encoding", "gzip"));
        assertThat(gz.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(gunzip(gz.body())).isEqualTo(html);
        String etag = gz.headers().firstValue("ETag").orElseThrow();
        HttpResponse<byte[]> again = send(full, HttpRequest.newBuilder(uri(full, "/page.html"))
                .header("Accept-Encoding", "gzip").header("If-None-Match", etag));
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.headers().firstValue("ETag")).hasValue(etag);
        // The precompressed sibling still wins over compressing on the fly.
        HttpResponse<byte[]> css = send(full, HttpRequest.newBuilder(uri(full, "/style.css"))
                .header("Accept-Encoding", "gzip"));
        assertThat(css.body()).isEqualTo(Files.readAllBytes(site.resolve("style.css.gz")));
    }

    @Test
    void requestBodiesReachTheApplicationAsSentEvenWhenCompressed() throws Exception {
        byte[] compressed = gzip(appBody(5000));
        HttpResponse<byte[]> echo = send(full, HttpRequest.newBuilder(uri(full, "/c/echo"))
                .header("Content-Encoding", "gzip").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofByteArray(compressed)));
        assertThat(echo.headers().firstValue("X-Seen-Content-Encoding")).hasValue("gzip");
        assertThat(echo.body()).isEqualTo(compressed);
    }

    @Test
    void aStreamedApplicationResponseIsCompressedAsTheApplicationProducesIt() throws Exception {
        Path marker = dir.resolve("stream-marker-" + System.nanoTime());
        HttpRequest request = HttpRequest.newBuilder(uri(full, "/c/stream?marker=" + marker))
                .header("Accept-Encoding", "gzip").timeout(Duration.ofSeconds(60)).build();
        HttpResponse<InputStream> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.headers().firstValue("Content-Encoding")).hasValue("gzip");
        try (InputStream body = new GZIPInputStream(response.body(), 1024)) {
            // The first 64 KiB must arrive, compressed, while the application still waits for the marker: the
            // front end neither buffers the body nor holds back the encoder's output.
            CompletableFuture<byte[]> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return body.readNBytes(64 * 1024);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(appBody(64 * 1024));
            assertThat(Files.exists(marker)).isFalse();
            Files.writeString(marker, "go");
            assertThat(new String(body.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("END");
        }
    }

    @Test
    void curlGetsCompressedAndUncompressedContentRight() throws Exception {
        String viaGzip = curl("-s", "--compressed", "-H", "Accept-Encoding: gzip", full.url("/c/json"));
        assertThat(viaGzip.getBytes(StandardCharsets.US_ASCII)).isEqualTo(appBody(20000));
        String viaBrotli = curl("-s", "--compressed", "-H", "Accept-Encoding: br", full.url("/page.html"));
        assertThat(viaBrotli).isEqualTo(Files.readString(site.resolve("page.html")));
        String headers = curl("-s", "-D", "-", "-o", "/dev/null", "-H", "Accept-Encoding: br", full.url("/c/text"));
        assertThat(headers).containsIgnoringCase("content-encoding: br").containsIgnoringCase("vary: accept-encoding");
        String range = curl("-s", "-r", "5-9", plain.url("/static/a.txt"));
        assertThat(range).isEqualTo(" a");
    }

    // ------------------------------------------------------------------ --enable-sendfile

    @Test
    void withSendfileServesFilesFromTheirMappingAndSeesThemChange() throws Exception {
        Path root = Files.createDirectories(dir.resolve("mapped"));
        byte[] first = new byte[100 * 1024];
        new Random(7).nextBytes(first);
        Path file = root.resolve("data.bin");
        Files.write(file, first);
        Files.writeString(root.resolve("small.txt"), "x");
        try (JwsgiProcess server = JwsgiProcess.start(Files.createDirectories(dir.resolve("root-mapped")),
                APP.toString(), "--document-root", root.toString(), "--enable-sendfile")) {
            assertThat(get(server, "/data.bin").body()).as(server.output()).isEqualTo(first);
            assertThat(get(server, "/data.bin").body()).isEqualTo(first);
            // The file is served from a mapping of it in the server process (and only with this option).
            assertThat(mappedFiles(server)).contains(file.toRealPath().toString());
            get(plain, "/image.png");
            assertThat(mappedFiles(plain)).doesNotContain(site.resolve("image.png").toRealPath().toString());
            HttpResponse<byte[]> range = send(server, HttpRequest.newBuilder(uri(server, "/data.bin"))
                    .header("Range", "bytes=1000-1999"));
            assertThat(range.body()).isEqualTo(java.util.Arrays.copyOfRange(first, 1000, 2000));
            assertThat(text(get(server, "/small.txt"))).isEqualTo("x");
            // A replaced file (new size, new time) is mapped again, never served stale.
            byte[] second = new byte[50 * 1024];
            new Random(8).nextBytes(second);
            Path replacement = root.resolve("data.bin.new");
            Files.write(replacement, second);
            Files.setLastModifiedTime(replacement, FileTime.from(Instant.now().plusSeconds(5)));
            Files.move(replacement, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            assertThat(get(server, "/data.bin").body()).isEqualTo(second);
            assertThat(text(get(server, "/gone.bin"))).isEqualTo("app:/gone.bin");
        }
    }

    // ------------------------------------------------------------------ helpers

    /** The files the server process has memory-mapped, from /proc/PID/maps. */
    static String mappedFiles(JwsgiProcess server) throws IOException {
        return Files.readString(Path.of("/proc", String.valueOf(server.process().pid()), "maps"));
    }

    static byte[] appBody(int size) {
        byte[] out = new byte[size];
        for (int i = 0; i < size; i++) out[i] = LINE[i % LINE.length];
        return out;
    }

    static URI uri(JwsgiProcess server, String path) {
        return URI.create(server.url(path));
    }

    static HttpResponse<byte[]> get(JwsgiProcess server, String path) throws Exception {
        return send(server, HttpRequest.newBuilder(uri(server, path)));
    }

    static HttpResponse<byte[]> send(JwsgiProcess server, HttpRequest.Builder request) throws Exception {
        return Http.sendBytes(request.timeout(Duration.ofSeconds(30)).build());
    }

    static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    static byte[] gzip(byte[] data) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    static byte[] gunzip(byte[] data) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
            return in.readAllBytes();
        }
    }

    static byte[] unbrotli(byte[] data) throws IOException {
        Brotli4jLoader.ensureAvailability();
        return Decoder.decompress(data).getDecompressedData();
    }

    static String curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "--max-time", "30"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(40, TimeUnit.SECONDS)).isTrue();
        return new String(out, StandardCharsets.ISO_8859_1);
    }
}
