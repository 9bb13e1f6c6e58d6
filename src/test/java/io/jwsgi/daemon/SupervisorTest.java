package io.jwsgi.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The supervisor's policies with fake processes: real channel sockets, no Python. */
class SupervisorTest {
    private static final String TOKEN = "secret-token";

    @TempDir
    Path dir;

    private final List<FakeProcess> launched = new CopyOnWriteArrayList<>();
    private final List<SocketChannel> sockets = new CopyOnWriteArrayList<>();
    private Supervisor supervisor;

    private Supervisor start(int processes, int threads) throws IOException {
        GroupDispatcher dispatcher = new GroupDispatcher(10, Duration.ofSeconds(5), Duration.ofSeconds(5));
        supervisor = new Supervisor(new Supervisor.GroupSpec("test", processes, threads, dir.resolve("g.sock"), TOKEN,
                Duration.ofMillis(500)), slot -> {
                    FakeProcess p = new FakeProcess();
                    launched.add(p);
                    return p;
                }, dispatcher);
        supervisor.start();
        return supervisor;
    }

    @AfterEach
    void stop() throws IOException {
        if (supervisor != null) supervisor.stop().orTimeout(10, TimeUnit.SECONDS).join();
        for (SocketChannel s : sockets) s.close();
    }

    /** Connects one channel for {@code p} the way worker.py does. */
    private void hello(FakeProcess p, int slot, int thread, String token) throws IOException {
        SocketChannel sc = SocketChannel.open(StandardProtocolFamily.UNIX);
        sc.connect(UnixDomainSocketAddress.of(dir.resolve("g.sock")));
        byte[] payload = (token + " " + p.pid() + " " + slot + " " + thread).getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(Frame.HEADER_SIZE + payload.length);
        Frame.putHeader(b, Frame.HELLO, payload.length);
        sc.write(b.put(payload).flip());
        sockets.add(sc);
    }

    private FakeProcess awaitLaunch(int count) throws InterruptedException {
        for (int i = 0; i < 500 && launched.size() < count; i++) Thread.sleep(10);
        assertThat(launched).hasSizeGreaterThanOrEqualTo(count);
        return launched.get(count - 1);
    }

    @Test
    void isReadyOnlyWhenEveryThreadOfEveryWorkerHasConnected() throws Exception {
        start(2, 2);
        FakeProcess a = awaitLaunch(1);
        FakeProcess b = awaitLaunch(2);
        hello(a, 0, 0, TOKEN);
        hello(a, 0, 1, TOKEN);
        hello(b, 1, 0, TOKEN);
        Thread.sleep(100);
        assertThat(supervisor.ready()).isNotDone();
        hello(b, 1, 1, TOKEN);
        supervisor.ready().get(5, TimeUnit.SECONDS);
    }

    @Test
    void refusesAChannelWithAWrongTokenOrAnUnknownPid() throws Exception {
        start(1, 1);
        FakeProcess a = awaitLaunch(1);
        hello(a, 0, 0, "wrong-token");
        FakeProcess stranger = new FakeProcess();
        hello(stranger, 0, 0, TOKEN);
        Thread.sleep(200);
        assertThat(supervisor.ready()).isNotDone();
        hello(a, 0, 0, TOKEN);
        supervisor.ready().get(5, TimeUnit.SECONDS);
    }

    @Test
    void failsStartUpWhenAWorkerExitsBeforeItIsReady() throws Exception {
        start(1, 1);
        awaitLaunch(1).exit(3);
        assertThatThrownBy(() -> supervisor.ready().join())
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(WorkerBootException.class)
                .hasMessageContaining("status 3");
    }

    @Test
    void startsAnywayWhenTheApplicationFailsToLoadAndReplacesTheProcessAnsweringRequestsAtOnceMeanwhile()
            throws Exception {
        start(1, 1);
        FakeProcess a = awaitLaunch(1);
        a.exit(Worker.EXIT_APPLICATION_LOAD_FAILURE);
        supervisor.ready().get(5, TimeUnit.SECONDS); // the server starts: the application may come up later
        assertThatThrownBy(() -> supervisor.dispatcher().acquire())
                .isInstanceOfSatisfying(DispatchException.class,
                        e -> assertThat(e.kind()).isEqualTo(DispatchException.Kind.APPLICATION_NOT_LOADED));
        FakeProcess b = awaitLaunch(2); // a fresh process, after the back-off
        supervisor.sync().get(5, TimeUnit.SECONDS);
        assertThat(supervisor.status().restarts()).containsEntry("application_load_failed", 1L);
        hello(b, 0, 0, TOKEN);
        Channel ch = null;
        for (int i = 0; i < 500 && ch == null; i++) { // 500 at once until b is READY, then b serves
            try {
                ch = supervisor.dispatcher().acquire();
            } catch (DispatchException e) {
                assertThat(e.kind()).isEqualTo(DispatchException.Kind.APPLICATION_NOT_LOADED);
                Thread.sleep(10);
            }
        }
        assertThat(ch).isNotNull();
        assertThat(ch.worker().pid()).isEqualTo(b.pid());
        supervisor.dispatcher().release(ch);
    }

    @Test
    void replacesAReadyWorkerThatDies() throws Exception {
        start(1, 1);
        FakeProcess a = awaitLaunch(1);
        hello(a, 0, 0, TOKEN);
        supervisor.ready().get(5, TimeUnit.SECONDS);
        a.exit(137);
        FakeProcess b = awaitLaunch(2);
        assertThat(b.pid()).isNotEqualTo(a.pid());
    }

    @Test
    void backsOffAWorkerThatKeepsDyingRightAfterStart() throws Exception {
        start(1, 1);
        FakeProcess a = awaitLaunch(1);
        hello(a, 0, 0, TOKEN);
        supervisor.ready().get(5, TimeUnit.SECONDS);
        a.exit(1);
        awaitLaunch(2).exit(1); // dies before ready: the next start waits 250 ms
        long t0 = System.nanoTime();
        awaitLaunch(3);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }

    @Test
    void backOffGrowsAndIsCapped() {
        assertThat(Supervisor.backoff(1)).isEqualTo(Duration.ofMillis(250));
        assertThat(Supervisor.backoff(2)).isEqualTo(Duration.ofMillis(500));
        assertThat(Supervisor.backoff(5)).isEqualTo(Duration.ofSeconds(4));
        assertThat(Supervisor.backoff(50)).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void stopTerminatesEveryWorkerAndKillsOnesThatIgnoreIt() throws Exception {
        GroupDispatcher dispatcher = new GroupDispatcher(10, Duration.ofSeconds(5), Duration.ofSeconds(5));
        FakeProcess stubborn = new FakeProcess() {
            @Override
            public void destroy() {
                terminated = true; // ignores SIGTERM
            }
        };
        supervisor = new Supervisor(new Supervisor.GroupSpec("test", 1, 1, dir.resolve("g.sock"), TOKEN,
                Duration.ofMillis(300)), slot -> stubborn, dispatcher);
        supervisor.start();
        hello(stubborn, 0, 0, TOKEN);
        supervisor.ready().get(5, TimeUnit.SECONDS);
        supervisor.stop().get(5, TimeUnit.SECONDS);
        assertThat(stubborn.terminated).isTrue();
        assertThat(stubborn.killed).isTrue();
        supervisor = null;
    }
}
