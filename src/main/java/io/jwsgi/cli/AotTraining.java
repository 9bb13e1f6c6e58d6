package io.jwsgi.cli;

import io.jwsgi.Server;
import io.jwsgi.config.Environment;
import io.jwsgi.config.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code jwsgi aot-training}: the training run the launcher makes once per jar to build the JDK's ahead-of-time
 * cache ({@code -XX:AOTCacheOutput}, JEP 483/514/515). It starts a real server on a throw-away hello application
 * (one worker, loopback, port 0), sends it the requests a server sees in its first seconds — keep-alive GETs, a
 * POST with a body, the health check — and stops it, so the classes and method profiles of exactly that
 * path are what the cache holds. Nothing here is used when serving; the cache only makes the next start faster.
 */
final class AotTraining {
    private static final String APP = """
            def application(environ, start_response):
                body = environ['wsgi.input'].read() if environ['REQUEST_METHOD'] == 'POST' else b'Hello world!'
                start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
                return [body]
            """;
    private static final int ROUNDS = 200;

    private AotTraining() {
    }

    static int run(List<String> extra, Environment env) throws IOException {
        Path dir = Files.createTempDirectory("jwsgi-aot-");
        try {
            Path app = Files.writeString(dir.resolve("hello.py"), APP);
            List<String> args = new ArrayList<>(List.of(app.toString(), "--host", "127.0.0.1", "--port", "0",
                    "--processes", "1", "--threads", "2", "--server-root", dir.resolve("root").toString(),
                    "--health-check-path", "/.health", "--log-level", "warn"));
            args.addAll(extra);
            Server server = Server.start(ServerConfig.parse(args, env));
            try {
                exercise(server.port());
            } finally {
                server.stop();
                server.awaitStopped();
            }
            return ExitCode.OK.code();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Keep-alive requests over one connection; each answer read to its end before the next request. */
    private static void exercise(int port) throws IOException {
        byte[] body = "x".repeat(4096).getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (int i = 0; i < ROUNDS; i++) {
                String path = switch (i % 10) {
                    case 7 -> "/.health";
                    default -> "/?n=" + i;
                };
                if (i % 10 == 5) {
                    out.write(("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
                            + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                } else {
                    out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: jwsgi-aot\r\n"
                            + "Accept: */*\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
                readResponse(in);
            }
        }
    }

    /** Reads one response with a Content-Length (every answer of the training application has one). */
    private static void readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            head.append((char) c);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) break;
        }
        if (c == -1) throw new IOException("training server closed the connection");
        long length = 0;
        for (String line : head.toString().split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        in.skipNBytes(length);
    }
}
