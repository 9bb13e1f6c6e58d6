package io.jwsgi.daemon;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the worker processes of one process group: starts them, attaches their channels, replaces the ones
 * that die (backing off when a slot keeps failing), and stops them all.
 *
 * <p>design: one thread owns every lifecycle decision. Everything that happens elsewhere — a process exit
 * ({@link Process#onExit}), a worker thread's HELLO, a timer, a stop request — only posts an {@link Event};
 * {@link #loop} applies them one at a time, so no lifecycle state is shared between threads.
 */
public final class Supervisor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);
    private static final Logger workerLog = LoggerFactory.getLogger("io.jwsgi.worker");
    private static final Duration QUICK_EXIT = Duration.ofSeconds(2);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(20);

    /** What the supervisor needs to know about its group. */
    public record GroupSpec(String name, int processes, int threads, Path socket, String token,
                            Duration shutdownTimeout) {}

    sealed interface Event {
        record Exited(Worker worker, int status) implements Event {}
        record Greeted(ChannelListener.Hello hello) implements Event {}
        record Respawn(int slot) implements Event {}
        record Kill() implements Event {}
        record Stop() implements Event {}
    }

    private final GroupSpec spec;
    private final WorkerLauncher launcher;
    private final GroupDispatcher dispatcher;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final ScheduledExecutorService timers;
    private final Worker[] slots;
    private final int[] quickExits;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private ChannelListener listener;
    private boolean stopping;
    private Thread thread;

    public Supervisor(GroupSpec spec, WorkerLauncher launcher, GroupDispatcher dispatcher) {
        this.spec = spec;
        this.launcher = launcher;
        this.dispatcher = dispatcher;
        this.slots = new Worker[spec.processes()];
        this.quickExits = new int[spec.processes()];
        this.timers = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("jwsgi-timer").factory());
    }

    /** Opens the group's socket, starts every worker and the supervisor thread. */
    public void start() throws IOException {
        listener = new ChannelListener(spec.socket(), spec.token(), h -> events.add(new Event.Greeted(h)));
        for (int slot = 0; slot < slots.length; slot++) spawn(slot);
        thread = Thread.ofPlatform().name("jwsgi-supervisor-" + spec.name()).start(this::loop);
    }

    /** Completes when every worker has connected all its threads; fails with {@link WorkerBootException}. */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    public GroupDispatcher dispatcher() {
        return dispatcher;
    }

    private void loop() {
        try {
            while (!stopped.isDone()) {
                Event event = events.take();
                switch (event) {
                    case Event.Greeted g -> onHello(g.hello());
                    case Event.Exited e -> onExit(e.worker(), e.status());
                    case Event.Respawn r -> { if (!stopping && slots[r.slot()] == null) spawn(r.slot()); }
                    case Event.Stop s -> beginStop();
                    case Event.Kill k -> killRemaining();
                }
                if (stopping && allExited()) finishStop();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void spawn(int slot) {
        Process p;
        try {
            p = launcher.launch(slot);
        } catch (IOException e) {
            log.error("worker launch failed group={} slot={} error={}", spec.name(), slot, e.toString());
            failBoot("cannot start a worker process: " + e.getMessage());
            return;
        }
        Worker w = new Worker(slot, p, System.nanoTime(), spec.threads());
        slots[slot] = w;
        pumpOutput(w);
        p.onExit().thenAccept(proc -> events.add(new Event.Exited(w, proc.exitValue())));
        log.info("worker started group={} slot={} pid={}", spec.name(), slot, p.pid());
    }

    private void onHello(ChannelListener.Hello h) {
        Worker w = h.slot() >= 0 && h.slot() < slots.length ? slots[h.slot()] : null;
        if (w == null || w.pid() != h.pid() || w.state == Worker.State.EXITED) {
            log.warn("channel from unknown worker refused group={} slot={} pid={}", spec.name(), h.slot(), h.pid());
            closeQuietly(h);
            return;
        }
        boolean wasReady = w.state == Worker.State.READY;
        dispatcher.attach(new Channel(h.socket(), w, h.thread()));
        if (!wasReady && w.state == Worker.State.READY) {
            quickExits[w.slot()] = 0;
            log.info("worker ready group={} slot={} pid={} threads={}", spec.name(), w.slot(), w.pid(), w.threads());
            if (!ready.isDone() && allReady()) ready.complete(null);
        }
    }

    private void onExit(Worker w, int status) {
        if (slots[w.slot()] != w) return;
        boolean wasReady = w.state == Worker.State.READY;
        dispatcher.detach(w, Worker.State.EXITED);
        slots[w.slot()] = null;
        if (stopping) {
            log.info("worker stopped group={} slot={} pid={} status={}", spec.name(), w.slot(), w.pid(), status);
            return;
        }
        log.warn("worker exited group={} slot={} pid={} status={}", spec.name(), w.slot(), w.pid(), status);
        if (!ready.isDone() && !wasReady) {
            failBoot("worker process exited during start-up with status " + status
                    + " (group=" + spec.name() + " pid=" + w.pid() + "); its output is in the error log");
            return;
        }
        boolean quick = System.nanoTime() - w.startedNanos() < QUICK_EXIT.toNanos();
        int failures = wasReady || !quick ? 0 : quickExits[w.slot()] + 1;
        quickExits[w.slot()] = failures;
        Duration delay = failures == 0 ? Duration.ZERO : backoff(failures);
        if (delay.isZero()) {
            spawn(w.slot());
        } else {
            log.warn("worker restart delayed group={} slot={} delay_ms={} quick_exits={}", spec.name(), w.slot(), delay.toMillis(), failures);
            int slot = w.slot();
            timers.schedule(() -> events.add(new Event.Respawn(slot)), delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** 250 ms, 500 ms, 1 s, … up to 20 s: a worker that cannot boot must not turn into a fork loop. */
    static Duration backoff(int failures) {
        long ms = 250L << Math.min(failures - 1, 10);
        return Duration.ofMillis(Math.min(ms, MAX_BACKOFF.toMillis()));
    }

    private void failBoot(String message) {
        if (!ready.isDone()) {
            ready.completeExceptionally(new WorkerBootException(message));
        }
    }

    /** Posts a stop; completes when every worker process has exited (SIGKILL after shutdown-timeout). */
    public CompletableFuture<Void> stop() {
        events.add(new Event.Stop());
        return stopped;
    }

    private void beginStop() {
        if (stopping) return;
        stopping = true;
        dispatcher.stop();
        for (Worker w : slots) {
            if (w == null) continue;
            dispatcher.detach(w, Worker.State.STOPPING);
            w.process().destroy(); // SIGTERM: the worker finishes what it is doing and exits
        }
        timers.schedule(() -> events.add(new Event.Kill()), spec.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void killRemaining() {
        for (Worker w : slots) {
            if (w != null && w.process().isAlive()) {
                log.warn("worker killed after shutdown-timeout group={} pid={}", spec.name(), w.pid());
                w.process().destroyForcibly();
            }
        }
    }

    private boolean allExited() {
        for (Worker w : slots) if (w != null) return false;
        return true;
    }

    private boolean allReady() {
        for (Worker w : slots) if (w == null || w.state != Worker.State.READY) return false;
        return true;
    }

    private void finishStop() {
        listener.close();
        timers.shutdownNow();
        if (!ready.isDone()) ready.completeExceptionally(new WorkerBootException("server stopped during start-up"));
        stopped.complete(null);
    }

    /** Worker stdout and stderr, line by line, into the error log with the group and pid. */
    private void pumpOutput(Worker w) {
        String prefix = "[" + spec.name() + " pid=" + w.pid() + "] ";
        Thread.ofVirtual().name("jwsgi-output-" + w.pid()).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(w.process().getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) workerLog.warn("{}{}", prefix, line);
            } catch (IOException e) {
                // The process is gone; its exit is reported by the supervisor.
            }
        });
    }

    private static void closeQuietly(ChannelListener.Hello h) {
        try {
            h.socket().close();
        } catch (IOException ignored) {
            // Refused channel: already logged.
        }
    }

    @Override
    public void close() {
        stop().join();
        if (thread != null) thread.interrupt();
    }
}
