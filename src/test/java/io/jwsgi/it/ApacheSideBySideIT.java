package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same configuration file (src/test/resources/sites/side-by-side/site.conf: two WSGIDaemonProcess groups, a
 * virtual host with WSGIScriptAlias / and /other, %{GLOBAL} for one, Alias with Directory grants, Require ip,
 * Redirect, SetEnv, WSGIPassAuthorization in a Location) run by Apache httpd + mod_wsgi (Debian's apache2 and
 * libapache2-mod-wsgi-py3) and by {@code jwsgi serve}, and the same requests sent to both. Compared: the status,
 * the Location header (with the port written as PORT), the environ the script echoes (SCRIPT_NAME, PATH_INFO,
 * the process and application groups, SetEnv values, whether Authorization arrives ...) and static files' bodies.
 * Error pages, Server, Date and the like differ legitimately and are not compared.
 */
class ApacheSideBySideIT {
    static final Path APACHE = Path.of("/usr/sbin/apache2");
    static final Path MOD_WSGI = Path.of("/usr/lib/apache2/modules/mod_wsgi.so");
    static final Path SITE = Path.of("src/test/resources/sites/side-by-side").toAbsolutePath();
    static final String DEBIAN_PYTHON = "/usr/bin/python3"; // mod_wsgi's interpreter, so both run the same Python

    @TempDir
    Path root;

    record Reply(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** One request: method, target, Host (null: HTTP/1.0 with no Host), more header lines, a body. */
    record Ask(String method, String target, String host, List<String> headers, String body) {
        static Ask get(String target, String host) {
            return new Ask("GET", target, host, List.of(), null);
        }

        Ask with(String header) {
            List<String> h = new ArrayList<>(headers);
            h.add(header);
            return new Ask(method, target, host, h, body);
        }

        @Override
        public String toString() {
            return method + " " + target + (host == null ? " (HTTP/1.0, no Host)" : " Host: " + host)
                    + (headers.isEmpty() ? "" : " " + headers) + (body == null ? "" : " body=" + body);
        }
    }

    @Test
    void theSameConfigurationFileAnswersTheSameOnApacheAndOnJwsgi() throws Exception {
        boolean ci = "true".equals(System.getenv("CI"));
        boolean installed = Files.isExecutable(APACHE) && Files.isRegularFile(MOD_WSGI);
        if (ci) {
            assertThat(installed).as("apache2 and libapache2-mod-wsgi-py3 must be installed under CI (.ci/run)")
                    .isTrue();
            assertThat(isRoot()).as("Apache's User www-data needs root under CI").isTrue();
        }
        assumeTrue(installed, "apache2 / libapache2-mod-wsgi-py3 not installed (apt-get install apache2"
                + " libapache2-mod-wsgi-py3)");
        assumeTrue(isRoot(), "Apache's User www-data needs root");

        Path site = copySite();
        Path conf = site.resolve("site.conf");
        int apachePort = freePort();
        int jwsgiPort = freePort();
        while (jwsgiPort == apachePort) jwsgiPort = freePort();

        try (Apache apache = Apache.start(conf, env(site, runDir("apache-run"), apachePort));
             JwsgiProcess jwsgi = JwsgiProcess.serve(root.resolve("jwsgi-root"), conf,
                     env(site, runDir("jwsgi-run"), jwsgiPort), "--python", DEBIAN_PYTHON)) {
            assertThat(jwsgi.port()).isEqualTo(jwsgiPort);
            String diagnostics = "\n--- jwsgi ---\n" + jwsgi.output() + "\n--- apache ---\n" + apache.log();
            SoftAssertions soft = new SoftAssertions();
            for (Ask ask : asks()) {
                Reply a = send(apachePort, ask);
                Reply j = send(jwsgiPort, ask);
                soft.assertThat(view(j, jwsgiPort)).as("%s", ask).isEqualTo(view(a, apachePort));
            }
            knownDifferences(soft, apachePort, jwsgiPort);
            // What the comparison rests on: the two servers really did different things for different requests.
            Reply first = send(apachePort, Ask.get("/", "www.example.test"));
            soft.assertThat(first.body()).contains("mod_wsgi.process_group='site'", "mod_wsgi.application_group=''");
            soft.assertThat(send(apachePort, Ask.get("/private/x", "www.example.test")).status()).isEqualTo(403);
            if (!soft.errorsCollected().isEmpty()) {
                soft.fail("Apache and jwsgi differ (jwsgi output and Apache's error log follow)%s",
                        diagnostics.replace("%", "%%"));
            }
            soft.assertAll();
        }
    }

    /** The requests, each sent to both servers. */
    private static List<Ask> asks() {
        List<Ask> asks = new ArrayList<>();
        String basic = "Authorization: Basic dXNlcjpwYXNz";
        // The Host forms: with the port (PORT is each server's own), without, an alias, an unknown name.
        for (String host : new String[] {"www.example.test:PORT", "www.example.test", "app.example.test:PORT",
                "127.0.0.1:PORT", "unknown.invalid"}) {
            for (String target : new String[] {"/", "/hello/world?x=1&y=%20z", "/otherwise", "/static",
                    "/static/css/site.css", "/static/css/missing.css", "/static/", "/robots.txt", "/private",
                    "/private/x", "/privateer", "/old", "/old/sub/page?q=1", "/moved/a?b=c", "/api/v1/items",
                    "/apix", "/app/echo.py"}) {
                asks.add(Ask.get(target, host).with(basic));
            }
        }
        // The second group's mount, where the application group is %{RESOURCE} (see knownDifferences for a Host
        // without a port).
        for (String host : new String[] {"www.example.test:PORT", "127.0.0.1:PORT", "app.example.test:PORT"}) {
            for (String target : new String[] {"/other", "/other/", "/other/a/b?c=d", "/other/api", "//other//a"}) {
                asks.add(Ask.get(target, host).with(basic));
            }
        }
        String h = "www.example.test:PORT";
        asks.add(new Ask("POST", "/other/form?x=y", h, List.of("Content-Type: application/x-www-form-urlencoded"),
                "a=1&b=two"));
        asks.add(new Ask("PUT", "/api/v1/items/7", h, List.of("Content-Type: application/json", basic),
                "{\"n\": 7}"));
        asks.add(new Ask("DELETE", "/hello", h, List.of(), null));
        asks.add(new Ask("HEAD", "/static/css/site.css", h, List.of(), null));
        asks.add(Ask.get("/hello%20world/%C3%A9", h));
        asks.add(Ask.get("/old/a%20b/%C3%A9?x=%20", h));
        asks.add(Ask.get("//hello//world", h));
        asks.add(Ask.get("/static/../app/echo.py", h));
        asks.add(Ask.get("/other/../static/css/site.css", h));
        asks.add(Ask.get("/api/x", h).with("Authorization: Bearer token-123"));
        // HTTP/1.0 without Host: the first virtual host on the port, named by its ServerName.
        asks.add(Ask.get("/hello", null));
        asks.add(Ask.get("/api/x", null).with(basic));
        asks.add(Ask.get("/old/x", null));
        return asks;
    }

    /**
     * Differences found and deliberately kept, each asserted as it is so that a change on either side is seen.
     * mod_wsgi's default application group, %{RESOURCE}, is ServerName + the Host header's port (none when the
     * Host has none) + '|' + SCRIPT_NAME, so on Apache one script gets a second sub-interpreter when clients write
     * the Host differently. jwsgi runs one application group per process (no sub-interpreters yet) and names it
     * with the virtual host's port whatever the Host says; following Apache would make the second form a 500.
     */
    private static void knownDifferences(SoftAssertions soft, int apachePort, int jwsgiPort) throws IOException {
        Ask ask = Ask.get("/other/x", "www.example.test");
        soft.assertThat(send(apachePort, ask).body()).as("Apache, %s", ask)
                .contains("mod_wsgi.application_group='www.example.test|/other'");
        soft.assertThat(send(jwsgiPort, ask).body()).as("jwsgi, %s", ask)
                .contains("mod_wsgi.application_group='www.example.test:" + jwsgiPort + "|/other'");
    }

    /** What is compared of a reply: the status, Location, and the body of a 2xx (a script's echo or a file). */
    private static String view(Reply r, int port) {
        StringBuilder b = new StringBuilder().append(r.status());
        String location = r.header("location");
        if (location != null) b.append("\nLocation: ").append(location);
        if (r.status() >= 200 && r.status() < 300) {
            String type = r.header("content-type");
            b.append("\nContent-Type: ").append(type == null ? null : type.replace(" ", ""));
            b.append('\n').append(r.body());
        }
        // Only where a port is written (host:PORT, SERVER_PORT='PORT'): the temporary path's digits stay.
        return b.toString().replaceAll("(?<=[:'])" + port + "(?!\\d)", "PORT");
    }

    private static Map<String, String> env(Path site, Path run, int port) {
        return Map.of("SIDE_SITE", site.toString(), "SIDE_RUN", run.toString(), "SIDE_PORT", Integer.toString(port));
    }

    /** The site under the temporary directory, readable by www-data (Apache's daemon processes run as it). */
    private Path copySite() throws IOException {
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path site = root.resolve("site");
        try (Stream<Path> files = Files.walk(SITE)) {
            for (Path from : files.toList()) {
                Path to = site.resolve(SITE.relativize(from).toString());
                if (Files.isDirectory(from)) Files.createDirectories(to);
                else Files.copy(from, to);
                Files.setPosixFilePermissions(to, PosixFilePermissions.fromString(
                        Files.isDirectory(from) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return site;
    }

    private Path runDir(String name) throws IOException {
        Path dir = Files.createDirectories(root.resolve(name));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** One request on its own connection, exactly as asked; PORT in the Host is the server's port. */
    static Reply send(int port, Ask ask) throws IOException {
        StringBuilder head = new StringBuilder(ask.method()).append(' ').append(ask.target());
        if (ask.host() == null) {
            head.append(" HTTP/1.0\r\n");
        } else {
            head.append(" HTTP/1.1\r\nHost: ").append(ask.host().replace("PORT", Integer.toString(port)))
                    .append("\r\nConnection: close\r\n");
        }
        for (String h : ask.headers()) head.append(h).append("\r\n");
        byte[] body = ask.body() == null ? new byte[0] : ask.body().getBytes(StandardCharsets.UTF_8);
        if (ask.body() != null) head.append("Content-Length: ").append(body.length).append("\r\n");
        head.append("\r\n");
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            assertThat(end).as("%s on port %d: %s", ask, port, text).isPositive();
            String[] lines = text.substring(0, end).split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            String rest = text.substring(end + 4);
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) rest = dechunk(rest);
            return new Reply(Integer.parseInt(lines[0].split(" ")[1]), headers, rest);
        }
    }

    private static String dechunk(String s) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (true) {
            int eol = s.indexOf("\r\n", i);
            if (eol < 0) return out.toString();
            int size = Integer.parseInt(s.substring(i, eol).split(";")[0].trim(), 16);
            if (size == 0) return out.toString();
            out.append(s, eol + 2, eol + 2 + size);
            i = eol + 2 + size + 2;
        }
    }

    /**
     * Apache httpd in the foreground ({@code apache2 -f CONF -DFOREGROUND}), ready when it serves a static file;
     * stopped with SIGTERM, and every process it started (event MPM children, mod_wsgi daemons) waited for.
     */
    static final class Apache implements AutoCloseable {
        private final Process process;
        private final Path errorLog;
        private final Path output;

        private Apache(Process process, Path errorLog, Path output) {
            this.process = process;
            this.errorLog = errorLog;
            this.output = output;
        }

        static Apache start(Path conf, Map<String, String> env) throws IOException, InterruptedException {
            Path run = Path.of(env.get("SIDE_RUN"));
            Path output = run.resolve("apache.out");
            ProcessBuilder pb = new ProcessBuilder(APACHE.toString(), "-f", conf.toString(), "-DFOREGROUND")
                    .redirectErrorStream(true).redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(env);
            pb.environment().put("LANG", "C");
            Apache apache = new Apache(pb.start(), run.resolve("error.log"), output);
            int port = Integer.parseInt(env.get("SIDE_PORT"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                if (!apache.process.isAlive()) {
                    throw new IllegalStateException("apache2 exited with " + apache.process.exitValue() + "\n"
                            + apache.log());
                }
                try {
                    if (send(port, Ask.get("/static/css/site.css", "www.example.test")).status() == 200) break;
                } catch (IOException | AssertionError notYet) {
                    // not listening yet, or closed a connection while starting
                }
                if (System.nanoTime() > deadline) {
                    apache.close();
                    throw new IllegalStateException("apache2 not ready in 30 s\n" + apache.log());
                }
                Thread.sleep(50);
            }
            return apache;
        }

        String log() {
            StringBuilder b = new StringBuilder();
            for (Path p : new Path[] {output, errorLog}) {
                try {
                    if (Files.exists(p)) b.append(Files.readString(p, StandardCharsets.ISO_8859_1));
                } catch (IOException e) {
                    b.append("[").append(p).append(": ").append(e).append("]\n");
                }
            }
            return b.toString();
        }

        @Override
        public void close() throws InterruptedException {
            List<ProcessHandle> children = process.toHandle().descendants().toList();
            process.destroy(); // SIGTERM: httpd stops its children and the mod_wsgi daemons
            if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly();
            List<ProcessHandle> leaked = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            for (ProcessHandle child : children) {
                while (child.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
                if (child.isAlive()) {
                    leaked.add(child);
                    child.destroyForcibly();
                }
            }
            assertThat(leaked).as("apache2 processes left after SIGTERM\n" + log()).isEmpty();
        }
    }
}
