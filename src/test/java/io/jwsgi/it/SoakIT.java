package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mixed traffic across worker recycles, counting lost requests and watching the server's heap (after a full GC,
 * through jcmd), its open files and threads, and the workers' open files: at warm-up and at the end.
 * 10,000 requests by default (part of every run); {@code bench/soak} runs a million
 * ({@code -Djwsgi.soak.requests=1000000}). docs/reliability.md has the figures of the last long run.
 */
class SoakIT {
    static final Path APPS = Path.of("src/test/resources/apps").toAbsolutePath();
    static final int CLIENTS = 8;

    @TempDir
    Path root;

    @Test
    void mixedTrafficAcrossWorkerRecyclesLosesNoRequestAndLeaksNothing() throws Exception {
        long total = Long.getLong("jwsgi.soak.requests", 10_000);
        int maximumRequests = (int) Math.max(500, Math.min(5000, total / 200));
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("srv"), APPS.resolve("faults.py").toString(),
                "--processes", "2", "--threads", "4", "--maximum-requests", Integer.toString(maximumRequests),
                "--maximum-requests-jitter", Integer.toString(maximumRequests / 10), "--log-level", "info")) {
            long serverPid = server.process().pid();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            byte[] upload = new byte[64 * 1024];
            for (int i = 0; i < upload.length; i++) upload[i] = (byte) (i * 31);
            AtomicLong next = new AtomicLong();
            AtomicLong bytes = new AtomicLong();
            ConcurrentLinkedQueue<String> lost = new ConcurrentLinkedQueue<>();
            long warmUp = Math.max(2000, total / 10);
            CountDownLatch warmedUp = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(CLIENTS);
            long begin = System.nanoTime();
            for (int c = 0; c < CLIENTS; c++) {
                Thread.ofVirtual().start(() -> {
                    try {
                        for (long i; (i = next.getAndIncrement()) < total; ) {
                            if (i == warmUp) warmedUp.countDown();
                            String failure = oneRequest(client, server, i, upload, bytes);
                            if (failure != null) lost.add("request " + i + ": " + failure);
                        }
                    } finally {
                        done.countDown();
                    }
                });
            }
            warmedUp.await();
            Snapshot atWarmUp = Snapshot.take(server, serverPid);
            done.await();
            double seconds = (System.nanoTime() - begin) / 1e9;
            Snapshot atEnd = Snapshot.take(server, serverPid);
            long recycles = Pattern.compile("worker recycled .*reason=maximum_requests").matcher(server.output()).results().count();
            System.out.printf("soak: %d requests in %.0f s (%.0f/s), %.1f GiB moved, lost %d, worker recycles "
                            + "logged %d (maximum-requests %d)%n  warm-up: %s%n  end:     %s%n", total, seconds,
                    total / seconds, bytes.get() / (double) (1L << 30), lost.size(), recycles, maximumRequests,
                    atWarmUp, atEnd);
            assertThat(lost).as("lost requests").isEmpty();
            assertThat(recycles).as("recycles by maximum-requests").isGreaterThanOrEqualTo(total / maximumRequests / 2 - 1);
            // Generous bounds: a leak per request shows at any of these sizes; noise does not.
            assertThat(atEnd.serverFds).as("server open files").isLessThanOrEqualTo(atWarmUp.serverFds + 16);
            assertThat(atEnd.serverThreads).as("server threads").isLessThanOrEqualTo(atWarmUp.serverThreads + 16);
            assertThat(atEnd.heapUsedKiB).as("server heap after a full GC, KiB")
                    .isLessThanOrEqualTo(atWarmUp.heapUsedKiB * 2 + 16 * 1024);
            for (int fds : atEnd.workerFds.values()) {
                assertThat(fds).as("worker open files").isLessThanOrEqualTo(atWarmUp.maxWorkerFds() + 8);
            }
        }
    }

    /** One request of the mix; returns why it failed, or null. */
    static String oneRequest(HttpClient client, JwsgiProcess server, long i, byte[] upload, AtomicLong bytes) {
        try {
            if (i % 100 == 0) { // 1 %: a 1 MiB download
                HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(server.url("/download?size=1048576")))
                        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
                bytes.addAndGet(r.body().length);
                if (r.statusCode() != 200 || r.body().length != 1 << 20) return "download " + r.statusCode() + " " + r.body().length;
            } else if (i % 10 == 1) { // 10 %: a 64 KiB upload echoed back
                HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(server.url("/echo")))
                        .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                bytes.addAndGet(2L * upload.length);
                if (r.statusCode() != 200 || !Arrays.equals(r.body(), upload)) return "echo " + r.statusCode();
            } else { // 89 %: a small GET
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(server.url("/fast")))
                        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200 || !r.body().equals("ok")) return "fast " + r.statusCode();
            }
            return null;
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e.toString();
        }
    }

    /** What the server and its workers hold at one moment. */
    record Snapshot(long heapUsedKiB, int serverFds, int serverThreads, Map<Long, Integer> workerFds) {
        static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

        static Snapshot take(JwsgiProcess server, long pid) throws Exception {
            jcmd(pid, "GC.run");
            String info = jcmd(pid, "GC.heap_info");
            Matcher m = HEAP_USED.matcher(info);
            long used = m.find() ? Long.parseLong(m.group(1)) : -1;
            Map<Long, Integer> workers = new TreeMap<>();
            for (long w : server.workerPids()) {
                int n = fds(w);
                if (n >= 0) workers.put(w, n);
            }
            return new Snapshot(used, fds(pid), threads(pid), workers);
        }

        int maxWorkerFds() {
            return workerFds.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        }

        @Override
        public String toString() {
            return "server heap used after GC " + heapUsedKiB / 1024 + " MiB, server fds " + serverFds
                    + ", server threads " + serverThreads + ", worker fds " + workerFds.values();
        }

        static String jcmd(long pid, String command) throws Exception {
            Path jcmd = Path.of(JwsgiProcess.java()).resolveSibling("jcmd");
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            return out;
        }

        static int fds(long pid) {
            String[] list = Path.of("/proc", Long.toString(pid), "fd").toFile().list();
            return list == null ? -1 : list.length;
        }

        static int threads(long pid) throws IOException {
            List<String> status = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
            for (String line : status) if (line.startsWith("Threads:")) return Integer.parseInt(line.substring(8).trim());
            return -1;
        }
    }
}
