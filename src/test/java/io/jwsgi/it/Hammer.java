package io.jwsgi.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client that keeps requesting one path on a fresh connection each time ({@code Connection: close}), from a few
 * threads, until stopped: every request's fate is counted, so a test of a restart can say "nothing was refused,
 * reset or answered with an error" and which servers answered. A fresh connection per request is the hard case for
 * a hand-over: each one needs the listener, where a keep-alive client would mostly ride on connections it has.
 */
final class Hammer implements AutoCloseable {
    private final int port;
    private final String path;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    final AtomicLong ok = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong broken = new AtomicLong();
    /** Answers other than 200, by status line. */
    final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
    /** 200 answers by body (the tests' applications answer with their pid). */
    final Map<String, AtomicLong> bodies = new ConcurrentHashMap<>();
    /** The first few failures, with their exceptions, for the assertion message. */
    private final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());

    Hammer(int port, String path, int threadCount) {
        this.port = port;
        this.path = path;
        for (int i = 0; i < threadCount; i++) threads.add(Thread.ofPlatform().daemon().start(this::loop));
    }

    private void loop() {
        while (running.get()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                s.setSoTimeout(30_000);
                OutputStream out = s.getOutputStream();
                out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                String response = read(s.getInputStream());
                int eol = response.indexOf("\r\n");
                if (eol < 0) throw new IOException("no status line in " + response.length() + " bytes");
                String status = response.substring(0, eol);
                if (status.startsWith("HTTP/1.1 200 ")) {
                    String body = response.substring(response.indexOf("\r\n\r\n") + 4);
                    bodies.computeIfAbsent(body, k -> new AtomicLong()).incrementAndGet();
                    ok.incrementAndGet();
                } else {
                    errors.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
                    note(status);
                }
            } catch (ConnectException e) {
                refused.incrementAndGet();
                note(e.toString());
            } catch (IOException e) {
                broken.incrementAndGet();
                note(e.toString());
            }
        }
    }

    private static String read(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    private void note(String failure) {
        if (failures.size() < 10) failures.add(failure);
    }

    /** Requests answered 200 so far by the server whose body is {@code body}. */
    long answeredBy(String body) {
        AtomicLong n = bodies.get(body);
        return n == null ? 0 : n.get();
    }

    String summary() {
        return "ok=" + ok + " refused=" + refused + " broken=" + broken + " errors=" + errors + " by body="
                + bodies + " first failures=" + failures;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) t.join(60_000);
    }
}
