package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --server-name, --server-alias and --allow-localhost against a real server, with the Host header written by hand
 * on a raw socket to 127.0.0.1 (docs/virtual-hosts.md).
 */
class VirtualHostIT {
    static final Path APP = Path.of("src/test/resources/apps/vhost_app.py").toAbsolutePath();

    @TempDir
    Path root;

    record Reply(int status, Map<String, String> headers, String body) {}

    /** One request on its own connection; {@code host} null sends an HTTP/1.0 request without a Host header. */
    static Reply request(int port, String host, String target) throws IOException {
        String head = host == null ? "GET " + target + " HTTP/1.0\r\n\r\n"
                : "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            assertThat(end).as(text).isPositive();
            String[] lines = text.substring(0, end).split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
            return new Reply(Integer.parseInt(lines[0].split(" ")[1]), headers, text.substring(end + 4));
        }
    }

    @Test
    void theServerNameAndItsAliasesAreServedTheBareDomainRedirectedAndAnyOtherHostRefused() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--server-name", "www.example.com",
                "--server-alias", "*.example.org", "--server-alias", "api.example.net", "--server-status")) {
            int port = server.port();

            Reply named = request(port, "www.example.com:" + port, "/hello?a=1");
            assertThat(named.status()).as(server.output()).isEqualTo(200);
            // UseCanonicalName Off (Apache's default, and express's): SERVER_NAME is the name the client used.
            assertThat(named.body()).isEqualTo("SERVER_NAME=www.example.com HTTP_HOST=www.example.com:" + port
                    + " PATH_INFO=/hello QUERY_STRING=a=1");
            assertThat(request(port, "WWW.Example.COM.", "/").status()).isEqualTo(200);
            assertThat(request(port, "deep.sub.example.org", "/").body()).startsWith("SERVER_NAME=deep.sub.example.org ");
            assertThat(request(port, "api.example.net:" + port, "/").status()).isEqualTo(200);

            Reply bare = request(port, "example.com:" + port, "/some/path%20x?q=1&r=two");
            assertThat(bare.status()).isEqualTo(301);
            assertThat(bare.headers()).containsEntry("location",
                    "http://www.example.com:" + port + "/some/path%20x?q=1&r=two");
            assertThat(bare.body()).contains("Moved Permanently");
            assertThat(request(port, "example.com", "/").headers())
                    .containsEntry("location", "http://www.example.com:" + port + "/");

            for (String other : new String[] {"example.org", "127.0.0.1:" + port, "localhost", "www.example.com.evil"}) {
                Reply refused = request(port, other, "/hello");
                assertThat(refused.status()).as(other).isEqualTo(403);
                assertThat(refused.body()).doesNotContain("SERVER_NAME");
            }
            assertThat(request(port, null, "/hello").status()).isEqualTo(403); // no Host: the catch-all

            // The status page lives in the named virtual host too; the catch-all refuses it like everything else.
            assertThat(request(port, "www.example.com", "/server-status?auto").body()).contains("BusyWorkers:");
            assertThat(request(port, "127.0.0.1", "/server-status?auto").status()).isEqualTo(403);

            assertThat(server.output())
                    .contains("Server URL         : http://www.example.com:" + port + "/\n")
                    .contains("Server Status      : http://www.example.com:" + port + "/server-status\n");
        }
    }

    @Test
    void allowLocalhostServesLoopbackClientsWhateverTheirHost() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--server-name", "app.example.com",
                "--allow-localhost")) {
            int port = server.port();
            Reply local = request(port, "127.0.0.1:" + port, "/x");
            assertThat(local.status()).as(server.output()).isEqualTo(200);
            assertThat(local.body()).startsWith("SERVER_NAME=127.0.0.1 ");
            assertThat(request(port, "localhost", "/").status()).isEqualTo(200);
            assertThat(request(port, "unknown.example.net", "/").status()).isEqualTo(200);
            assertThat(request(port, null, "/").status()).isEqualTo(200);
            // Not a www name: there is no bare domain to redirect.
            assertThat(request(port, "example.com", "/").status()).isEqualTo(200);
            assertThat(server.output()).contains("Server URL         : http://app.example.com:" + port + "/\n")
                    .doesNotContain("Server Status");
        }
    }

    @Test
    void withoutAServerNameEveryHostIsServedAndTheBannerNamesTheListener() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root, APP.toString(), "--server-status")) {
            int port = server.port();
            assertThat(request(port, "anything.example", "/").body()).startsWith("SERVER_NAME=anything.example ");
            assertThat(request(port, null, "/").status()).isEqualTo(200);
            assertThat(server.output()).contains("Server URL         : http://127.0.0.1:" + port + "/\n")
                    .contains("Server Status      : http://127.0.0.1:" + port + "/server-status\n");
        }
    }

    @Test
    void aProxyVirtualHostKeepsItsOwnNameUnderAServerName() throws Exception {
        try (JwsgiProcess backend = JwsgiProcess.start(root.resolve("backend"), APP.toString());
             JwsgiProcess server = JwsgiProcess.start(root.resolve("front"), APP.toString(), "--server-name",
                     "www.example.com", "--proxy-virtual-host", "proxied.example.com",
                     "http://127.0.0.1:" + backend.port())) {
            Reply proxied = request(server.port(), "proxied.example.com", "/p");
            assertThat(proxied.status()).as(server.output()).isEqualTo(200);
            assertThat(proxied.body()).contains("PATH_INFO=/p");
            assertThat(request(server.port(), "other.example.com", "/p").status()).isEqualTo(403);
        }
    }
}
