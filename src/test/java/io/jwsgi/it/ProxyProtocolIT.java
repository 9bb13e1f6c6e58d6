package io.jwsgi.it;

import static io.jwsgi.it.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --proxy-protocol} end to end (docs/behind-a-proxy.md): one real server, trusting only 127.0.0.1 as its
 * balancer, with an HTTPS port, a real worker echoing its environ, and a client that writes the PROXY header's bytes
 * itself (v1 text, v2 binary built here field by field) on a plain socket, before TLS on the HTTPS port. An untrusted
 * peer is the same machine connecting from 127.0.0.2.
 */
class ProxyProtocolIT {
    static final Path APP = Path.of("src/test/resources/apps/logs_app.py").toAbsolutePath();
    static final Pattern HTTPS_URL = Pattern.compile("Server URL \\(HTTPS\\) : https://[^:]+:(\\d+)/");
    static final String GET_ENVIRON = "GET /environ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

    @TempDir
    static Path root;
    static TestCertificates certs;
    static JwsgiProcess server;
    static int httpsPort;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.create(root.resolve("certs"));
        server = JwsgiProcess.startLoggingToFiles(root.resolve("server"), APP.toString(), "--proxy-protocol",
                "--trust-proxy", "127.0.0.1/32", "--https-port", "0",
                "--ssl-certificate-file", certs.fullChain.toString(),
                "--ssl-certificate-key-file", certs.serverKey.toString(),
                "--access-log", "--access-log-format", "%h %{c}a %m %U %>s");
        Matcher m = HTTPS_URL.matcher(server.output());
        assertThat(m.find()).as(server.output()).isTrue();
        httpsPort = Integer.parseInt(m.group(1));
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
    }

    @Test
    void aV1HeaderGivesRemoteAddrAndPortAndTheAccessLogsClient() throws Exception {
        byte[] header = "PROXY TCP4 203.0.113.7 127.0.0.1 40001 8000\r\n".getBytes(StandardCharsets.US_ASCII);
        Map<String, String> env = environ(send(null, header, GET_ENVIRON));
        assertThat(env).containsEntry("REMOTE_ADDR", "203.0.113.7").containsEntry("REMOTE_PORT", "40001")
                .containsEntry("wsgi.url_scheme", "http").doesNotContainKeys("SSL_PROTOCOL", "HTTPS");
        // %h and %{c}a alike: the connection's peer is the client the header names.
        eventually(Duration.ofSeconds(20), () -> assertThat(accessLog())
                .contains("203.0.113.7 203.0.113.7 GET /environ 200"));

        byte[] v1ipv6 = "PROXY TCP6 2001:db8::7 ::1 40002 8000\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(environ(send(null, v1ipv6, GET_ENVIRON))).containsEntry("REMOTE_ADDR", "2001:db8:0:0:0:0:0:7")
                .containsEntry("REMOTE_PORT", "40002");
    }

    @Test
    void aV2HeaderGivesTheClientAndItsTlsInformationReachesTheEnviron() throws Exception {
        byte[] header = v2(new byte[] {(byte) 198, 51, 100, 9}, 50123,
                tlv(0x02, ascii("shop.example")),
                tlv(0x20, ssl(0x01 | 0x02, 0, tlv(0x21, ascii("TLSv1.3")), tlv(0x23, ascii("TLS_AES_256_GCM_SHA384")),
                        tlv(0x22, ascii("alice")))));
        Map<String, String> env = environ(send(null, header, GET_ENVIRON));
        assertThat(env).containsEntry("REMOTE_ADDR", "198.51.100.9").containsEntry("REMOTE_PORT", "50123")
                .containsEntry("wsgi.url_scheme", "https").containsEntry("SERVER_PORT", "443")
                .containsEntry("SSL_PROTOCOL", "TLSv1.3").containsEntry("SSL_CIPHER", "TLS_AES_256_GCM_SHA384")
                .containsEntry("SSL_CLIENT_S_DN_CN", "alice").containsEntry("SSL_CLIENT_VERIFY", "SUCCESS")
                .containsEntry("SSL_TLS_SNI", "shop.example");

        // Plain HTTP at the balancer: no TLS TLV, or one without the PP2_CLIENT_SSL bit, is plain HTTP here too.
        assertThat(environ(send(null, v2(new byte[] {(byte) 198, 51, 100, 10}, 50124), GET_ENVIRON)))
                .containsEntry("REMOTE_ADDR", "198.51.100.10").containsEntry("wsgi.url_scheme", "http")
                .doesNotContainKey("SSL_PROTOCOL");
        assertThat(environ(send(null, v2(new byte[] {(byte) 198, 51, 100, 11}, 50125,
                tlv(0x20, ssl(0, 0))), GET_ENVIRON)))
                .containsEntry("wsgi.url_scheme", "http").containsEntry("SERVER_PORT", "80")
                .doesNotContainKey("SSL_CLIENT_VERIFY");
        // A certificate that the balancer could not verify.
        assertThat(environ(send(null, v2(new byte[] {(byte) 198, 51, 100, 12}, 50126,
                tlv(0x20, ssl(0x01 | 0x04, 18))), GET_ENVIRON)))
                .containsEntry("SSL_CLIENT_VERIFY", "FAILED").containsEntry("wsgi.url_scheme", "https");
    }

    @Test
    void onTheHttpsPortTheHeaderComesBeforeTls() throws Exception {
        byte[] header = "PROXY TCP4 192.0.2.44 127.0.0.1 41000 443\r\n".getBytes(StandardCharsets.US_ASCII);
        Map<String, String> env = environ(send(trustingCa(), header, GET_ENVIRON));
        assertThat(env).containsEntry("REMOTE_ADDR", "192.0.2.44").containsEntry("REMOTE_PORT", "41000")
                .containsEntry("wsgi.url_scheme", "https");
        byte[] v2 = v2(new byte[] {(byte) 192, 0, 2, 45}, 41001);
        assertThat(environ(send(trustingCa(), v2, GET_ENVIRON))).containsEntry("REMOTE_ADDR", "192.0.2.45")
                .containsEntry("wsgi.url_scheme", "https");
    }

    @Test
    void aPeerThatIsNotATrustedProxyIsRefused() throws Exception {
        byte[] header = "PROXY TCP4 203.0.113.99 127.0.0.1 40099 8000\r\n".getBytes(StandardCharsets.US_ASCII);
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress("127.0.0.2", 0));
            s.connect(new InetSocketAddress("127.0.0.1", server.port()));
            s.setSoTimeout(30_000);
            s.getOutputStream().write(concat(header, GET_ENVIRON.getBytes(StandardCharsets.US_ASCII)));
            assertThat(readAll(s.getInputStream())).isEmpty();
        }
        eventually(Duration.ofSeconds(20), () -> assertThat(errorLog()).contains("connection refused: peer is not "
                + "a trusted proxy and --proxy-protocol is on peer=127.0.0.2:"));
        assertThat(accessLog()).noneMatch(l -> l.startsWith("203.0.113.99"));
    }

    @Test
    void aConnectionWithoutAValidHeaderIsClosedUnanswered() throws Exception {
        // No header at all: not served as plain HTTP (the receiver must not guess).
        assertThat(send(null, new byte[0], GET_ENVIRON)).isEmpty();
        eventually(Duration.ofSeconds(20), () -> assertThat(errorLog())
                .contains("connection refused: no PROXY protocol header peer=127.0.0.1:"));
        // Malformed v1: bad addresses, a bad port, no CRLF within the limit; malformed v2: wrong version, a length
        // longer than what follows before the request, an unknown family.
        List<byte[]> malformed = List.of(
                "PROXY TCP4 203.0.113.1 nothere 1 2\r\n".getBytes(StandardCharsets.US_ASCII),
                "PROXY TCP4 203.0.113.1 127.0.0.1 99999 80\r\n".getBytes(StandardCharsets.US_ASCII),
                ("PROXY TCP4 203.0.113.1 127.0.0.1 1 2" + " ".repeat(200)).getBytes(StandardCharsets.US_ASCII),
                withByte(v2(new byte[] {(byte) 203, 0, 113, 2}, 1), 12, 0x31),
                withByte(v2(new byte[] {(byte) 203, 0, 113, 3}, 1), 13, 0x71));
        for (byte[] header : malformed) {
            assertThat(send(null, header, GET_ENVIRON)).as(new String(header, StandardCharsets.ISO_8859_1)).isEmpty();
        }
        assertThat(accessLog()).noneMatch(l -> l.startsWith("203.0.113."));
    }

    // ---- the PROXY protocol, written by hand (haproxy's doc/proxy-protocol.txt, section 2.2) ----

    /** A v2 PROXY command, TCP over IPv4, from {@code source}:{@code port} to 127.0.0.1:8000, then the TLVs. */
    static byte[] v2(byte[] source, int port, byte[]... tlvs) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        b.write(0x21); // version 2, PROXY
        b.write(0x11); // AF_INET, STREAM
        int length = 12;
        for (byte[] t : tlvs) length += t.length;
        b.write(length >> 8);
        b.write(length & 0xff);
        b.writeBytes(source);
        b.writeBytes(new byte[] {127, 0, 0, 1});
        b.write(port >> 8);
        b.write(port & 0xff);
        b.write(8000 >> 8);
        b.write(8000 & 0xff);
        for (byte[] t : tlvs) b.writeBytes(t);
        return b.toByteArray();
    }

    static byte[] tlv(int type, byte[] value) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(type);
        b.write(value.length >> 8);
        b.write(value.length & 0xff);
        b.writeBytes(value);
        return b.toByteArray();
    }

    /** PP2_TYPE_SSL's value: the client bits, the 32-bit verify result, the sub-TLVs. */
    static byte[] ssl(int client, int verify, byte[]... subTlvs) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(client);
        b.write(verify >>> 24);
        b.write((verify >> 16) & 0xff);
        b.write((verify >> 8) & 0xff);
        b.write(verify & 0xff);
        for (byte[] t : subTlvs) b.writeBytes(t);
        return b.toByteArray();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] withByte(byte[] bytes, int index, int value) {
        byte[] copy = bytes.clone();
        copy[index] = (byte) value;
        return copy;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    // ---- client ----

    /**
     * Connects from 127.0.0.1, writes the header, then the request (over TLS on the HTTPS port when {@code tls} is
     * given); the whole response, or "" when the server closed without one.
     */
    static String send(SSLContext tls, byte[] header, String request) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            s.connect(new InetSocketAddress("127.0.0.1", tls == null ? server.port() : httpsPort));
            s.setSoTimeout(30_000);
            if (tls == null) {
                s.getOutputStream().write(concat(header, request.getBytes(StandardCharsets.ISO_8859_1)));
                return readAll(s.getInputStream());
            }
            s.getOutputStream().write(header);
            s.getOutputStream().flush();
            try (SSLSocket secured = (SSLSocket) tls.getSocketFactory().createSocket(s, "localhost", httpsPort, true)) {
                secured.startHandshake();
                secured.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                secured.getOutputStream().flush();
                return readAll(secured.getInputStream());
            }
        }
    }

    static String readAll(InputStream in) throws IOException {
        try {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (java.net.SocketException reset) {
            return ""; // closed with unread bytes: a reset is a refusal too
        }
    }

    static SSLContext trustingCa() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(certs.caCert)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    /** The environ the app echoed, from a whole HTTP response. */
    static Map<String, String> environ(String response) throws Exception {
        assertThat(response).as(errorLog()).startsWith("HTTP/1.1 200");
        String body = response.substring(response.indexOf("\r\n\r\n") + 4);
        Path file = Files.createTempFile(root, "environ", ".json");
        Files.writeString(file, body + "\n", StandardCharsets.ISO_8859_1);
        Map<String, String> env = new TreeMap<>();
        LoggingIT.parseJsonLines(file).getFirst().forEach((k, v) -> env.put(k, v.length() >= 2
                && (v.startsWith("'") || v.startsWith("\"")) ? v.substring(1, v.length() - 1) : v));
        return env;
    }

    static List<String> accessLog() throws IOException {
        Path log = root.resolve("server/access_log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    static String errorLog() {
        try {
            return server.output() + "\n--- error_log ---\n" + Files.readString(root.resolve("server/error_log"));
        } catch (IOException e) {
            return server.output();
        }
    }
}
