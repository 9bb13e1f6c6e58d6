package io.jwsgi.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.config.Lifecycle;
import io.jwsgi.protocol.Frame;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor's recycling and timeout policies on an injected clock: the test moves time and posts the tick,
 * nothing sleeps. Fake processes, real channel sockets (a test connects them the way worker.py does).
 */
class RecyclingTest {
    private static final String TOKEN = "secret-token";
    private static final Duration GRACEFUL = Duration.ofSeconds(15);
    private static final Duration SHUTDOWN = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    private final AtomicLong rss = new AtomicLong(-1);
    private final List<FakeProcess> launched = new CopyOnWriteArrayList<>();
    private final List<SocketChannel> sockets = new CopyOnWriteArrayList<>();
    private GroupDispatcher dispatcher;
    private Supervisor supervisor;

    /** Every policy off; tests switch one on. */
    private record Policy(int maximumRequests, Duration restartInterval, Duration inactivityTimeout,
                          Duration requestTimeout, Duration interruptTimeout, Duration startupTimeout,
                          Duration deadlockTimeout, long memoryLimit) {
        static Policy none() {
            return new Policy(0, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO,
                    Duration.ZERO, 0);
        }

        Lifecycle lifecycle() {
            return new Lifecycle(maximumRequests, 0, restartInterval, inactivityTimeout, GRACEFUL, Duration.ZERO,
                    SHUTDOWN, requestTimeout, interruptTimeout, startupTimeout, deadlockTimeout, memoryLimit);
        }

        Policy maximumRequests(int n) { return new Policy(n, restartInterval, inactivityTimeout, requestTimeout, interruptTimeout, startupTimeout, deadlockTimeout, memoryLimit); }
        Policy restartInterval(int s) { return new Policy(maximumRequests, Duration.ofSeconds(s), inactivityTimeout, requestTimeout, interruptTimeout, startupTimeout, deadlockTimeout, memoryLimit); }
        Policy inactivityTimeout(int s) { return new Policy(maximumRequests, restartInterval, Duration.ofSeconds(s), requestTimeout, interruptTimeout, startupTimeout, deadlockTimeout, memoryLimit); }
        Policy requestTimeout(int s) { return new Policy(maximumRequests, restartInterval, inactivityTimeout, Duration.ofSeconds(s), interruptTimeout, startupTimeout, deadlockTimeout, memoryLimit); }
        Policy interruptTimeout(int s) { return new Policy(maximumRequests, restartInterval, inactivityTimeout, requestTimeout, Duration.ofSeconds(s), startupTimeout, deadlockTimeout, memoryLimit); }
        Policy startupTimeout(int s) { return new Policy(maximumRequests, restartInterval, inactivityTimeout, requestTimeout, interruptTimeout, Duration.ofSeconds(s), deadlockTimeout, memoryLimit); }
        Policy deadlockTimeout(int s) { return new Policy(maximumRequests, restartInterval, inactivityTimeout, requestTimeout, interruptTimeout, startupTimeout, Duration.ofSeconds(s), memoryLimit); }
        Policy memoryLimit(long b) { return new Policy(maximumRequests, restartInterval, inactivityTimeout, requestTimeout, interruptTimeout, startupTimeout, deadlockTimeout, b); }
    }

    private void start(Policy policy, int threads, boolean requireControl) throws IOException {
        start(policy, threads, requireControl, FakeProcess::new);
    }

    private void start(Policy policy, int threads, boolean requireControl,
                       java.util.function.Supplier<FakeProcess> processes) throws IOException {
        dispatcher = new GroupDispatcher(10, Duration.ofSeconds(5), Duration.ofSeconds(5), now::get);
        Supervisor.GroupSpec spec = new Supervisor.GroupSpec("test", 1, threads, dir.resolve("g.sock"), TOKEN,
                policy.lifecycle(), Duration.ZERO, requireControl, null);
        supervisor = new Supervisor(spec, slot -> {
            FakeProcess p = processes.get();
            launched.add(p);
            return p;
        }, dispatcher, now::get, pid -> rss.get(), false);
        supervisor.start();
    }

    @AfterEach
    void stop() throws IOException {
        if (supervisor != null) supervisor.stop().orTimeout(10, TimeUnit.SECONDS).join();
        for (SocketChannel s : sockets) s.close();
    }

    private SocketChannel hello(FakeProcess p, String thread) throws IOException {
        SocketChannel sc = SocketChannel.open(StandardProtocolFamily.UNIX);
        sc.connect(UnixDomainSocketAddress.of(dir.resolve("g.sock")));
        byte[] payload = (TOKEN + " " + p.pid() + " 0 " + thread).getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(Frame.HEADER_SIZE + payload.length);
        Frame.putHeader(b, Frame.HELLO, payload.length);
        sc.write(b.put(payload).flip());
        sockets.add(sc);
        return sc;
    }

    /** Starts the n-th process and connects its request threads (and control channel when asked). */
    private FakeProcess readyWorker(int n, int threads, boolean control) throws Exception {
        FakeProcess p = awaitLaunch(n);
        if (control) hello(p, "control");
        for (int t = 0; t < threads; t++) hello(p, Integer.toString(t));
        return p;
    }

    private SocketChannel readyWorkerWithControl(int n) throws Exception {
        FakeProcess p = awaitLaunch(n);
        SocketChannel control = hello(p, "control");
        hello(p, "0");
        supervisor.ready().get(5, TimeUnit.SECONDS);
        return control;
    }

    private FakeProcess awaitLaunch(int count) throws InterruptedException {
        for (int i = 0; i < 500 && launched.size() < count; i++) Thread.sleep(10);
        assertThat(launched).hasSizeGreaterThanOrEqualTo(count);
        return launched.get(count - 1);
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    /** Moves the clock, runs the supervisor's checks and waits until they were applied. */
    private void tickAfter(Duration d) throws Exception {
        advance(d);
        supervisor.tick();
        supervisor.sync().get(5, TimeUnit.SECONDS);
    }

    private static String readCommand(SocketChannel control) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(Frame.HEADER_SIZE);
        while (head.hasRemaining()) if (control.read(head) < 0) throw new IOException("closed");
        assertThat(head.get(0)).isEqualTo(Frame.CONTROL);
        ByteBuffer body = ByteBuffer.allocate((int) Frame.lengthAt(head, 0));
        while (body.hasRemaining()) if (control.read(body) < 0) throw new IOException("closed");
        return new String(body.array(), StandardCharsets.US_ASCII);
    }

    private static void send(SocketChannel control, String line) throws IOException {
        byte[] payload = line.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(Frame.HEADER_SIZE + payload.length);
        Frame.putHeader(b, Frame.CONTROL, payload.length);
        control.write(b.put(payload).flip());
    }

    @Test
    void recyclesAfterMaximumRequestsStartingTheReplacementWhileTheLastRequestRuns() throws Exception {
        start(Policy.none().maximumRequests(2), 1, false);
        FakeProcess first = readyWorker(1, 1, false);
        supervisor.ready().get(5, TimeUnit.SECONDS);

        dispatcher.release(dispatcher.acquire());
        Channel last = dispatcher.acquire();
        FakeProcess replacement = awaitLaunch(2);
        assertThat(replacement.pid()).isNotEqualTo(first.pid());
        assertThat(first.terminated).isFalse(); // its last request is still running

        dispatcher.release(last);
        supervisor.sync().get(5, TimeUnit.SECONDS);
        assertThat(first.terminated).isTrue();
        assertThat(first.killed).isFalse();
    }

    @Test
    void statusShowsTheRetiringProcessBesideItsReplacementAndCountsTheRestartByReason() throws Exception {
        start(Policy.none().maximumRequests(2), 1, false);
        FakeProcess first = readyWorker(1, 1, false);
        supervisor.ready().get(5, TimeUnit.SECONDS);
        supervisor.sync().get(5, TimeUnit.SECONDS);
        GroupStatus before = supervisor.status();
        assertThat(before.workers()).singleElement().satisfies(p -> {
            assertThat(p.pid()).isEqualTo(first.pid());
            assertThat(p.state()).isEqualTo("ready");
            assertThat(p.retiring()).isFalse();
            assertThat(p.idle()).isEqualTo(1);
        });
        assertThat(before.anyReady()).isTrue();
        assertThat(before.restarts()).isEmpty();

        dispatcher.release(dispatcher.acquire());
        Channel last = dispatcher.acquire();
        FakeProcess replacement = awaitLaunch(2);
        supervisor.sync().get(5, TimeUnit.SECONDS);
        GroupStatus during = supervisor.status();
        assertThat(during.restarts()).containsExactly(java.util.Map.entry("maximum_requests", 1L));
        assertThat(during.workers()).hasSize(2);
        assertThat(during.workers().get(0).pid()).isEqualTo(replacement.pid());
        assertThat(during.workers().get(0).state()).isEqualTo("starting");
        assertThat(during.workers().get(1).pid()).isEqualTo(first.pid());
        assertThat(during.workers().get(1).retiring()).isTrue();
        assertThat(during.workers().get(1).busy()).isEqualTo(1);
        assertThat(during.workers().get(1).requests()).isEqualTo(2);
        assertThat(during.anyReady()).isFalse(); // the replacement has not connected yet
        assertThat(during.busy()).isEqualTo(1);
        dispatcher.release(last);
    }

    @Test
    void aRecycledProcessGetsNoMoreRequests() throws Exception {
        start(Policy.none().maximumRequests(1), 2, false);
        readyWorker(1, 2, false);
        supervisor.ready().get(5, TimeUnit.SECONDS);

        Channel only = dispatcher.acquire();
        FakeProcess replacement = readyWorker(2, 2, false);
        Channel next = dispatcher.acquire(); // waits for the replacement: the first process has a free thread but is done
        assertThat(next.worker().pid()).isEqualTo(replacement.pid());
        dispatcher.release(only);
        dispatcher.release(next);
    }

    @Test
    void restartIntervalCountsFromTheProcessStart() throws Exception {
        start(Policy.none().restartInterval(10), 1, false);
        FakeProcess first = readyWorker(1, 1, false);
        supervisor.ready().get(5, TimeUnit.SECONDS);

        tickAfter(Duration.ofSeconds(9));
        assertThat(launched).hasSize(1);
        tickAfter(Duration.ofSeconds(2));
        assertThat(launched).hasSize(2);
        assertThat(first.terminated).isTrue(); // idle: asked to exit at once
    }

    @Test
    void inactivityTimeoutArmsOnlyAfterTheFirstRequest() throws Exception {
        start(Policy.none().inactivityTimeout(5), 1, false);
        FakeProcess first = readyWorker(1, 1, false);
        supervisor.ready().get(5, TimeUnit.SECONDS);

        tickAfter(Duration.ofSeconds(60));
        assertThat(launched).hasSize(1);

        Channel ch = dispatcher.acquire();
        tickAfter(Duration.ofSeconds(60)); // an active request is not inactivity
        assertThat(launched).hasSize(1);
        dispatcher.release(ch);
        tickAfter(Duration.ofSeconds(4));
        assertThat(launched).hasSize(1);
        tickAfter(Duration.ofSeconds(2));
        assertThat(launched).hasSize(2);
        assertThat(first.terminated).isTrue();
    }

    @Test
    void recyclesAProcessWhoseResidentMemoryPassesTheLimit() throws Exception {
        start(Policy.none().memoryLimit(100_000_000), 1, false);
        readyWorker(1, 1, false);
        supervisor.ready().get(5, TimeUnit.SECONDS);

        rss.set(90_000_000);
        tickAfter(Duration.ofSeconds(1));
        assertThat(launched).hasSize(1);
        rss.set(120_000_000);
        tickAfter(Duration.ofSeconds(1));
        assertThat(launched).hasSize(2);
    }

    @Test
    void aDrainingProcessGetsSigtermAfterGracefulTimeoutAndSigkillAfterShutdownTimeout() throws Exception {
        FakeProcess stubborn = new FakeProcess() {
            @Override
            public void destroy() {
                terminated = true; // ignores SIGTERM
            }
        };
        List<FakeProcess> supply = new CopyOnWriteArrayList<>(List.of(stubborn));
        start(Policy.none().restartInterval(10), 1, false,
                () -> supply.isEmpty() ? new FakeProcess() : supply.removeFirst());
        readyWorker(1, 1, false);
        supervisor.ready().get(5, TimeUnit.SECONDS);
        Channel busy = dispatcher.acquire();

        tickAfter(Duration.ofSeconds(11)); // recycled, its request still running
        assertThat(launched).hasSize(2);
        assertThat(stubborn.terminated).isFalse();
        tickAfter(GRACEFUL.minusSeconds(1));
        assertThat(stubborn.terminated).isFalse();
        tickAfter(Duration.ofSeconds(2));
        assertThat(stubborn.terminated).isTrue();
        assertThat(stubborn.killed).isFalse();
        tickAfter(SHUTDOWN.plusSeconds(1));
        assertThat(stubborn.killed).isTrue();
        dispatcher.discard(busy);
    }

    @Test
    void requestTimeoutWithOneThreadIsTheRequestsOwnRunTime() throws Exception {
        start(Policy.none().requestTimeout(2), 1, false);
        readyWorker(1, 1, false);
        supervisor.ready().get(5, TimeUnit.SECONDS);
        Channel ch = dispatcher.acquire();

        tickAfter(Duration.ofSeconds(2));
        assertThat(ch.timedOut()).isFalse();
        tickAfter(Duration.ofSeconds(1));
        assertThat(ch.timedOut()).isTrue();
        assertThat(ch.isOpen()).isFalse();
        assertThat(launched).hasSize(2); // recycled
        dispatcher.discard(ch);
    }

    @Test
    void requestTimeoutWithThreadsIsTheTotalRunTimeOverTheThreadCount() throws Exception {
        start(Policy.none().requestTimeout(2), 2, false);
        readyWorker(1, 2, false);
        supervisor.ready().get(5, TimeUnit.SECONDS);
        Channel a = dispatcher.acquire();

        tickAfter(Duration.ofSeconds(3)); // 3 s over 2 threads = 1.5 s: within
        assertThat(a.timedOut()).isFalse();
        Channel b = dispatcher.acquire();
        tickAfter(Duration.ofSeconds(1)); // (4 + 1) / 2 = 2.5 s: over; only a ran past 2 s itself
        assertThat(a.timedOut()).isTrue();
        assertThat(b.timedOut()).isFalse();
        assertThat(launched).hasSize(2);
        dispatcher.discard(a);
        dispatcher.release(b);
    }

    @Test
    void interruptTimeoutInterruptsTheStuckThreadFirstThenDumpsAndRecycles() throws Exception {
        start(Policy.none().requestTimeout(2).interruptTimeout(3), 1, true);
        SocketChannel control = readyWorkerWithControl(1);
        Channel ch = dispatcher.acquire();

        tickAfter(Duration.ofSeconds(3));
        assertThat(readCommand(control)).isEqualTo("interrupt 0");
        assertThat(ch.interrupted()).isTrue();
        assertThat(ch.timedOut()).isFalse();
        assertThat(launched).hasSize(1);

        tickAfter(Duration.ofSeconds(3));
        assertThat(readCommand(control)).isEqualTo("dump request_timeout");
        assertThat(readCommand(control)).isEqualTo("stop request_timeout");
        assertThat(ch.timedOut()).isTrue();
        assertThat(launched).hasSize(2);
        dispatcher.discard(ch);
    }

    @Test
    void isReadyOnlyOnceTheControlChannelToo() throws Exception {
        start(Policy.none(), 1, true);
        FakeProcess p = awaitLaunch(1);
        hello(p, "0");
        supervisor.sync().get(5, TimeUnit.SECONDS);
        Thread.sleep(50); // the HELLO travels through the listener's thread first
        supervisor.sync().get(5, TimeUnit.SECONDS);
        assertThat(supervisor.ready()).isNotDone();
        hello(p, "control");
        supervisor.ready().get(5, TimeUnit.SECONDS);
    }

    @Test
    void aWorkerWhoseHeartbeatStopsIsKilledAndReplaced() throws Exception {
        start(Policy.none().deadlockTimeout(5), 1, true);
        SocketChannel control = readyWorkerWithControl(1);
        FakeProcess first = launched.getFirst();

        advance(Duration.ofSeconds(4));
        send(control, "heartbeat");
        supervisor.sync().get(5, TimeUnit.SECONDS);
        Thread.sleep(50); // the line travels through the control reader first
        tickAfter(Duration.ofSeconds(4)); // 4 s since the heartbeat
        assertThat(first.killed).isFalse();
        tickAfter(Duration.ofSeconds(2));
        assertThat(first.killed).isTrue();
        awaitLaunch(2);
    }

    @Test
    void aWorkerNotReadyWithinStartupTimeoutIsKilledAndReplaced() throws Exception {
        start(Policy.none().startupTimeout(15), 1, false);
        FakeProcess first = readyWorker(1, 1, false);
        supervisor.ready().get(5, TimeUnit.SECONDS);
        first.exit(1); // dies once ready: replaced at once
        FakeProcess second = awaitLaunch(2);

        tickAfter(Duration.ofSeconds(14));
        assertThat(second.killed).isFalse();
        tickAfter(Duration.ofSeconds(2));
        assertThat(second.killed).isTrue();
        awaitLaunch(3);
    }

    @Test
    void aWorkerAskingToBeRecycledIsToldWhyAndReplaced() throws Exception {
        start(Policy.none(), 1, true);
        SocketChannel control = readyWorkerWithControl(1);

        send(control, "recycle script_reload");
        assertThat(readCommand(control)).isEqualTo("stop script_reload");
        awaitLaunch(2);
    }

    @Test
    void aRetiringWorkerIsSignalledOnlyAfterItAcknowledgedWhyOrAfterASecond() throws Exception {
        start(Policy.none(), 1, true);
        SocketChannel control = readyWorkerWithControl(1);
        FakeProcess first = launched.getFirst();

        send(control, "recycle script_reload");
        assertThat(readCommand(control)).isEqualTo("stop script_reload");
        tickAfter(Duration.ofMillis(500));
        assertThat(first.terminated).as("SIGTERM before the worker recorded its reason").isFalse();
        send(control, "stopping");
        for (int i = 0; i < 200 && !first.terminated; i++) Thread.sleep(10); // the line crosses the reader thread
        assertThat(first.terminated).isTrue();
    }

    @Test
    void aRetiringWorkerThatNeverAcknowledgesIsSignalledAfterASecond() throws Exception {
        start(Policy.none(), 1, true);
        SocketChannel control = readyWorkerWithControl(1);
        FakeProcess first = launched.getFirst();

        send(control, "recycle script_reload");
        assertThat(readCommand(control)).isEqualTo("stop script_reload");
        tickAfter(Duration.ofMillis(500));
        assertThat(first.terminated).isFalse();
        tickAfter(Duration.ofMillis(600));
        assertThat(first.terminated).isTrue();
    }

    @Test
    void gracefulRestartAndReloadRecycleEveryProcessWithTheirReasons() throws Exception {
        start(Policy.none(), 1, true);
        SocketChannel control = readyWorkerWithControl(1);

        supervisor.gracefulRestart();
        assertThat(readCommand(control)).isEqualTo("stop graceful_signal");
        FakeProcess second = awaitLaunch(2);
        SocketChannel control2 = hello(second, "control");
        hello(second, "0");
        for (int i = 0; i < 500 && second.pid() != readyPid(); i++) Thread.sleep(10);

        supervisor.reload();
        assertThat(readCommand(control2)).isEqualTo("stop reload_signal");
        awaitLaunch(3);
    }

    private long readyPid() throws Exception {
        try {
            Channel ch = dispatcher.acquire();
            dispatcher.release(ch);
            return ch.worker().pid();
        } catch (DispatchException e) {
            return -1;
        }
    }

    @Test
    void serverStopTellsEveryWorkerTheShutdownReason() throws Exception {
        start(Policy.none(), 1, true);
        SocketChannel control = readyWorkerWithControl(1);

        supervisor.stop().get(5, TimeUnit.SECONDS);
        assertThat(readCommand(control)).isEqualTo("stop shutdown_signal");
        assertThat(launched.getFirst().terminated).isTrue();
        supervisor = null;
    }

    @Test
    void aServiceIsReadyAtStartRestartedWhenItExitsAndBacksOffWhenItKeepsExitingAtOnce() throws Exception {
        dispatcher = new GroupDispatcher(1, Duration.ZERO, Duration.ZERO, now::get);
        supervisor = new Supervisor(new Supervisor.GroupSpec("service:tick", 1, 0, dir.resolve("unused.sock"), TOKEN,
                SHUTDOWN), slot -> {
                    FakeProcess p = new FakeProcess();
                    launched.add(p);
                    return p;
                }, dispatcher, now::get, pid -> -1, false);
        supervisor.start();
        supervisor.ready().get(5, TimeUnit.SECONDS); // no channels to wait for

        advance(Duration.ofSeconds(60));
        awaitLaunch(1).exit(0); // ran a minute: restarted at once
        FakeProcess second = awaitLaunch(2);
        second.exit(1); // exited at once: the next start waits (back-off timer)
        supervisor.sync().get(5, TimeUnit.SECONDS);
        assertThat(launched).hasSize(2);
        awaitLaunch(3);
    }

    @Test
    void sigusr1DrainsWithinEvictionTimeoutWhenItIsSet() throws Exception {
        dispatcher = new GroupDispatcher(10, Duration.ofSeconds(5), Duration.ofSeconds(5), now::get);
        Lifecycle eviction = new Lifecycle(0, 0, Duration.ZERO, Duration.ZERO, GRACEFUL, Duration.ofSeconds(3),
                SHUTDOWN, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, 0);
        supervisor = new Supervisor(new Supervisor.GroupSpec("test", 1, 1, dir.resolve("g.sock"), TOKEN, eviction,
                Duration.ZERO, false, null), slot -> {
                    FakeProcess p = new FakeProcess();
                    launched.add(p);
                    return p;
                }, dispatcher, now::get, pid -> -1, false);
        supervisor.start();
        FakeProcess first = readyWorker(1, 1, false);
        supervisor.ready().get(5, TimeUnit.SECONDS);
        Channel busy = dispatcher.acquire();

        supervisor.gracefulRestart();
        supervisor.sync().get(5, TimeUnit.SECONDS);
        awaitLaunch(2);
        tickAfter(Duration.ofSeconds(2));
        assertThat(first.terminated).isFalse();
        tickAfter(Duration.ofSeconds(2)); // past eviction-timeout, long before graceful-timeout
        assertThat(first.terminated).isTrue();
        dispatcher.discard(busy);
    }

    @Test
    void readsResidentMemoryFromProc() {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(Path.of("/proc/self")), "Linux only");
        assertThat(Supervisor.vmRss(ProcessHandle.current().pid())).isGreaterThan(1 << 20);
        assertThat(Supervisor.vmRss(Long.MAX_VALUE)).isEqualTo(-1);
    }
}
