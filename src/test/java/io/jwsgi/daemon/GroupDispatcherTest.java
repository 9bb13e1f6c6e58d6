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
}
