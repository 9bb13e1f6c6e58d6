package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.it.HttpPathIT.Wire;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the front end does around the app: keep-alive, max-clients, which paths are served, truncation. */
class FrontEndIT {
    static final Path APP = Path.of("src/test/resources/apps/pep3333.py").toAbsolutePath();

    @TempDir
    Path root;

    @Test
    void idleKeepAliveConnectionsNeverLockOutANewClient() throws Exception {
        // 1 process x 5 threads: max-clients defaults to 20. Thirty idle keep-alive connections must not count.
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--keep-alive-timeout", "30")) {
            List<Wire> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 30; i++) {
                    Wire w = new Wire(server.port());
                    idle.add(w);
                    w.send("GET /pid HTTP/1.1\r\nHost: localhost\r\n\r\n");
                    assertThat(w.read().status()).isEqualTo(200);
                }
                try (Wire fresh = new Wire(server.port())) {
                    fresh.socket.setSoTimeout(10_000);
                    fresh.send("GET /pid HTTP/1.1\r\nHost: localhost\r\n\r\n");
                    assertThat(fresh.read().status()).as(server.output()).isEqualTo(200);
                }
            } finally {
                for (Wire w : idle) w.close();
            }
        }
    }

    @Test
    void closesAnIdleConnectionAfterTheKeepAliveTimeoutAndNotDuringASlowRequest() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--keep-alive-timeout", "1");
             Wire w = new Wire(server.port())) {
            // A request running longer than keep-alive-timeout is not cut off by it.
            w.send("GET /sleep?secs=2 HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(w.read().status()).as(server.output()).isEqualTo(200);
            long t0 = System.nanoTime();
            assertThat(w.rest()).isEmpty(); // the server closes the idle connection
            Duration idle = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(idle).isBetween(Duration.ofMillis(500), Duration.ofSeconds(15));
        }
    }

    @Test
    void keepAliveTimeoutZeroClosesEveryConnectionAfterItsResponse() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--keep-alive-timeout", "0");
             Wire w = new Wire(server.port())) {
            w.send("GET /pid HTTP/1.1\r\nHost: localhost\r\n\r\n");
            Wire.Response r = w.read();
            assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(w.rest()).isEmpty();
        }
    }

    @Test
    void servesPathsApacheServesAndRefusesAnEncodedSlash() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString())) {
            assertThat(pathInfo(server, "/environ/a%25b")).isEqualTo("/environ/a%b");
            assertThat(pathInfo(server, "/environ/a%5Cb")).isEqualTo("/environ/a\\b");
            assertThat(pathInfo(server, "/environ/a%FFb")).isEqualTo("/environ/a\u00ffb");
            try (Wire w = new Wire(server.port())) {
                w.send("GET /environ/a%2Fb HTTP/1.1\r\nHost: localhost\r\n\r\n");
                Wire.Response r = w.read();
                assertThat(r.status()).isEqualTo(400);
                assertThat(new String(r.body(), StandardCharsets.ISO_8859_1)).doesNotContain("Exception").doesNotContain("jetty");
            }
        }
    }

    private static String pathInfo(JwsgiProcess server, String target) throws Exception {
        try (Wire w = new Wire(server.port())) {
            w.send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
            return Pep3333IT.Environ.of(w.read()).str("PATH_INFO");
        }
    }

    @Test
    void aBodyShorterThanItsContentLengthIsTruncatedWithTheAppsStatusNotA500() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString());
             Wire w = new Wire(server.port())) {
            w.send("GET /short-content-length HTTP/1.1\r\nHost: localhost\r\n\r\n");
            Wire.Response r = w.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Length")).isEqualTo("100");
            assertThat(new String(r.body(), StandardCharsets.ISO_8859_1)).isEqualTo("only five");
            assertThat(r.complete()).isFalse();
            assertThat(server.awaitOutput("response shorter than its Content-Length", Duration.ofSeconds(10))).isTrue();
        }
    }
}
