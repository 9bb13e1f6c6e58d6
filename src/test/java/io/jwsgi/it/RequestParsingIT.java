package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Strict request parsing (RFC 9112/9110), proven on the wire: every case is sent on a fresh connection and
 * half-closed, and the app records each invocation, so an invalid request is shown to be refused <em>and</em>
 * never to reach the app. Two corpora: gunicorn's parser vectors from {@code ../shared/corpus/gunicorn} (when
 * present) and the project's own, {@code src/test/resources/http-corpus/cases.tsv}, whose invalid cases each
 * hide a canary request that must never run. See docs/http-parsing.md.
 */
class RequestParsingIT {
    static final Path APPS = Path.of("src/test/resources/apps").toAbsolutePath();
    static final Path GUNICORN = Path.of(System.getProperty("gunicorn.corpus", "../shared/corpus/gunicorn"))
            .toAbsolutePath().normalize();
    static final Path OWN = Path.of("src/test/resources/http-corpus/cases.tsv").toAbsolutePath();

    /**
     * gunicorn valid cases not expected to be served, each with its reason (also in docs/http-parsing.md).
     * Cases with a gunicorn-only option ({@code gunicorn_cfg} not "-") are left out on top of these.
     */
    static final java.util.Map<String, String> VALID_EXCLUDED = java.util.Map.of(
            "025", "Transfer-Encoding gzip before chunked: jwsgi does not decode gzip, refusing is allowed (501/400)",
            "025_line", "Transfer-Encoding gzip,chunked: as 025",
            "029", "Transfer-Encoding identity before chunked: 'identity' is no longer a registered coding (RFC 9112 §7)",
            "030", "as 029",
            "027", "raw non-ASCII bytes in the request-target: not allowed by RFC 9112 §3.2 / RFC 3986, Jetty answers 400",
            "022", "the second request is HTTP/1.1 without Host: Jetty answers it 400 (RFC 9112 §3.2)",
            "rfc9112_smuggle_gzip_chunked_01", "gzip before chunked: jwsgi implements no coding but chunked, 501 (RFC 9112 §6.1)",
            "rfc9112_smuggle_te_identity_chunked_01", "identity before chunked: 501 as above",
            "099", "Content-Length larger than the body sent: a real server waits for the rest (README §2)",
            "rfc9112_target_absolute_userinfo_01", "userinfo in an http URI: RFC 9110 §4.2.4 says treat as an error, Jetty answers 400");

    /** gunicorn's {@code proxy_protocol=True}: jwsgi's {@code --proxy-protocol}, the test's own address the balancer. */
    static final String PROXY_PROTOCOL = "--proxy-protocol --trust-proxy 127.0.0.1";

    /** gunicorn valid cases jwsgi refuses on purpose, each with its reason (also in docs/http-parsing.md). */
    static final java.util.Map<String, String> VALID_REFUSED = java.util.Map.of(
            "pp_03", "no PROXY header under proxy_protocol: gunicorn guesses, the PROXY protocol specification says a "
                    + "receiver MUST NOT; jwsgi closes the connection");

    /**
     * gunicorn invalid cases jwsgi serves on purpose: the "not refused" list of docs/http-parsing.md. Each is valid
     * HTTP under jwsgi's own limits, or its forbidden part never reaches WSGI.
     */
    static final java.util.Map<String, String> INVALID_NOT_ENFORCED = java.util.Map.of(
            "006", "request line of 4112 bytes: gunicorn's own 4094 limit; jwsgi's --limit-request-line is Apache's 8190",
            "rfc9110_trailer_forbidden_cl_01", "Content-Length in a trailer: Jetty accepts; allowed if discarded (RFC 9110 §6.5.1), trailers never reach WSGI",
            "rfc9110_trailer_forbidden_host_01", "Host in a trailer: as above",
            "rfc9110_trailer_forbidden_te_01", "Transfer-Encoding in a trailer: as above");

    @TempDir
    static Path root;
    static Path calls;
    static JwsgiProcess server;

    @BeforeAll
    static void start() throws Exception {
        Path records = Files.createDirectories(root.resolve("records"));
        calls = records.resolve("calls");
        server = JwsgiProcess.start(root.resolve("srv"), APPS.resolve("recorder.py").toString(),
                "--setenv", "RECORD_DIR", records.toString());
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
        for (JwsgiProcess other : withOptions.values()) other.close();
    }

    /** Servers for the corpus cases that name options (the {@code options} column), one per distinct set. */
    static final java.util.Map<String, JwsgiProcess> withOptions = new java.util.LinkedHashMap<>();

    /** The default server, or one started with the case's options (the same app and record file). */
    static synchronized JwsgiProcess serverWith(String options) throws IOException {
        if (options.isEmpty() || options.equals("-")) return server;
        JwsgiProcess existing = withOptions.get(options);
        if (existing != null) return existing;
        List<String> args = new ArrayList<>(List.of(APPS.resolve("recorder.py").toString(),
                "--setenv", "RECORD_DIR", calls.getParent().toString()));
        args.addAll(List.of(options.split(" ")));
        JwsgiProcess started = JwsgiProcess.start(root.resolve("srv-" + withOptions.size()), args.toArray(String[]::new));
        withOptions.put(options, started);
        return started;
    }

    // ---- gunicorn corpus ----

    @TestFactory
    Stream<DynamicTest> gunicornCorpus() throws IOException {
        boolean present = Files.isRegularFile(GUNICORN.resolve("manifest.tsv"));
        if ("true".equals(System.getenv("CI")) && Files.isDirectory(GUNICORN.getParent().getParent())) {
            assertThat(present).as("CI=true and ../shared present, but no gunicorn corpus at " + GUNICORN).isTrue();
        }
        assumeTrue(present, "gunicorn corpus not found at " + GUNICORN + " (../shared is absent): skipped");
        List<String> lines = Files.readAllLines(GUNICORN.resolve("manifest.tsv"), StandardCharsets.UTF_8);
        List<DynamicTest> tests = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) continue;
            String[] c = line.split("\t", -1);
            String name = c[0], kind = c[1], requests = c[2], status = c[7], cfg = c[10];
            int wireLen = Integer.parseInt(c[8]);
            String sha = c[9];
            tests.add(DynamicTest.dynamicTest(kind + "/" + name + " (" + status + ")", () -> {
                byte[] wire = decodeGunicorn(Files.readAllBytes(GUNICORN.resolve(kind).resolve(name + ".http")));
                assertThat(wire.length).as("decoded length").isEqualTo(wireLen);
                assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(wire)))
                        .as("decoded sha256").isEqualTo(sha);
                boolean proxied = cfg.equals("proxy_protocol=True");
                assumeTrue(cfg.equals("-") || proxied, "needs gunicorn-only options: " + cfg);
                JwsgiProcess target = proxied ? serverWith(PROXY_PROTOCOL) : server;
                if (kind.equals("valid") && VALID_REFUSED.containsKey(name)) {
                    Exchange x = exchange(target, wire);
                    System.out.println("gunicorn valid/" + name + " refused: " + VALID_REFUSED.get(name));
                    assertRefused(x, Set.of());
                } else if (kind.equals("valid") && lacksHost(wire)) {
                    // RFC 9112 §3.2: an HTTP/1.1 request without Host MUST be answered 400.
                    Exchange x = exchange(target, wire);
                    assertRefused(x, Set.of(400));
                } else if (kind.equals("valid")) {
                    assumeTrue(!VALID_EXCLUDED.containsKey(name), VALID_EXCLUDED.get(name));
                    Exchange x = exchange(target, wire);
                    int n = Integer.parseInt(requests);
                    assertThat(x.statuses).as(x.describe()).hasSize(n).allMatch(s -> s / 100 == 2);
                    assertThat(x.calls).as(x.describe()).hasSize(n);
                } else {
                    assumeTrue(!INVALID_NOT_ENFORCED.containsKey(name), "not yet enforced: " + INVALID_NOT_ENFORCED.get(name));
                    Exchange x = exchange(target, wire);
                    System.out.println("gunicorn invalid/" + name + " -> " + x.statuses);
                    assertRefused(x, Set.of());
                }
            }));
        }
        return tests.stream();
    }

    /** The stream's first request (after a PROXY v1 line) is HTTP/1.1 and the stream has no Host field at all. */
    static boolean lacksHost(byte[] wire) {
        String s = new String(wire, StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT);
        if (s.startsWith("proxy ")) s = s.substring(s.indexOf("\r\n") + 2); // a PROXY v1 line comes first
        int eol = s.indexOf("\r\n");
        return eol > 0 && s.substring(0, eol).endsWith(" http/1.1") && !s.contains("\nhost:");
    }

    /** gunicorn's tests/treq.py decoding, as described in the corpus README §1. */
    static byte[] decodeGunicorn(byte[] file) {
        ByteArrayOutputStream noLf = new ByteArrayOutputStream();
        for (byte b : file) if (b != '\n') noLf.write(b);
        String s = new String(noLf.toByteArray(), StandardCharsets.ISO_8859_1)
                .replace("\\r\\n", "\r\n").replace("\\0", "\0").replace("\\n", "\n").replace("\\t", "\t");
        return unescapeHex(s);
    }

    static byte[] unescapeHex(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\' && i + 3 < s.length() + 0 && s.charAt(i + 1) == 'x'
                    && HexFormat.isHexDigit(s.charAt(i + 2)) && HexFormat.isHexDigit(s.charAt(i + 3))) {
                out.write(HexFormat.fromHexDigits(s, i + 2, i + 4));
                i += 3;
            } else {
                out.write(ch);
            }
        }
        return out.toByteArray();
    }

    // ---- the project's own corpus ----

    @TestFactory
    Stream<DynamicTest> ownCorpus() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String line : Files.readAllLines(OWN, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] c = line.split("\t", -1);
            String name = c[0], status = c[1], jetty = c[2], wireText = c[3];
            String options = c.length > 5 ? c[5] : "-";
            tests.add(DynamicTest.dynamicTest(name + " (" + status + ")"
                    + (options.equals("-") ? "" : " with " + options), () -> {
                assumeTrue(!jetty.equals("GAP"), "not yet enforced (docs/http-parsing.md): " + c[4]);
                String canary = "GET /canary-" + name + " HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n";
                String text = wireText.endsWith("{end}") ? wireText.substring(0, wireText.length() - 5)
                        : wireText.contains("{canary}") ? wireText.replace("{canary}", canary)
                        : wireText + canary;
                byte[] wire = decodeOwn(text);
                Exchange x = exchange(serverWith(options), wire);
                System.out.println("own " + name + " -> " + x.statuses + (x.error == null ? "" : " " + x.error));
                if (status.equals("2xx")) {
                    assertThat(x.statuses).as(x.describe()).isNotEmpty().allMatch(s -> s / 100 == 2);
                    return;
                }
                Set<Integer> allowed = new java.util.HashSet<>();
                allowed.add(Integer.parseInt(status));
                if (!jetty.equals("-")) for (String s : jetty.split(",")) allowed.add(Integer.parseInt(s));
                assertRefused(x, allowed);
                assertThat(x.calls).as("canary reached the app: " + x.describe())
                        .noneMatch(l -> l.contains("/canary-"));
            }));
        }
        assertThat(tests).hasSizeGreaterThanOrEqualTo(40);
        return tests.stream();
    }

    /** Own format: {@code \r \n \t \0 \\ \xHH} escapes, nothing else special (README in http-corpus/). */
    static byte[] decodeOwn(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch != '\\') { out.write(ch); continue; }
            char e = text.charAt(++i);
            switch (e) {
                case 'r' -> out.write('\r');
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case '0' -> out.write(0);
                case '\\' -> out.write('\\');
                case 'x' -> { out.write(HexFormat.fromHexDigits(text, i + 1, i + 3)); i += 2; }
                case 'R' -> { // \R{count}{text}: text repeated count times, for over-long lines and headers
                    int close = text.indexOf('}', i + 2);
                    int count = Integer.parseInt(text.substring(i + 2, close));
                    int close2 = text.indexOf('}', close + 2);
                    String unit = text.substring(close + 2, close2);
                    out.writeBytes(decodeOwn(unit).length == 0 ? new byte[0]
                            : repeat(decodeOwn(unit), count));
                    i = close2;
                }
                default -> throw new IllegalArgumentException("bad escape \\" + e);
            }
        }
        return out.toByteArray();
    }

    static byte[] repeat(byte[] unit, int count) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) out.writeBytes(unit);
        return out.toByteArray();
    }

    // ---- the exchange ----

    static void assertRefused(Exchange x, Set<Integer> allowed) {
        assertThat(x.statuses).as("no 2xx for an invalid request: " + x.describe()).noneMatch(s -> s / 100 == 2);
        assertThat(x.calls).as("an invalid request reached the app: " + x.describe()).isEmpty();
        if (!x.statuses.isEmpty()) {
            int first = x.statuses.getFirst();
            assertThat(first / 100).as(x.describe()).isIn(4, 5);
            if (!allowed.isEmpty()) assertThat(first).as(x.describe()).isIn(allowed);
        }
    }

    record Exchange(byte[] sent, List<Integer> statuses, List<String> calls, String response, String error) {
        String describe() {
            String shown = new String(sent, 0, Math.min(sent.length, 300), StandardCharsets.ISO_8859_1);
            return "sent " + escape(shown) + (sent.length > 300 ? "…" : "") + "\nstatuses " + statuses
                    + "\napp calls " + calls + "\nresponse " + escape(response.substring(0,
                    Math.min(response.length(), 400))) + (error == null ? "" : "\nerror " + error);
        }
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char ch : s.toCharArray()) {
            if (ch == '\r') b.append("\\r");
            else if (ch == '\n') b.append("\\n");
            else if (ch < 0x20 || ch >= 0x7f) b.append(String.format("\\x%02x", (int) ch));
            else b.append(ch);
        }
        return b.toString();
    }

    static final Pattern STATUS = Pattern.compile("(?:^|\\n)HTTP/1\\.[01] (\\d{3}) ");

    /** Sends the bytes on a fresh connection, half-closes, reads until the server closes. */
    static Exchange exchange(byte[] wire) throws Exception {
        return exchange(server, wire);
    }

    /** As {@link #exchange(byte[])}, to the given server. */
    static synchronized Exchange exchange(JwsgiProcess server, byte[] wire) throws Exception {
        int before = readCalls().size();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        String error = null;
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(15_000);
            try {
                s.getOutputStream().write(wire);
                s.getOutputStream().flush();
                s.shutdownOutput();
            } catch (IOException e) {
                error = "write: " + e; // the server may refuse and close before taking every byte
            }
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) got.write(buf, 0, n);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no close within 15 s; got " + escape(got.toString(StandardCharsets.ISO_8859_1)));
            } catch (IOException e) {
                error = (error == null ? "" : error + "; ") + "read: " + e; // reset after a refusal
            }
        }
        String response = got.toString(StandardCharsets.ISO_8859_1);
        List<Integer> statuses = new ArrayList<>();
        Matcher m = STATUS.matcher(response);
        while (m.find()) statuses.add(Integer.parseInt(m.group(1)));
        List<String> all = readCalls();
        return new Exchange(wire, statuses, List.copyOf(all.subList(before, all.size())), response, error);
    }

    static List<String> readCalls() throws IOException {
        return Files.exists(calls) ? Files.readAllLines(calls, StandardCharsets.ISO_8859_1) : List.of();
    }
}
