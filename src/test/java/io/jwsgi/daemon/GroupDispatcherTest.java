package io.jwsgi.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The group's bounded queue: spreading, back-pressure, timeouts. Channels are never used for I/O here. */
class GroupDispatcherTest {
    private static Channel channel(Worker w, int thread) throws IOException {
        return new Channel(SocketChannel.open(), w, thread);
    }

    private static Worker worker(int slot, int threads) {
        return new Worker(slot, new FakeProcess(), System.nanoTime(), threads);
    }

    @Test
    void spreadsRequestsOverProcessesByBusyThreads() throws Exception {
        GroupDispatcher d = new GroupDispatcher(10, Duration.ofSeconds(1), Duration.ofSeconds(1));
        Worker a = worker(0, 2);
        Worker b = worker(1, 2);
        for (int t = 0; t < 2; t++) {
            d.attach(channel(a, t));
            d.attach(channel(b, t));
        }
        Channel first = d.acquire();
        Channel second = d.acquire();
        assertThat(first.worker()).isNotSameAs(second.worker());
        assertThat(d.activeRequests()).isEqualTo(2);
        d.release(first);
        d.release(second);
        assertThat(d.activeRequests()).isZero();
    }

    @Test
    void refusesAtOnceWhenTheBacklogIsFull() throws Exception {
        GroupDispatcher d = new GroupDispatcher(1, Duration.ofSeconds(5), Duration.ofSeconds(5));
        Worker a = worker(0, 1);
        d.attach(channel(a, 0));
        Channel held = d.acquire();
        CompletableFuture<Channel> queued = CompletableFuture.supplyAsync(() -> {
            try {
                return d.acquire();
            } catch (DispatchException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100); // let it queue
        assertThatThrownBy(d::acquire).isInstanceOf(DispatchException.class)
                .extracting(e -> ((DispatchException) e).kind()).isEqualTo(DispatchException.Kind.QUEUE_FULL);
        d.release(held);
        assertThat(queued.get(5, TimeUnit.SECONDS)).isSameAs(held);
    }

    @Test
    void givesUpAfterQueueTimeoutWhenEveryThreadIsBusy() throws Exception {
        GroupDispatcher d = new GroupDispatcher(10, Duration.ofMillis(200), Duration.ofSeconds(5));
        d.attach(channel(worker(0, 1), 0));
        d.acquire();
        long t0 = System.nanoTime();
        assertThatThrownBy(d::acquire).isInstanceOf(DispatchException.class)
                .extracting(e -> ((DispatchException) e).kind()).isEqualTo(DispatchException.Kind.QUEUE_TIMEOUT);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
    }

    @Test
    void givesUpAfterConnectTimeoutWhenNoWorkerIsReady() {
        GroupDispatcher d = new GroupDispatcher(10, Duration.ofSeconds(30), Duration.ofMillis(200));
        assertThatThrownBy(d::acquire).isInstanceOf(DispatchException.class)
                .extracting(e -> ((DispatchException) e).kind()).isEqualTo(DispatchException.Kind.NO_WORKER);
    }

    @Test
    void aWorkerIsNotUsedUntilAllItsThreadsHaveConnected() throws Exception {
        GroupDispatcher d = new GroupDispatcher(10, Duration.ofMillis(100), Duration.ofMillis(100));
        Worker a = worker(0, 2);
        d.attach(channel(a, 0));
        assertThatThrownBy(d::acquire).isInstanceOf(DispatchException.class);
        d.attach(channel(a, 1));
        assertThat(d.acquire().worker()).isSameAs(a);
    }

    @Test
    void stoppingWakesQueuedRequests() throws Exception {
        GroupDispatcher d = new GroupDispatcher(10, Duration.ofSeconds(30), Duration.ofSeconds(30));
        d.attach(channel(worker(0, 1), 0));
        d.acquire();
        CompletableFuture<DispatchException.Kind> queued = CompletableFuture.supplyAsync(() -> {
            try {
                d.acquire();
                return null;
            } catch (DispatchException e) {
                return e.kind();
            }
        });
        Thread.sleep(100);
        d.stop();
        assertThat(queued.get(5, TimeUnit.SECONDS)).isEqualTo(DispatchException.Kind.STOPPING);
    }

    /** A parked request's outcome, as the front end's waiter sees it. */
    private static final class Recorder implements Dispatch.Waiter {
        final CompletableFuture<Channel> channel = new CompletableFuture<>();
        final CompletableFuture<DispatchException.Kind> refusal = new CompletableFuture<>();
        volatile Thread grantedOn;
        volatile boolean here;

        @Override
        public void granted(Channel ch, boolean here) {
            this.grantedOn = Thread.currentThread();
            this.here = here;
            channel.complete(ch);
        }

        @Override
        public void refused(DispatchException e) {
            refusal.complete(e.kind());
        }
    }

    @Test
    void aParkedRequestGetsTheReleasedChannelOnTheReleasingThread() throws Exception {
        GroupDispatcher d = new GroupDispatcher(10, Duration.ofSeconds(5), Duration.ofSeconds(5));
        d.attach(channel(worker(0, 1), 0));
        Recorder now = new Recorder();
        d.acquireLater(now);
        assertThat(now.channel).isDone(); // an idle channel: granted at once, on the caller's thread
        assertThat(now.grantedOn).isSameAs(Thread.currentThread());
        Recorder later = new Recorder();
        d.acquireLater(later);
        assertThat(later.channel).isNotDone();
        assertThat(d.snapshot(java.util.List.of()).waiting()).isEqualTo(1);
        Thread releaser = Thread.ofVirtual().start(() -> d.release(now.channel.join()));
        releaser.join();
        assertThat(later.channel.get(5, TimeUnit.SECONDS)).isSameAs(now.channel.join());
        assertThat(later.grantedOn).isSameAs(releaser);
        assertThat(later.here).isTrue();
        assertThat(d.activeRequests()).isEqualTo(1);
    }

    @Test
    void parkedAndBlockedRequestsAreServedInArrivalOrder() throws Exception {
        GroupDispatcher d = new GroupDispatcher(10, Duration.ofSeconds(5), Duration.ofSeconds(5));
        d.attach(channel(worker(0, 1), 0));
        Channel held = d.acquire();
        CompletableFuture<Channel> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return d.acquire();
            } catch (DispatchException e) {
                throw new IllegalStateException(e);
            }
        });
        while (d.snapshot(java.util.List.of()).waiting() < 1) Thread.sleep(5);
        Recorder parked = new Recorder();
        d.acquireLater(parked); // came after the blocked thread
        d.release(held);
        Channel first = blocked.get(5, TimeUnit.SECONDS);
        assertThat(parked.channel).isNotDone();
        d.release(first);
        assertThat(parked.channel.get(5, TimeUnit.SECONDS)).isSameAs(held);
    }

    @Test
    void parkedRequestsAreRefusedWhenTheQueueIsFullAndAtStop() throws Exception {
        GroupDispatcher d = new GroupDispatcher(1, Duration.ofSeconds(30), Duration.ofSeconds(30));
        d.attach(channel(worker(0, 1), 0));
        d.acquire();
        Recorder stopped = new Recorder();
        d.acquireLater(stopped);
        Recorder full = new Recorder();
        d.acquireLater(full);
        assertThat(full.refusal.getNow(null)).isEqualTo(DispatchException.Kind.QUEUE_FULL);
        assertThat(stopped.refusal).isNotDone();
        d.stop();
        assertThat(stopped.refusal.get(5, TimeUnit.SECONDS)).isEqualTo(DispatchException.Kind.STOPPING);
        Recorder afterStop = new Recorder();
        d.acquireLater(afterStop);
        assertThat(afterStop.refusal.getNow(null)).isEqualTo(DispatchException.Kind.STOPPING);
    }

    @Test
    void aParkedRequestGivesUpAfterQueueTimeoutWhenEveryThreadIsBusy() throws Exception {
        GroupDispatcher d = new GroupDispatcher(10, Duration.ofMillis(200), Duration.ofSeconds(5));
        d.attach(channel(worker(0, 1), 0));
        d.acquire();
        Recorder parked = new Recorder();
        long t0 = System.nanoTime();
        d.acquireLater(parked);
        assertThat(parked.refusal.get(5, TimeUnit.SECONDS)).isEqualTo(DispatchException.Kind.QUEUE_TIMEOUT);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
        assertThat(d.snapshot(java.util.List.of()).waiting()).isZero();
    }

    @Test
    void aParkedRequestWaitsForAWorkerThatBecomesReadyAndMovesOffTheSupervisorThread() throws Exception {
        GroupDispatcher d = new GroupDispatcher(10, Duration.ofSeconds(30), Duration.ofSeconds(5));
        Recorder parked = new Recorder();
        d.acquireLater(parked);
        assertThat(parked.channel).isNotDone();
        d.attach(channel(worker(0, 1), 0));
        assertThat(parked.channel.get(5, TimeUnit.SECONDS)).isNotNull();
        assertThat(parked.here).isFalse();
    }

    @Test
    void aParkedRequestGivesUpAfterConnectTimeoutWhenNoWorkerIsReady() throws Exception {
        GroupDispatcher d = new GroupDispatcher(10, Duration.ofSeconds(30), Duration.ofMillis(150));
        Recorder parked = new Recorder();
        d.acquireLater(parked);
        assertThat(parked.refusal.get(5, TimeUnit.SECONDS)).isEqualTo(DispatchException.Kind.NO_WORKER);
    }

    @Test
    void requestsWaitingForAProcessFailAtOnceWhenTheApplicationFailedToLoadAndNewOnesTooUntilOneIsReady()
            throws Exception {
        GroupDispatcher d = new GroupDispatcher(10, Duration.ofSeconds(30), Duration.ofSeconds(30));
        Recorder parked = new Recorder();
        d.acquireLater(parked);
        CompletableFuture<DispatchException.Kind> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                d.acquire();
                return null;
            } catch (DispatchException e) {
                return e.kind();
            }
        });
        d.applicationFailed(true); // the supervisor: a process exited with status 4
        assertThat(parked.refusal.get(5, TimeUnit.SECONDS)).isEqualTo(DispatchException.Kind.APPLICATION_NOT_LOADED);
        assertThat(blocked.get(5, TimeUnit.SECONDS)).isEqualTo(DispatchException.Kind.APPLICATION_NOT_LOADED);
        Recorder later = new Recorder();
        d.acquireLater(later);
        assertThat(later.refusal.get(5, TimeUnit.SECONDS)).isEqualTo(DispatchException.Kind.APPLICATION_NOT_LOADED);

        d.attach(channel(worker(0, 1), 0)); // a replacement loaded the application
        d.applicationFailed(false);
        Channel ch = d.acquire();
        assertThat(ch).isNotNull();
        d.release(ch);
    }
}
