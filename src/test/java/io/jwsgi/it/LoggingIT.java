package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access log's formats as Apache writes them, JSON, a client that leaves mid-download, and rotation. */
class LoggingIT {
    static final Path APP = Path.of("src/test/resources/apps/logs_app.py").toAbsolutePath();
    /** Apache's default %t: [21/Nov/2026:08:45:04 +0000]. */
    static final String TIME = "\\[\\d{2}/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4}\\]";

    @TempDir
    Path root;

    @Test
    void commonAndCombinedLinesAreApachesCharacterForCharacter() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.startLoggingToFiles(root, APP.toString(), "--access-log",
                "--access-log-format", "combined")) {
            exchange(server.port(), "GET /bytes?12 HTTP/1.1\r\nHost: localhost\r\nReferer: http://ref.example/a\r\n"
                    + "User-Agent: agent \"quoted\" \\ back\r\n\r\n");
            exchange(server.port(), "GET /status?204 HTTP/1.1\r\nHost: localhost\r\n\r\n");
            // Raw UTF-8 bytes in the target and a latin-1 byte in a header: logged as \xhh, never raw. (Whether the
            // strict parser refuses the raw target, 400, or the app answers it, 404, the line is the same.)
            exchange(server.port(), "GET /caf\u00c3\u00a9 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: x\u00e9y\r\n\r\n");
            List<String> lines = awaitLines(root.resolve("access_log"), 3);
            assertThat(lines.get(0)).matches("127\\.0\\.0\\.1 - - " + TIME
                    + " \"GET /bytes\\?12 HTTP/1\\.1\" 200 12 \"http://ref\\.example/a\" \"agent \\\\\"quoted\\\\\" \\\\\\\\ back\"");
            assertThat(lines.get(1)).matches("127\\.0\\.0\\.1 - - " + TIME + " \"GET /status\\?204 HTTP/1\\.1\" 204 - \"-\" \"-\"");
            assertThat(lines.get(2)).matches("127\\.0\\.0\\.1 - - " + TIME
                    + " \"GET /caf\\\\xc3\\\\xa9 HTTP/1\\.1\" (400 -|404 9) \"-\" \"x\\\\xe9y\"");
            for (String line : lines) assertThat(line.chars().allMatch(c -> c >= 0x20 && c < 0x7f)).as(line).isTrue();
        }
    }

    @Test
    void commonIsTheDefaultFormat() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.startLoggingToFiles(root, APP.toString(), "--access-log")) {
            exchange(server.port(), "GET /bytes?5 HTTP/1.0\r\n\r\n");
            assertThat(awaitLines(root.resolve("access_log"), 1).getFirst())
                    .matches("127\\.0\\.0\\.1 - - " + TIME + " \"GET /bytes\\?5 HTTP/1\\.0\" 200 5");
        }
    }

    @Test
    void apacheDirectivesRenderAsModLogConfigDoes() throws Exception {
        String format = "a=%a A=%A B=%B b=%b D=%D T=%T Tms=%{ms}T H=%H m=%m U=%U q=%q v=%v V=%V p=%p "
                + "rp=%{remote}p P=%P ref=%{Referer}i ct=%{Content-Type}o sc=%{Set-Cookie}o c=%{sid}C X=%X "
                + "day=%{%Y-%m-%d}t ms=%{msec}t s=%s >s=%>s only404=%404{User-agent}i not404=%!404{User-agent}i "
                + "pct=%% tab=\\t|";
        try (JwsgiProcess server = JwsgiProcess.startLoggingToFiles(root, APP.toString(), "--access-log",
                "--access-log-format", format)) {
            exchange(server.port(), "GET /bytes?3 HTTP/1.1\r\nHost: example.org:81\r\nCookie: a=b; sid=s1\r\n"
                    + "User-Agent: ua\r\n\r\n");
            exchange(server.port(), "GET /status?304 HTTP/1.1\r\nHost: localhost\r\n\r\n");
            exchange(server.port(), "GET /a%20b/nope?x=1&y HTTP/1.1\r\nHost: localhost\r\nUser-Agent: ua\r\n\r\n");
            List<String> lines = awaitLines(root.resolve("access_log"), 3);
            long pid = server.process().pid();
            int port = server.port();
            assertThat(lines.get(0)).matches("a=127\\.0\\.0\\.1 A=127\\.0\\.0\\.1 B=3 b=3 D=\\d+ T=\\d+ Tms=\\d+ "
                    + "H=HTTP/1\\.1 m=GET U=/bytes q=\\?3 v=127\\.0\\.0\\.1 V=example\\.org p=" + port
                    + " rp=\\d+ P=" + pid + " ref=- ct=text/plain sc=- c=s1 X=\\+ day=\\d{4}-\\d{2}-\\d{2} "
                    + "ms=\\d{13} s=200 >s=200 only404=- not404=ua pct=% tab=\t\\|");
            assertThat(lines.get(1)).contains(" B=0 b=- ").contains(" s=304 ").contains(" sc=a=1, b=2 ")
                    .contains(" c=- ");
            assertThat(lines.get(2)).contains(" U=/a b/nope q=?x=1&y ").contains(" s=404 ")
                    .contains(" only404=ua not404=- ");
        }
    }

    @Test
    void jsonLinesParseWithTheDocumentedFields() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.startLoggingToFiles(root, APP.toString(), "--access-log",
                "--access-log-format", "json")) {
            exchange(server.port(), "GET /bytes?7 HTTP/1.1\r\nHost: localhost\r\nReferer: r\"1\r\n"
                    + "User-Agent: x\u00e9y\r\n\r\n");
            exchange(server.port(), "POST /status?404 HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
            awaitLines(root.resolve("access_log"), 2);
            List<Map<String, String>> records = parseJsonLines(root.resolve("access_log"));
            assertThat(records).hasSize(2);
            Map<String, String> first = records.get(0);
            assertThat(first.keySet()).containsExactly("bytes", "completed", "duration_us", "host", "method",
                    "peer_addr", "protocol", "referer", "remote_addr", "status", "time", "uri", "user_agent");
            assertThat(first).containsEntry("remote_addr", "'127.0.0.1'").containsEntry("peer_addr", "'127.0.0.1'")
                    .containsEntry("method", "'GET'").containsEntry("uri", "'/bytes?7'")
                    .containsEntry("protocol", "'HTTP/1.1'").containsEntry("status", "200")
                    .containsEntry("bytes", "7").containsEntry("host", "'localhost'")
                    .containsEntry("referer", "'r\"1'").containsEntry("user_agent", "'x\\xe9y'")
                    .containsEntry("completed", "True");
            assertThat(first.get("time")).matches("'\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}([+-]\\d{2}:\\d{2}|Z)'");
            assertThat(first.get("duration_us")).matches("\\d+");
            Map<String, String> second = records.get(1);
            assertThat(second).containsEntry("method", "'POST'").containsEntry("status", "404")
                    .containsEntry("referer", "None").containsEntry("user_agent", "None");
        }
    }

    @Test
    void aClientThatLeavesMidDownloadIsLoggedWithTheApplicationsStatus() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.startLoggingToFiles(root, APP.toString(), "--access-log",
                "--access-log-format", "%>s %X %B")) {
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.getOutputStream().write("GET /stream?2000 HTTP/1.1\r\nHost: localhost\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                InputStream in = s.getInputStream();
                byte[] buf = new byte[8192];
                int total = 0;
                while (total < 200_000) {
                    int n = in.read(buf);
                    assertThat(n).isPositive();
                    total += n;
                }
                s.setSoLinger(true, 0); // a reset, as a browser that is closed mid-download
            }
            String line = awaitLines(root.resolve("access_log"), 1).getFirst();
            assertThat(line).as(server.output()).matches("203 X \\d+");
            long sent = Long.parseLong(line.split(" ")[2]);
            assertThat(sent).isGreaterThanOrEqualTo(200_000 - 8192).isLessThan(2000L * 65536);
        }
    }

    @Test
    void rotationUnderLoadKeepsLinesWholeAndTheFileCountBounded() throws Exception {
        // --max-log-size 1 (MB), --max-log-files 2: each log is NAME plus at most NAME.1 and NAME.2.
        try (JwsgiProcess server = JwsgiProcess.startLoggingToFiles(root, APP.toString(), "--access-log",
                "--access-log-format", "%h %>s %b \"%{X-Pad}i\" end", "--rotate-logs", "--max-log-size", "1",
                "--max-log-files", "2", "--threads", "4")) {
            String pad = "p".repeat(4000);
            int requests = 1200; // ~4.9 MB of access log
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                results.add(pool.submit(() -> exchange(server.port(),
                        "GET /bytes?1 HTTP/1.1\r\nHost: localhost\r\nX-Pad: " + pad + "\r\nConnection: close\r\n\r\n")));
            }
            // Meanwhile the workers write ~3.7 MB to the error log through their stderr.
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(() -> exchange(server.port(),
                        "GET /print?9000 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")));
            }
            for (Future<String> r : results) assertThat(r.get()).startsWith("HTTP/1.1 200");
            pool.shutdown();
            awaitFile(root.resolve("access_log.2"));
            awaitFile(root.resolve("error_log.2"));

            for (String name : List.of("access_log", "error_log")) {
                assertThat(root.resolve(name + ".3")).doesNotExist();
                for (String suffix : List.of(".1", ".2")) {
                    long size = Files.size(root.resolve(name + suffix));
                    assertThat(size).as(name + suffix).isBetween(1L << 20, (1L << 20) + 8192);
                }
            }
            Pattern access = Pattern.compile("127\\.0\\.0\\.1 200 (1 \"p{4000}\"|7 \"-\") end");
            int kept = 0;
            for (String suffix : List.of("", ".1", ".2")) {
                for (String line : Files.readAllLines(root.resolve("access_log" + suffix))) {
                    assertThat(access.matcher(line).matches()).as("whole access log line: %s", line).isTrue();
                    kept++;
                }
            }
            assertThat(kept).isLessThan(requests).isGreaterThan(2 * (1 << 20) / 4100);
            Pattern error = Pattern.compile("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} \\[\\w+\\] .*");
            Pattern workerLine = Pattern.compile(".*\\] line-\\d{6} p{88}");
            int workerLines = 0;
            for (String suffix : List.of(".1", ".2")) {
                for (String line : Files.readAllLines(root.resolve("error_log" + suffix))) {
                    assertThat(error.matcher(line).matches()).as("whole error log line: " + line).isTrue();
                    if (workerLine.matcher(line).matches()) workerLines++;
                }
            }
            assertThat(workerLines).as("worker output rotates with the error log").isGreaterThan(10_000);
        }
    }

    /** Sends one raw request on its own connection and returns the whole answer (latin-1). */
    static String exchange(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            // Read until the response is complete: the server closes, or the body has its Content-Length.
            StringBuilder got = new StringBuilder();
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0; ) {
                got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                if (complete(got)) break;
            }
            return got.toString();
        }
    }

    private static boolean complete(StringBuilder response) {
        int end = response.indexOf("\r\n\r\n");
        if (end < 0) return false;
        String head = response.substring(0, end).toLowerCase();
        int status = Integer.parseInt(head.substring(9, 12));
        if (status == 204 || status == 304) return true;
        int at = head.indexOf("content-length:");
        if (at < 0) return false;
        int eol = head.indexOf("\r\n", at);
        long length = Long.parseLong(head.substring(at + 15, eol < 0 ? head.length() : eol).trim());
        return response.length() - end - 4 >= length;
    }

    /** The log is written after the response went out: wait for the lines rather than racing them. */
    static List<String> awaitLines(Path file, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
                if (lines.size() >= count) return lines;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("expected " + count + " lines in " + file + ", got " + lines);
    }

    private static void awaitFile(Path file) throws InterruptedException {
        for (int i = 0; i < 1000 && !Files.exists(file); i++) Thread.sleep(20);
        assertThat(file).exists();
    }

    /**
     * Parses every line with Python's json module (a real JSON parser, not ours) and returns each object's fields
     * as Python's ascii(): strings quoted, numbers bare, true as True, null as None.
     */
    static List<Map<String, String>> parseJsonLines(Path file) throws Exception {
        String script = "import json,sys\n"
                + "for line in open(sys.argv[1], encoding='ascii'):\n"
                + "    obj = json.loads(line)\n"
                + "    print('\\t'.join('%s=%s' % (k, ascii(obj[k])) for k in sorted(obj)))\n";
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        List<Map<String, String>> records = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.isEmpty()) continue;
            Map<String, String> fields = new TreeMap<>();
            for (String kv : line.split("\t")) {
                int eq = kv.indexOf('=');
                fields.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            records.add(fields);
        }
        return records;
    }
}
