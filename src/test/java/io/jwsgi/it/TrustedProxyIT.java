package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --trust-proxy-header and --trust-proxy (CVE-2022-2255): the tests connect from 127.0.0.1, so one server trusts
 * 127.0.0.1/32 and another only 10.0.0.0/8. The app echoes its environ as JSON, parsed by Python's json module.
 */
class TrustedProxyIT {
    static final Path APP = Path.of("src/test/resources/apps/logs_app.py").toAbsolutePath();
    static final String[] HONOURED = {"--trust-proxy-header", "X-Forwarded-For", "--trust-proxy-header",
            "X-Forwarded-Proto", "--trust-proxy-header", "X-Forwarded-Host", "--trust-proxy-header", "X-Forwarded-Port",
            "--trust-proxy-header", "X-Script-Name"};
    /** Every forwarded header a client could send, honoured or not, and an underscore twin. */
    static final String SPOOFED = "X-Forwarded-Proto: https\r\nX-Forwarded-Host: proxy.example:8443\r\n"
            + "X-Forwarded-Port: 443\r\nX-Script-Name: /prefix\r\nX-Client-IP: 198.51.100.66\r\n"
            + "X-Real-IP: 198.51.100.67\r\nX-Forwarded-Server: server.example\r\nX-Forwarded-SSL: on\r\n"
            + "X-Forwarded-HTTPS: on\r\nX-HTTPS: 1\r\nX-Forwarded-Scheme: https\r\nX-Scheme: https\r\n"
            + "X-Host: host.example\r\nX-Forwarded-Script-Name: /other\r\nForwarded: for=198.51.100.68\r\n"
            + "X_Forwarded_For: 198.51.100.69\r\n";
    static final List<String> FORWARDED_KEYS = List.of("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO",
            "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT", "HTTP_X_SCRIPT_NAME", "HTTP_X_CLIENT_IP", "HTTP_X_REAL_IP",
            "HTTP_X_FORWARDED_SERVER", "HTTP_X_FORWARDED_SSL", "HTTP_X_FORWARDED_HTTPS", "HTTP_X_HTTPS",
            "HTTP_X_FORWARDED_SCHEME", "HTTP_X_SCHEME", "HTTP_X_HOST", "HTTP_X_FORWARDED_SCRIPT_NAME");

    @TempDir
    Path root;

    @Test
    void aTrustedProxysHeadersRewriteTheEnvironAndTheOthersAreRemoved() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.startLoggingToFiles(root, args("127.0.0.1/32"))) {
            Map<String, String> env = environ(server, "X-Forwarded-For: 198.51.100.1, 203.0.113.7, 127.0.0.1\r\n" + SPOOFED);
            assertThat(env).containsEntry("REMOTE_ADDR", "203.0.113.7")
                    .containsEntry("HTTP_X_FORWARDED_FOR", "203.0.113.7, 127.0.0.1")
                    .containsEntry("wsgi.url_scheme", "https")
                    .containsEntry("HTTP_HOST", "proxy.example:8443")
                    .containsEntry("SERVER_NAME", "proxy.example")
                    .containsEntry("SERVER_PORT", "443")
                    .containsEntry("SCRIPT_NAME", "/prefix")
                    .containsEntry("mod_wsgi.mount_point", "/prefix")
                    .containsEntry("mod_wsgi.script_name", "")
                    .containsEntry("PATH_INFO", "/environ")
                    .containsEntry("HTTP_X_FORWARDED_PROTO", "https")
                    .containsEntry("HTTP_X_FORWARDED_HOST", "proxy.example:8443")
                    .containsEntry("HTTP_X_FORWARDED_PORT", "443")
                    .containsEntry("HTTP_X_SCRIPT_NAME", "/prefix")
                    .containsEntry("HTTP_FORWARDED", "for=198.51.100.68");
            // Not named by --trust-proxy-header: removed even from a trusted proxy.
            assertThat(env).doesNotContainKeys("HTTP_X_CLIENT_IP", "HTTP_X_REAL_IP", "HTTP_X_FORWARDED_SERVER",
                    "HTTP_X_FORWARDED_SSL", "HTTP_X_FORWARDED_HTTPS", "HTTP_X_HTTPS", "HTTP_X_FORWARDED_SCHEME",
                    "HTTP_X_SCHEME", "HTTP_X_HOST", "HTTP_X_FORWARDED_SCRIPT_NAME");

            // The access log's %h is the resolved client, %{c}a the proxy that connected.
            List<String> log = LoggingIT.awaitLines(root.resolve("access_log"), 1);
            assertThat(log.getFirst()).isEqualTo("203.0.113.7 127.0.0.1 GET /environ 200 203.0.113.7 127.0.0.1");
        }
    }

    @Test
    void forwardedForIsWalkedBackThroughTrustedProxiesOnly() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.startLoggingToFiles(root, args("127.0.0.1/32"))) {
            // Every hop trusted: the leftmost.
            assertThat(environ(server, "X-Forwarded-For: 127.0.0.1, 127.0.0.1\r\n"))
                    .containsEntry("REMOTE_ADDR", "127.0.0.1").containsEntry("HTTP_X_FORWARDED_FOR", "127.0.0.1, 127.0.0.1");
            // The rightmost untrusted hop, not the leftmost a client can write anything into.
            assertThat(environ(server, "X-Forwarded-For: 192.0.2.1, 198.51.100.2\r\n"))
                    .containsEntry("REMOTE_ADDR", "198.51.100.2").containsEntry("HTTP_X_FORWARDED_FOR", "198.51.100.2");
            // Empty elements are skipped (mod_wsgi 6.0), repeated fields are one list, IPv6 works.
            assertThat(environ(server, "X-Forwarded-For: , 2001:db8::1,,\r\nX-Forwarded-For: 127.0.0.1\r\n"))
                    .containsEntry("REMOTE_ADDR", "2001:db8::1")
                    .containsEntry("HTTP_X_FORWARDED_FOR", "2001:db8::1, 127.0.0.1");
            // A hop that is not an address: REMOTE_ADDR stays the peer, and the header goes.
            Map<String, String> garbage = environ(server, "X-Forwarded-For: <script>, 127.0.0.1\r\n");
            assertThat(garbage).containsEntry("REMOTE_ADDR", "127.0.0.1").doesNotContainKey("HTTP_X_FORWARDED_FOR");
            // A scheme value that is neither http nor https changes nothing.
            assertThat(environ(server, "X-Forwarded-Proto: gopher\r\n")).containsEntry("wsgi.url_scheme", "http")
                    .doesNotContainKey("HTTP_X_FORWARDED_PROTO");
            // A port or host that is not one changes nothing either.
            assertThat(environ(server, "X-Forwarded-Port: 99999\r\nX-Forwarded-Host: a b\r\n"))
                    .containsEntry("SERVER_PORT", "80").containsEntry("HTTP_HOST", "localhost")
                    .doesNotContainKeys("HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_HOST");
            // Untouched without forwarded headers.
            Map<String, String> plain = environ(server, "");
            assertThat(plain).containsEntry("REMOTE_ADDR", "127.0.0.1").containsEntry("SCRIPT_NAME", "")
                    .containsEntry("SERVER_NAME", "localhost").containsEntry("HTTP_HOST", "localhost")
                    .doesNotContainKey("mod_wsgi.mount_point");
        }
    }

    @Test
    void anUntrustedPeerHasEveryForwardedHeaderRemovedAndChangesNothing() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.startLoggingToFiles(root, args("10.0.0.0/8"))) {
            Map<String, String> env = environ(server, "X-Forwarded-For: 203.0.113.7\r\n" + SPOOFED);
            assertThat(env).containsEntry("REMOTE_ADDR", "127.0.0.1")
                    .containsEntry("wsgi.url_scheme", "http")
                    .containsEntry("HTTP_HOST", "localhost")
                    .containsEntry("SERVER_NAME", "localhost")
                    .containsEntry("SERVER_PORT", Integer.toString(80))
                    .containsEntry("SCRIPT_NAME", "")
                    .doesNotContainKey("mod_wsgi.mount_point")
                    .doesNotContainKey("HTTP_FORWARDED");
            assertThat(env).doesNotContainKeys(FORWARDED_KEYS.toArray(String[]::new));
            assertThat(LoggingIT.awaitLines(root.resolve("access_log"), 1).getFirst())
                    .isEqualTo("127.0.0.1 127.0.0.1 GET /environ 200 127.0.0.1 127.0.0.1");
        }
    }

    @Test
    void withoutTrustProxyEveryPeerIsTrustedAndTheLeftmostAddressWins() throws Exception {
        // mod_wsgi's rule when WSGITrustedProxies is not given; the server warns about it at start.
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--trust-proxy-header", "X-Real-IP",
                "--trust-proxy-header", "X-Forwarded-For", "--trust-proxy-header", "X-Forwarded-SSL",
                "--trust-proxy-header", "X-Forwarded-Server")) {
            assertThat(server.output()).contains("trusting forwarded headers from every peer");
            Map<String, String> env = environ(server, "X-Forwarded-For: 192.0.2.9, 198.51.100.2\r\n"
                    + "X-Real-IP: 198.51.100.3\r\nX-Client-IP: 198.51.100.4\r\nX-Forwarded-SSL: on\r\n"
                    + "X-Forwarded-Server: server.example\r\n");
            // Both X-Real-IP and X-Forwarded-For are named: the one named last wins and only it is kept.
            assertThat(env).containsEntry("REMOTE_ADDR", "192.0.2.9")
                    .containsEntry("HTTP_X_FORWARDED_FOR", "192.0.2.9, 198.51.100.2")
                    .containsEntry("wsgi.url_scheme", "https")
                    .containsEntry("SERVER_PORT", "443")
                    .containsEntry("SERVER_NAME", "server.example")
                    .containsEntry("HTTP_HOST", "localhost")
                    .doesNotContainKeys("HTTP_X_REAL_IP", "HTTP_X_CLIENT_IP");
        }
    }

    @Test
    void withoutTrustProxyHeaderForwardedHeadersReachTheApplicationUnchanged() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString())) {
            Map<String, String> env = environ(server, "X-Forwarded-For: 203.0.113.7\r\n" + SPOOFED);
            assertThat(env).containsEntry("REMOTE_ADDR", "127.0.0.1")
                    .containsEntry("wsgi.url_scheme", "http")
                    .containsEntry("HTTP_X_FORWARDED_FOR", "203.0.113.7")
                    .containsEntry("HTTP_X_CLIENT_IP", "198.51.100.66")
                    .containsEntry("HTTP_X_FORWARDED_PROTO", "https");
        }
    }

    @Test
    void trustProxyWithoutAHeaderIsRefused() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.launch(root, APP.toString(), "--trust-proxy", "10.0.0.1")) {
            assertThat(server.waitFor(java.time.Duration.ofSeconds(60))).isEqualTo(2);
            assertThat(server.output()).contains("--trust-proxy: has no effect without --trust-proxy-header");
        }
    }

    private String[] args(String trusted) {
        List<String> args = new java.util.ArrayList<>(List.of(APP.toString(), "--access-log", "--access-log-format",
                "%h %{c}a %m %U %>s %a %{c}h", "--trust-proxy", trusted));
        args.addAll(List.of(HONOURED));
        return args.toArray(String[]::new);
    }

    /** GET /environ with extra header lines, from 127.0.0.1; the environ's str values. */
    private static Map<String, String> environ(JwsgiProcess server, String headers) throws Exception {
        String response = LoggingIT.exchange(server.port(), "GET /environ HTTP/1.1\r\nHost: localhost\r\n" + headers
                + "Connection: close\r\n\r\n");
        assertThat(response).as(server.output()).startsWith("HTTP/1.1 200");
        String body = response.substring(response.indexOf("\r\n\r\n") + 4);
        Path file = Files.createTempFile("environ", ".json");
        try {
            Files.writeString(file, body + "\n", java.nio.charset.StandardCharsets.ISO_8859_1);
            List<Map<String, String>> records = LoggingIT.parseJsonLines(file);
            Map<String, String> env = new TreeMap<>();
            records.getFirst().forEach((k, v) -> env.put(k, unquote(v)));
            return env;
        } finally {
            Files.delete(file);
        }
    }

    /** The Python ascii() of a str back to the str (the values here are plain ASCII). */
    private static String unquote(String repr) {
        if (repr.length() >= 2 && (repr.startsWith("'") || repr.startsWith("\""))) {
            return repr.substring(1, repr.length() - 1).replace("\\'", "'").replace("\\\\", "\\");
        }
        return repr;
    }
}
