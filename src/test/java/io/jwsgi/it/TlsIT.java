package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS and HTTP/2 end to end (docs/tls.md), with certificates made by openssl at test time and real clients:
 * curl, Python's http.client/ssl, java.net.http.
 */
class TlsIT {
    static final Path APP = Path.of("src/test/resources/apps/tls_app.py").toAbsolutePath();
    static final Pattern HTTPS_URL = Pattern.compile("Server URL \\(HTTPS\\) : https://[^:]+:(\\d+)/");
    static final String HSTS = "max-age=600; includeSubDomains";

    @TempDir
    static Path root;
    static TestCertificates certs;
    static Path markers;
    /** HTTPS with h2, client certificates on /secure, SSL_* variables, --https-only and HSTS. */
    static JwsgiProcess secure;
    static int securePort;
    /** h2c on the plain port, HTTPS beside it (no --https-only), --setenv HTTPS on. */
    static JwsgiProcess mixed;
    static int mixedHttpsPort;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.create(root.resolve("certs"));
        markers = Files.createDirectories(root.resolve("markers"));
        secure = JwsgiProcess.start(root.resolve("secure"), APP.toString(), "--http2",
                "--https-port", "0", "--ssl-certificate-file", certs.fullChain.toString(),
                "--ssl-certificate-key-file", certs.serverKey.toString(),
                "--ssl-ca-certificate-file", certs.caCert.toString(), "--ssl-verify-client", "/secure",
                "--ssl-environment", "--https-only", "--hsts-policy", HSTS,
                "--setenv", "MARKER_DIR", markers.toString());
        securePort = httpsPort(secure);
        mixed = JwsgiProcess.start(root.resolve("mixed"), APP.toString(), "--http2",
                "--https-port", "0", "--ssl-certificate", certs.dir.resolve("server").toString(),
                "--ssl-certificate-chain-file", certs.intermediateCert.toString(),
                "--ssl-ca-certificate-file", certs.caCert.toString(), "--ssl-verify-client", "/secure",
                "--setenv", "HTTPS", "on", "--setenv", "MARKER_DIR", markers.toString());
        mixedHttpsPort = httpsPort(mixed);
    }

    @AfterAll
    static void stop() throws Exception {
        if (secure != null) secure.close();
        if (mixed != null) mixed.close();
    }

    private static int httpsPort(JwsgiProcess server) {
        Matcher m = HTTPS_URL.matcher(server.output());
        assertThat(m.find()).as(server.output()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    // ---- HTTPS ----

    @Test
    void anHttpsRequestReachesTheAppWithUrlSchemeHttpsAndTheHttpsPort() throws Exception {
        // Python trusts only the root CA: the intermediate must come from the server (fullchain.pem).
        PythonResponse r = python("https://localhost:" + securePort + "/environ", null);
        assertThat(r.status()).as(secure.output()).isEqualTo(200);
        Map<String, String> env = environ(r.body());
        assertThat(env).containsEntry("wsgi.url_scheme", "https")
                .containsEntry("SERVER_PORT", Integer.toString(securePort))
                .containsEntry("SERVER_PROTOCOL", "HTTP/1.1")
                .doesNotContainKey("HTTPS");
        assertThat(r.header("Strict-Transport-Security")).isEqualTo(HSTS);
    }

    @Test
    void sslEnvironmentAddsModSslVariables() throws Exception {
        PythonResponse r = python("https://localhost:" + securePort + "/environ", certs.clientCert);
        Map<String, String> env = environ(r.body());
        assertThat(env.get("SSL_PROTOCOL")).startsWith("TLSv1.");
        assertThat(env.get("SSL_CIPHER")).startsWith("TLS_");
        assertThat(env).containsEntry("SSL_TLS_SNI", "localhost")
                .containsEntry("SSL_CLIENT_VERIFY", "SUCCESS")
                .containsEntry("SSL_CLIENT_S_DN", "CN=client one,O=jwsgi")
                .containsEntry("SSL_CLIENT_I_DN", "CN=jwsgi test root CA")
                .containsEntry("SSL_SERVER_S_DN", "CN=localhost")
                .containsEntry("SSL_SERVER_I_DN", "CN=jwsgi test intermediate CA");
        assertThat(env.get("SSL_CLIENT_V_END")).matches("[A-Z][a-z]{2} [ 0-9]\\d \\d\\d:\\d\\d:\\d\\d \\d{4} GMT");
        // Without --ssl-environment there are none.
        Map<String, String> plain = environ(curl("--cacert", certs.caCert.toString(),
                "https://localhost:" + mixedHttpsPort + "/environ").body());
        assertThat(plain.keySet()).noneMatch(k -> k.startsWith("SSL_"));
    }

    @Test
    void alpnNegotiatesHttp2AndTheEnvironSaysSo() throws Exception {
        Curl r = curl("--http2", "--cacert", certs.caCert.toString(), "-w", "\n%{http_version}",
                "https://localhost:" + securePort + "/");
        assertThat(r.body()).isEqualTo("hello over HTTP/2.0\n2");
        // A client that offers only HTTP/1.1 gets it.
        Curl old = curl("--http1.1", "--cacert", certs.caCert.toString(), "-w", "\n%{http_version}",
                "https://localhost:" + securePort + "/");
        assertThat(old.body()).isEqualTo("hello over HTTP/1.1\n1.1");
    }

    @Test
    void javaHttp2ClientGetsH2WithUrlSchemeHttps() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(trustingCa())
                .connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                URI.create("https://localhost:" + securePort + "/environ")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(r.headers().firstValue("strict-transport-security")).hasValue(HSTS);
        assertThat(environ(r.body())).containsEntry("SERVER_PROTOCOL", "HTTP/2.0")
                .containsEntry("wsgi.url_scheme", "https");
    }

    @Test
    void aResponseStreamsOverH2AsItDoesOverHttp1() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(trustingCa())
                .build();
        streams(client, "https://localhost:" + securePort + "/stream?name=tls-h2", "tls-h2");
    }

    @Test
    void aResponseStreamsOverH2c() throws Exception {
        // java.net.http reaches h2c by Upgrade; a first request on the connection then runs over HTTP/2.
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        streams(client, mixed.url("/stream?name=h2c"), "h2c");
    }

    private static void streams(HttpClient client, String url, String marker) throws Exception {
        HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            // "first" arrives while the app is still waiting for the marker: the response was not buffered.
            assertThat(in.readLine()).isEqualTo("first");
            Files.writeString(markers.resolve(marker), "go");
            assertThat(in.readLine()).isEqualTo("second");
            assertThat(in.readLine()).isNull();
        }
    }

    // ---- h2c on the plain port ----

    @Test
    void h2cWithPriorKnowledgeAndByUpgrade() throws Exception {
        Curl prior = curl("--http2-prior-knowledge", "-w", "\n%{http_version}", mixed.url("/"));
        assertThat(prior.body()).isEqualTo("hello over HTTP/2.0\n2");
        Curl upgraded = curl("--http2", "-w", "\n%{http_version}", mixed.url("/"));
        assertThat(upgraded.body()).isEqualTo("hello over HTTP/2.0\n2");
    }

    @Test
    void anH2RequestBodyWithoutContentLengthReachesTheApp() throws Exception {
        byte[] data = new byte[300_000];
        for (int i = 0; i < data.length; i++) data[i] = (byte) ('a' + i % 26);
        Path upload = Files.write(root.resolve("upload.bin"), data);
        // "-T -" streams standard input: over HTTP/2 no content-length is sent, the body ends with END_STREAM.
        Curl r = curlWithInput(upload, "--http2-prior-knowledge", "-T", "-", "-H", "Expect:",
                "-w", "%{http_version}", "-o", root.resolve("echoed.bin").toString(), mixed.url("/echo"));
        assertThat(r.body()).isEqualTo("2");
        byte[] echoed = Files.readAllBytes(root.resolve("echoed.bin"));
        assertThat(echoed.length).isEqualTo(data.length);
        assertThat(java.util.Arrays.equals(echoed, data)).as("echoed bytes equal the upload").isTrue();
    }

    // ---- --https-only, HSTS ----

    @Test
    void httpsOnlyRedirectsPlainHttpKeepingPathAndQuery() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        HttpResponse<String> get = client.send(HttpRequest.newBuilder(
                URI.create(secure.url("/environ/a%20b?x=1&y=%2F"))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(308);
        assertThat(get.headers().firstValue("location"))
                .hasValue("https://127.0.0.1:" + securePort + "/environ/a%20b?x=1&y=%2F");
        assertThat(get.headers().firstValue("strict-transport-security")).isEmpty();
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create(secure.url("/echo")))
                .POST(HttpRequest.BodyPublishers.ofString("body")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(308);
        // curl following the redirect ends on HTTPS with the same method and body.
        Curl followed = curl("-L", "--cacert", certs.caCert.toString(), "--data-binary", "kept",
                "http://localhost:" + secure.port() + "/echo");
        assertThat(followed.body()).isEqualTo("kept");
    }

    @Test
    void theServersHstsPolicyComesBeforeTheApplicationsOwn() throws Exception {
        // Browsers apply only the first header (RFC 6797 §8.1): the server's policy wins, as with Apache's Header set.
        Curl r = curl("--http1.1", "--cacert", certs.caCert.toString(), "-D", "-", "-o", "/dev/null",
                "https://localhost:" + securePort + "/own-hsts");
        List<String> values = r.body().lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT)
                .startsWith("strict-transport-security:")).map(l -> l.substring(l.indexOf(':') + 1).trim()).toList();
        assertThat(values).containsExactly(HSTS, "max-age=1");
    }

    // ---- client certificates ----

    @Test
    void aClientCertificateIsRequiredOnTheVerifyClientUrlsOnly() throws Exception {
        String base = "https://localhost:" + securePort;
        Curl none = curl("--cacert", certs.caCert.toString(), "-o", "/dev/null", "-w", "%{http_code}",
                base + "/secure/x");
        assertThat(none.body()).isEqualTo("403");
        Curl open = curl("--cacert", certs.caCert.toString(), "-o", "/dev/null", "-w", "%{http_code}",
                base + "/environ");
        assertThat(open.body()).isEqualTo("200");
        // Apache <Location> matching: the decoded path, slashes merged; "/secure2" is under "/secure" too.
        for (String path : new String[] {"//secure/x", "/%73ecure/x", "/secure2"}) {
            assertThat(curl("--cacert", certs.caCert.toString(), "--path-as-is", "-o", "/dev/null",
                    "-w", "%{http_code}", base + path).body()).as(path).isEqualTo("403");
        }

        Curl accepted = curl("--cacert", certs.caCert.toString(), "--cert", certs.clientCert.toString(),
                "--key", certs.clientKey.toString(), "-w", "%{http_version}", base + "/secure/x");
        assertThat(accepted.body()).contains("SSL_CLIENT_S_DN\tCN=client one,O=jwsgi").endsWith("\n2");

        PythonResponse python = python(base + "/secure/x", certs.clientCert);
        assertThat(python.status()).isEqualTo(200);
        assertThat(environ(python.body())).containsEntry("SSL_CLIENT_VERIFY", "SUCCESS");
    }

    @Test
    void aClientCertificateFromAnotherCaOrThroughAnIntermediateIsRefused() throws Exception {
        String url = "https://localhost:" + securePort + "/secure/x";
        // Issued by the intermediate: the TLS layer accepts the chain, SSLVerifyDepth 1 does not.
        Curl deep = curl("--cacert", certs.caCert.toString(), "--cert", certs.deepClientChain.toString(),
                "--key", certs.deepClientKey.toString(), "-o", "/dev/null", "-w", "%{http_code}", url);
        assertThat(deep.body()).isEqualTo("403");
        // From a CA the server does not know: refused during the handshake.
        Curl stranger = curl("--cacert", certs.caCert.toString(), "--cert", certs.strangerCert.toString(),
                "--key", certs.strangerKey.toString(), "-o", "/dev/null", "-w", "%{http_code}", url);
        assertThat(stranger.exit()).as(stranger.stderr()).isNotZero();
        assertThat(stranger.body()).isEqualTo("000");
    }

    @Test
    void plainHttpToAVerifyClientUrlIsRefused() throws Exception {
        Curl r = curl("-o", "/dev/null", "-w", "%{http_code}", mixed.url("/secure/x"));
        assertThat(r.body()).isEqualTo("403");
    }

    // ---- --setenv HTTPS ----

    @Test
    void setenvHttpsOnMakesTheUrlSchemeHttpsAndIsInTheEnvironAsSet() throws Exception {
        Map<String, String> env = environ(curl(mixed.url("/environ")).body());
        assertThat(env).containsEntry("wsgi.url_scheme", "https").containsEntry("HTTPS", "on")
                .containsEntry("SERVER_PORT", Integer.toString(mixed.port()));
    }

    // ---- certificate renewal ----

    @Test
    void sighupReadsRenewedCertificateFilesAndKeepsTheCurrentOnesWhenTheNewAreBroken() throws Exception {
        Path live = Files.createDirectories(root.resolve("live"));
        Path chain = Files.copy(certs.fullChain, live.resolve("fullchain.pem"));
        Path key = Files.copy(certs.serverKey, live.resolve("privkey.pem"));
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("renewal"), APP.toString(), "--https-port", "0",
                "--ssl-certificate-file", chain.toString(), "--ssl-certificate-key-file", key.toString(),
                "--log-level", "info")) {
            int port = httpsPort(server);
            assertThat(servedSerial(port)).isEqualTo(serialOf(certs.serverCert));

            Path[] renewed = certs.issueServer("renewed");
            Files.writeString(chain, Files.readString(renewed[0]) + Files.readString(certs.intermediateCert));
            Files.copy(renewed[1], key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            hangUp(server);
            assertThat(server.awaitOutput("certificate reloaded", Duration.ofSeconds(30))).as(server.output()).isTrue();
            assertThat(servedSerial(port)).isEqualTo(serialOf(renewed[0]));

            // A half-written renewal (a key that does not match) is refused; the listener keeps what it has.
            Files.copy(certs.serverKey, key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            hangUp(server);
            assertThat(server.awaitOutput("certificate reload failed, keeping the current one",
                    Duration.ofSeconds(30))).as(server.output()).isTrue();
            assertThat(server.output()).contains("does not belong to the certificate in " + chain);
            assertThat(servedSerial(port)).isEqualTo(serialOf(renewed[0]));
        }
    }

    private static void hangUp(JwsgiProcess server) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(server.process().pid())).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    /** The serial number of the certificate the HTTPS port presents in a new handshake. */
    private static java.math.BigInteger servedSerial(int port) throws Exception {
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) trustingCa().getSocketFactory()
                .createSocket("localhost", port)) {
            socket.startHandshake();
            return ((java.security.cert.X509Certificate) socket.getSession().getPeerCertificates()[0])
                    .getSerialNumber();
        }
    }

    private static java.math.BigInteger serialOf(Path certificate) throws Exception {
        try (InputStream in = Files.newInputStream(certificate)) {
            return ((java.security.cert.X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in)).getSerialNumber();
        }
    }

    // ---- configuration errors ----

    @Test
    void aMissingCertificateFileIsAUsageErrorNamingThePath() throws Exception {
        Path missing = root.resolve("nowhere/fullchain.pem");
        try (JwsgiProcess p = JwsgiProcess.launch(root.resolve("bad1"), APP.toString(), "--https-port", "0",
                "--ssl-certificate-file", missing.toString(), "--ssl-certificate-key-file", certs.serverKey.toString())) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).isEqualTo(2);
            assertThat(p.output()).contains("--ssl-certificate-file: file not found: " + missing);
        }
    }

    @Test
    void aKeyThatDoesNotMatchTheCertificateIsAUsageError() throws Exception {
        try (JwsgiProcess p = JwsgiProcess.launch(root.resolve("bad2"), APP.toString(), "--https-port", "0",
                "--ssl-certificate-file", certs.fullChain.toString(),
                "--ssl-certificate-key-file", certs.clientKey.toString())) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).isEqualTo(2);
            assertThat(p.output()).contains("jwsgi: the private key in " + certs.clientKey
                    + " does not belong to the certificate in " + certs.fullChain);
        }
    }

    @Test
    void anHttpsPortInUseIsAUsageError() throws Exception {
        try (JwsgiProcess p = JwsgiProcess.launch(root.resolve("bad3"), APP.toString(),
                "--https-port", Integer.toString(securePort), "--ssl-certificate-file", certs.fullChain.toString(),
                "--ssl-certificate-key-file", certs.serverKey.toString())) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).isEqualTo(2);
            assertThat(p.output()).contains("cannot listen on 127.0.0.1:" + securePort)
                    .contains("see --https-port");
        }
    }

    // ---- clients ----

    private static Map<String, String> environ(String body) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : body.split("\n")) {
            int tab = line.indexOf('\t');
            if (tab > 0) env.put(line.substring(0, tab), line.substring(tab + 1));
        }
        assertThat(env).as(body).containsKey("REQUEST_METHOD");
        return env;
    }

    private static SSLContext trustingCa() throws Exception {
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

    record Curl(int exit, String body, String stderr) {}

    private static Curl curl(String... args) throws IOException, InterruptedException {
        return curlWithInput(null, args);
    }

    private static Curl curlWithInput(Path input, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "30"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (input != null) pb.redirectInput(input.toFile());
        Path err = Files.createTempFile(root, "curl", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Curl(p.exitValue(), out, Files.readString(err));
    }

    record PythonResponse(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** GET with Python's http.client over ssl, trusting the test root CA, optionally with a client certificate. */
    private static PythonResponse python(String url, Path clientCert) throws IOException, InterruptedException {
        String script = """
                import http.client, ssl, sys, urllib.parse
                url = urllib.parse.urlsplit(sys.argv[1])
                ctx = ssl.create_default_context(cafile=sys.argv[2])
                if len(sys.argv) > 3:
                    ctx.load_cert_chain(sys.argv[3], sys.argv[4])
                conn = http.client.HTTPSConnection(url.hostname, url.port, context=ctx, timeout=30)
                conn.request('GET', url.path)
                r = conn.getresponse()
                body = r.read()
                sys.stdout.write('%d\\n' % r.status)
                for k, v in r.getheaders():
                    sys.stdout.write('%s: %s\\n' % (k.lower(), v))
                sys.stdout.write('\\n')
                sys.stdout.write(body.decode('latin-1'))
                """;
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", "-c", script, url, certs.caCert.toString()));
        if (clientCert != null) {
            cmd.add(clientCert.toString());
            cmd.add(certs.clientKey.toString());
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        int headEnd = out.indexOf("\n\n");
        String[] head = out.substring(0, headEnd).split("\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < head.length; i++) {
            int colon = head[i].indexOf(": ");
            headers.put(head[i].substring(0, colon), head[i].substring(colon + 2));
        }
        return new PythonResponse(Integer.parseInt(head[0]), headers, out.substring(headEnd + 2));
    }
}
