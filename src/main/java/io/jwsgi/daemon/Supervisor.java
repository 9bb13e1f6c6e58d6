package io.jwsgi.daemon;

import io.jwsgi.config.Lifecycle;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the worker processes of one process group: starts them, attaches their channels, recycles them
 * (maximum-requests, restart-interval, inactivity, memory, requests from the worker, signals), times out their
 * requests, start-up and heartbeats, replaces the ones that die (backing off when a slot keeps failing), and
 * stops them all. Every log line it writes is listed in docs/lifecycle.md.
 *
 * <p>design: one thread owns every lifecycle decision. Everything that happens elsewhere — a process exit
 * ({@link Process#onExit}), a HELLO, a control-channel line, the dispatcher noticing a request limit or a drained
 * process, the one-second tick, a signal, a stop — only posts an {@link Event}; {@link #loop} applies them one at
 * a time, so no lifecycle state is shared between threads. Time comes from an injected clock and the tick can be
 * posted by tests, so every policy is unit-tested without sleeping. A recycled process leaves its slot at once
 * for a replacement and drains on the side ({@link #retiring}), so capacity stays.
 *
 * <p>Over 400 lines: the recycling triggers and the timeout checks share the supervisor's state and its thread;
 * splitting them out would mean sharing that state.
 */
public final class Supervisor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);
    private static final Logger workerLog = LoggerFactory.getLogger("io.jwsgi.worker");
    private static final Duration QUICK_EXIT = Duration.ofSeconds(2);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(20);
    private static final Duration TICK = Duration.ofSeconds(1);
    /** How long a retiring worker has to acknowledge "stop" before its channels are closed anyway. */
    private static final Duration STOP_ACK = Duration.ofSeconds(1);
    private static final Pattern REASON = Pattern.compile("[a-z_]{1,64}");

    /**
     * What the supervisor needs to know about its group.
     *
     * @param threads        request threads per process; 0 for a service script (no channels, ready at start)
     * @param socketTimeout  longest wait for the next bytes from a worker before its request is a 504; 0 = none
     * @param requireControl whether READY needs the control channel (false only for fake processes in tests)
     * @param socketOwner    user the channel socket is handed to (as root with --user), or null
     */
    public record GroupSpec(String name, int processes, int threads, Path socket, String token, Lifecycle lifecycle,
                            Duration socketTimeout, boolean requireControl, String socketOwner) {
        /** A group with no recycling or timeouts besides the shutdown-timeout. */
        public GroupSpec(String name, int processes, int threads, Path socket, String token, Duration shutdownTimeout) {
            this(name, processes, threads, socket, token, Lifecycle.none(shutdownTimeout), Duration.ZERO, false, null);
        }

        boolean service() {
            return threads == 0;
        }
    }

    /** Resident memory of a process in bytes, or -1 when unknown (VmRSS from /proc; Linux only). */
    @FunctionalInterface
    interface MemoryProbe {
        long residentBytes(long pid);
    }

    sealed interface Event {
        record Exited(Worker worker, int status) implements Event {}
        record Greeted(ChannelListener.Hello hello) implements Event {}
        record Control(Worker worker, String line) implements Event {}
        record LimitReached(Worker worker) implements Event {}
        record Drained(Worker worker) implements Event {}
        record RestartAll(String reason, Duration drain) implements Event {}
        record Respawn(int slot) implements Event {}
        record Tick() implements Event {}
        record Sync(CompletableFuture<Void> done) implements Event {}
        record Kill() implements Event {}
        record Stop(Duration killAfter) implements Event {}
    }

    private final GroupSpec spec;
    private final Lifecycle lifecycle;
    private final WorkerLauncher launcher;
    private final GroupDispatcher dispatcher;
    private final LongSupplier clock;
    private final MemoryProbe memory;
    private final boolean autoTick;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final ScheduledExecutorService timers;
    private final Worker[] slots;
    /** Recycled processes still finishing their requests or exiting; their slots already hold replacements. */
    private final List<Worker> retiring = new ArrayList<>();
    private final int[] quickExits;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private ChannelListener listener;
    private boolean stopping;
    /** Processes replaced since start, by reason; owned by the supervisor thread. */
    private final java.util.Map<String, Long> restarts = new java.util.TreeMap<>();
    /** What {@link #status()} reads: republished by the supervisor thread after every event it applies. */
    private volatile Published published = new Published(List.of(), 0, java.util.Map.of());
    private Thread thread;

    /** The group's channel socket. */
    public Path socket() {
        return spec.socket();
    }

    public Supervisor(GroupSpec spec, WorkerLauncher launcher, GroupDispatcher dispatcher) {
        this(spec, launcher, dispatcher, System::nanoTime, Supervisor::vmRss, true);
    }

    /** For tests: a clock of their own, a fake memory probe, and no automatic tick (they post {@link #tick}). */
    Supervisor(GroupSpec spec, WorkerLauncher launcher, GroupDispatcher dispatcher, LongSupplier clock,
               MemoryProbe memory, boolean autoTick) {
        this.spec = spec;
        this.lifecycle = spec.lifecycle();
        this.launcher = launcher;
        this.dispatcher = dispatcher;
        this.clock = clock;
        this.memory = memory;
        this.autoTick = autoTick;
        this.slots = new Worker[spec.processes()];
        this.quickExits = new int[spec.processes()];
        this.timers = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("jwsgi-timer").factory());
        dispatcher.requireControl(spec.requireControl());
        dispatcher.listener(new GroupDispatcher.Listener() {
            @Override public void requestLimitReached(Worker w) { events.add(new Event.LimitReached(w)); }
            @Override public void drained(Worker w) { events.add(new Event.Drained(w)); }
        });
    }

    /** Opens the group's socket, starts every worker and the supervisor thread. */
    public void start() throws IOException {
        if (!spec.service()) {
            listener = new ChannelListener(spec.socket(), spec.token(), spec.socketOwner(),
                    h -> events.add(new Event.Greeted(h)));
        }
        for (int slot = 0; slot < slots.length; slot++) spawn(slot);
        if (autoTick) {
            timers.scheduleAtFixedRate(() -> events.add(new Event.Tick()), TICK.toMillis(), TICK.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        thread = Thread.ofPlatform().name("jwsgi-supervisor-" + spec.name()).start(this::loop);
    }

    /** Completes when every worker has connected all its threads; fails with {@link WorkerBootException}. */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    public GroupDispatcher dispatcher() {
        return dispatcher;
    }

    /** SIGUSR1: every process is recycled; requests get eviction-timeout (else graceful-timeout) to finish. */
    public void gracefulRestart() {
        String reason = lifecycle.evictionTimeout().isZero() ? "graceful_signal" : "eviction_signal";
        events.add(new Event.RestartAll(reason, lifecycle.evictionOrGraceful()));
    }

    /** SIGHUP: new processes (new code) for every slot now; the old ones drain within graceful-timeout. */
    public void reload() {
        events.add(new Event.RestartAll("reload_signal", lifecycle.gracefulTimeout()));
    }

    /** Runs the periodic checks once (the supervisor posts this itself every second unless a test drives it). */
    void tick() {
        events.add(new Event.Tick());
    }

    /** Completes once every event posted before it has been applied (tests). */
    CompletableFuture<Void> sync() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        events.add(new Event.Sync(done));
        return done;
    }

    private void loop() {
        publish(); // the processes start() spawned, before any event arrives
        try {
            while (!stopped.isDone()) {
                Event event = events.take();
                switch (event) {
                    case Event.Greeted g -> onHello(g.hello());
                    case Event.Exited e -> onExit(e.worker(), e.status());
                    case Event.Control c -> onControl(c.worker(), c.line());
                    case Event.LimitReached l -> recycle(l.worker(), "maximum_requests", lifecycle.gracefulTimeout());
                    case Event.Drained d -> {
                        if (retiring.contains(d.worker()) && d.worker().ackDeadlineNanos == 0) terminate(d.worker());
                    }
                    case Event.RestartAll r -> restartAll(r.reason(), r.drain());
                    case Event.Respawn r -> { if (!stopping && slots[r.slot()] == null) spawn(r.slot()); }
                    case Event.Tick t -> { if (!stopping) checks(clock.getAsLong()); }
                    case Event.Sync s -> s.done().complete(null);
                    case Event.Stop s -> beginStop(s.killAfter());
                    case Event.Kill k -> killRemaining();
                }
                if (stopping && allExited()) finishStop();
                publish();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The supervisor's share of a {@link GroupStatus}, immutable: its processes (those in slots first, then the
     * {@code retiring} ones from index {@code inSlots}) and restart counts.
     */
    private record Published(List<Worker> workers, int inSlots, java.util.Map<String, Long> restarts) {}

    private void publish() {
        List<Worker> all = new ArrayList<>(slots.length + retiring.size());
        for (Worker w : slots) if (w != null) all.add(w);
        int inSlots = all.size();
        all.addAll(retiring);
        published = new Published(List.copyOf(all), inSlots, java.util.Map.copyOf(restarts));
    }

    /**
     * The group as it is now, for the status page and the metrics; callable from any thread. The process list and
     * restart counts are what the supervisor thread last published (no lock: a volatile read of an immutable
     * record); busy, idle and request counts come from one short dispatcher critical section.
     */
    public GroupStatus status() {
        Published p = published;
        GroupDispatcher.Snapshot counts = dispatcher.snapshot(p.workers());
        long now = clock.getAsLong();
        List<GroupStatus.ProcessStatus> processes = new ArrayList<>();
        for (int i = 0; i < counts.workers().size(); i++) {
            GroupDispatcher.Counts c = counts.workers().get(i);
            Worker w = c.worker();
            boolean retiring = i >= p.inSlots();
            processes.add(new GroupStatus.ProcessStatus(w.slot(), w.pid(), c.state().name().toLowerCase(java.util.Locale.ROOT),
                    retiring, c.busy(), c.idle(), c.requests(), Duration.ofNanos(Math.max(0, now - w.startedNanos()))));
        }
        return new GroupStatus(spec.name(), spec.processes(), spec.threads(), counts.waiting(), p.restarts(), processes);
    }

    private void countRestart(String reason) {
        restarts.merge(reason, 1L, Long::sum);
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
        int limit = lifecycle.maximumRequests() == 0 ? 0
                : lifecycle.maximumRequests() + ThreadLocalRandom.current().nextInt(lifecycle.maximumRequestsJitter() + 1);
        Worker w = new Worker(slot, p, clock.getAsLong(), spec.threads(), limit);
        slots[slot] = w;
        pumpOutput(w);
        p.onExit().thenAccept(proc -> events.add(new Event.Exited(w, proc.exitValue())));
        log.info("worker started group={} slot={} pid={}", spec.name(), slot, p.pid());
        if (spec.service()) {
            w.state = Worker.State.READY; // no channels to wait for (mod_wsgi's threads=0)
            if (!ready.isDone() && allReady()) ready.complete(null);
        }
    }

    private void onHello(ChannelListener.Hello h) {
        Worker w = h.slot() >= 0 && h.slot() < slots.length ? slots[h.slot()] : null;
        if (w == null || w.pid() != h.pid() || w.state == Worker.State.EXITED) {
            if (!isRetiring(h.pid())) {
                log.warn("channel from unknown worker refused group={} slot={} pid={}", spec.name(), h.slot(), h.pid());
            }
            closeQuietly(h);
            return;
        }
        boolean wasReady = w.state == Worker.State.READY;
        if (h.isControl()) {
            if (w.control != null) {
                log.warn("second control channel refused group={} pid={}", spec.name(), w.pid());
                closeQuietly(h);
                return;
            }
            w.control = new ControlChannel(h.socket(), w.pid(), line -> events.add(new Event.Control(w, line)));
            w.lastHeartbeatNanos = clock.getAsLong();
            dispatcher.controlAttached(w);
        } else {
            dispatcher.attach(new Channel(h.socket(), w, h.thread(), clock));
        }
        if (!wasReady && w.state == Worker.State.READY) {
            quickExits[w.slot()] = 0;
            dispatcher.applicationFailed(false);
            log.info("worker ready group={} slot={} pid={} threads={}", spec.name(), w.slot(), w.pid(), w.threads());
            if (!ready.isDone() && allReady()) ready.complete(null);
        }
    }

    private boolean isRetiring(long pid) {
        for (Worker w : retiring) if (w.pid() == pid) return true;
        return false;
    }

    /** A line from a worker's control channel: {@code heartbeat}, {@code stopping}, or {@code recycle <reason>}. */
    private void onControl(Worker w, String line) {
        if (line.equals("heartbeat")) {
            w.lastHeartbeatNanos = clock.getAsLong();
        } else if (line.equals("stopping")) {
            if (w.ackDeadlineNanos != 0 && retiring.contains(w)) drain(w);
        } else if (line.startsWith("recycle ") && REASON.matcher(line.substring(8)).matches()) {
            String reason = line.substring(8);
            // SIGUSR1 sent to the worker itself (mod_wsgi's eviction): eviction-timeout, else graceful-timeout.
            Duration drain = reason.equals("eviction_signal") ? lifecycle.evictionOrGraceful()
                    : lifecycle.gracefulTimeout();
            if (slots[w.slot()] == w) recycle(w, reason, drain);
        } else {
            log.warn("unknown control command group={} pid={} command={}", spec.name(), w.pid(), line);
        }
    }

    /**
     * Retires a process gracefully: tells it why ({@code stop <reason>}: the app's process_stopping), takes it
     * out of rotation, starts its replacement at once, and lets its active requests finish within {@code drain};
     * then SIGTERM, and SIGKILL after shutdown-timeout.
     */
    private void recycle(Worker w, String reason, Duration drain) {
        if (stopping || slots[w.slot()] != w || w.stopReason != null) return;
        w.stopReason = reason;
        countRestart(reason);
        log.info("worker recycled group={} slot={} pid={} reason={}", spec.name(), w.slot(), w.pid(), reason);
        dispatcher.quiesce(w); // no new requests from now on; its channels stay open until it has heard why
        slots[w.slot()] = null;
        retiring.add(w);
        spawn(w.slot());
        w.drain = drain;
        if (w.control != null) {
            // The worker must record the reason before its channels close or SIGTERM arrives, or its
            // process_stopping would carry the wrong one: wait for "stopping" (at most STOP_ACK).
            w.ackDeadlineNanos = clock.getAsLong() + STOP_ACK.toNanos();
            w.control.send("stop " + reason);
        } else {
            drain(w);
        }
    }

    /** After the worker acknowledged its stop (or did not in time): close its idle channels, drain, SIGTERM. */
    private void drain(Worker w) {
        w.ackDeadlineNanos = 0;
        dispatcher.detach(w, Worker.State.STOPPING);
        if (dispatcher.busy(w) == 0) {
            terminate(w);
        } else {
            w.drainDeadlineNanos = clock.getAsLong() + w.drain.toNanos();
        }
    }

    private void restartAll(String reason, Duration drain) {
        for (Worker w : slots) if (w != null) recycle(w, reason, drain);
    }

    /**
     * SIGTERM through the process handle, not {@link Process#destroy()}: that one also closes the pipe we read
     * the worker's output from, and whatever the worker prints while stopping (its process_stopping
     * subscribers, a final traceback) would be lost. Fakes in tests have no handle.
     */
    private static void sigterm(Process p) {
        try {
            p.toHandle().destroy();
        } catch (UnsupportedOperationException e) {
            p.destroy();
        }
    }

    /** SIGTERM: the worker finishes what it is doing and exits; SIGKILL once shutdown-timeout passes. */
    private void terminate(Worker w) {
        if (w.terminated) return;
        w.terminated = true;
        w.killDeadlineNanos = clock.getAsLong() + lifecycle.shutdownTimeout().toNanos();
        sigterm(w.process());
    }

    /** The one-second checks: drains and kills due, start-up, heartbeats, recycling triggers, request timeouts. */
    private void checks(long now) {
        for (Worker w : List.copyOf(retiring)) {
            if (w.ackDeadlineNanos != 0 && now - w.ackDeadlineNanos >= 0) drain(w); // no "stopping" in time
            if (!w.terminated && w.drainDeadlineNanos != 0 && now - w.drainDeadlineNanos >= 0) {
                log.warn("worker drain timed out group={} pid={} active={}", spec.name(), w.pid(), dispatcher.busy(w));
                terminate(w);
            } else if (w.terminated && w.killDeadlineNanos != 0 && now - w.killDeadlineNanos >= 0) {
                kill(w, "shutdown-timeout");
            }
            if (!w.terminated) requestTimeouts(w, now); // a draining process's requests are bounded too
            socketTimeouts(w, now);
        }
        for (Worker w : slots.clone()) {
            if (w == null || w.terminated) continue;
            if (w.state == Worker.State.STARTING) {
                Duration startup = lifecycle.startupTimeout();
                if (!startup.isZero() && now - w.startedNanos() > startup.toNanos()) kill(w, "startup-timeout");
            } else if (w.state == Worker.State.READY) {
                if (deadlocked(w, now) || recycleDue(w, now)) continue;
                requestTimeouts(w, now);
                socketTimeouts(w, now);
            }
        }
    }

    private void kill(Worker w, String reason) {
        w.terminated = true;
        w.killReason = reason.replace('-', '_');
        w.killDeadlineNanos = 0;
        log.warn("worker killed reason={} group={} slot={} pid={}", reason, spec.name(), w.slot(), w.pid());
        // Out of rotation first: a request arriving now waits for the replacement instead of taking an idle
        // channel of this process and getting 502 when the kill closes it (TimeoutsIT saw that under load).
        dispatcher.quiesce(w);
        w.process().destroyForcibly();
    }

    private boolean deadlocked(Worker w, long now) {
        Duration limit = lifecycle.deadlockTimeout();
        if (limit.isZero() || w.control == null || now - w.lastHeartbeatNanos <= limit.toNanos()) return false;
        log.error("worker deadlocked group={} slot={} pid={} seconds={}", spec.name(), w.slot(), w.pid(),
                seconds(now - w.lastHeartbeatNanos));
        kill(w, "deadlock-timeout");
        return true;
    }

    private boolean recycleDue(Worker w, long now) {
        Duration interval = lifecycle.restartInterval();
        if (!interval.isZero() && now - w.startedNanos() >= interval.toNanos()) {
            recycle(w, "restart_interval", lifecycle.gracefulTimeout());
            return true;
        }
        Duration inactivity = lifecycle.inactivityTimeout();
        long last = w.lastActivityNanos;
        // Armed only once the process has served a request, as in mod_wsgi.
        if (!inactivity.isZero() && last != 0 && dispatcher.busy(w) == 0 && now - last >= inactivity.toNanos()) {
            recycle(w, "inactivity_timeout", lifecycle.gracefulTimeout());
            return true;
        }
        if (lifecycle.memoryLimit() > 0) {
            long rss = memory.residentBytes(w.pid());
            if (rss > lifecycle.memoryLimit()) {
                log.info("worker over memory-limit group={} pid={} rss={} limit={}", spec.name(), w.pid(), rss,
                        lifecycle.memoryLimit());
                recycle(w, "memory_limit", lifecycle.gracefulTimeout());
                return true;
            }
        }
        return false;
    }

    /**
     * request-timeout, mod_wsgi 4.x's rule: one thread — the request's own run time; several — the total run time
     * of the active requests divided by the thread count. The requests over the limit are the stuck ones. With
     * interrupt-timeout they first get RequestTimeout raised in their thread; otherwise (or when that did not end
     * them within interrupt-timeout) their stacks are dumped, they are answered 504 and the process is recycled.
     */
    private void requestTimeouts(Worker w, long now) {
        Duration limit = lifecycle.requestTimeout();
        if (limit.isZero()) return;
        List<Channel> active = dispatcher.active(w);
        if (active.isEmpty()) return;
        long total = 0;
        for (Channel c : active) total += now - c.startedNanos();
        if (total / w.threads() <= limit.toNanos()) return;
        List<Channel> stuck = new ArrayList<>();
        for (Channel c : active) if (now - c.startedNanos() > limit.toNanos() && !c.timedOut()) stuck.add(c);
        Duration interrupt = lifecycle.interruptTimeout();
        if (!interrupt.isZero() && w.control != null) {
            List<Channel> due = new ArrayList<>();
            for (Channel c : stuck) {
                if (c.interruptedNanos() == 0) {
                    log.warn("request interrupted group={} pid={} thread={} request_id={} seconds={}", spec.name(),
                            w.pid(), c.threadIndex(), c.requestId(), seconds(now - c.startedNanos()));
                    c.markInterrupted(now);
                    w.control.send("interrupt " + c.threadIndex());
                } else if (now - c.interruptedNanos() >= interrupt.toNanos()) {
                    due.add(c);
                }
            }
            stuck = due;
        }
        if (stuck.isEmpty()) return;
        if (w.control != null) w.control.send("dump request_timeout");
        for (Channel c : stuck) {
            log.error("request timed out reason=request-timeout group={} pid={} thread={} request_id={} seconds={}",
                    spec.name(), w.pid(), c.threadIndex(), c.requestId(), seconds(now - c.startedNanos()));
            c.timeOut();
        }
        recycle(w, "request_timeout", lifecycle.gracefulTimeout());
    }

    /** socket-timeout on the worker side: a request whose worker sent nothing for that long is answered 504. */
    private void socketTimeouts(Worker w, long now) {
        Duration limit = spec.socketTimeout();
        if (limit.isZero()) return;
        for (Channel c : dispatcher.active(w)) {
            long since = c.waitingSinceNanos();
            if (since != 0 && now - since > limit.toNanos() && !c.timedOut()) {
                log.error("request timed out reason=socket-timeout group={} pid={} thread={} request_id={} seconds={}",
                        spec.name(), w.pid(), c.threadIndex(), c.requestId(), seconds(now - since));
                c.timeOut();
            }
        }
    }

    private static String seconds(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e9);
    }

    private void onExit(Worker w, int status) {
        if (w.control != null) w.control.close();
        if (retiring.remove(w)) {
            dispatcher.detach(w, Worker.State.EXITED);
            log.info("worker stopped group={} slot={} pid={} status={} reason={}", spec.name(), w.slot(), w.pid(),
                    status, w.stopReason);
            return;
        }
        if (slots[w.slot()] != w) return;
        boolean wasReady = w.state == Worker.State.READY;
        dispatcher.detach(w, Worker.State.EXITED);
        slots[w.slot()] = null;
        if (stopping) {
            log.info("worker stopped group={} slot={} pid={} status={} reason={}", spec.name(), w.slot(), w.pid(),
                    status, "shutdown_signal");
            return;
        }
        // mod_wsgi replaces a daemon process whose application failed to load: a fresh interpreter retries (Django's
        // setup() cannot be retried in place). Not a broken environment, so the server starts anyway, requests get
        // 500 at once meanwhile, and the replacement always backs off, however long the failed import took.
        boolean notLoaded = status == Worker.EXIT_APPLICATION_LOAD_FAILURE && !spec.service() && w.killReason == null;
        if (notLoaded) {
            log.error("application failed to load group={} slot={} pid={} status={}; the process is replaced, "
                    + "its traceback is in the error log", spec.name(), w.slot(), w.pid(), status);
            dispatcher.applicationFailed(true);
            if (!ready.isDone()) ready.complete(null);
        } else {
            log.warn("worker exited group={} slot={} pid={} status={}{}", spec.name(), w.slot(), w.pid(), status,
                    signalOf(status));
        }
        if (!ready.isDone() && !wasReady) {
            failBoot("worker process exited during start-up with status " + status
                    + " (group=" + spec.name() + " pid=" + w.pid() + "); its output is in the error log");
            return;
        }
        countRestart(w.killReason != null ? w.killReason : notLoaded ? "application_load_failed" : "exited");
        boolean quick = clock.getAsLong() - w.startedNanos() < QUICK_EXIT.toNanos();
        // A service is ready from the start, so for it only a quick exit counts: it must not become a fork loop.
        int failures = notLoaded ? quickExits[w.slot()] + 1
                : (wasReady && !spec.service()) || !quick ? 0 : quickExits[w.slot()] + 1;
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

    /**
     * " signal=SIGSEGV" for an exit status that says the process died of a signal (the JDK reports 128 + the
     * signal number), so a crashed worker is named as such in its log line; "" otherwise.
     */
    static String signalOf(int status) {
        if (status <= 128 || status > 128 + 64) return "";
        String name = switch (status - 128) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 3 -> "SIGQUIT";
            case 4 -> "SIGILL";
            case 6 -> "SIGABRT";
            case 7 -> "SIGBUS";
            case 8 -> "SIGFPE";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 13 -> "SIGPIPE";
            case 15 -> "SIGTERM";
            case 24 -> "SIGXCPU";
            default -> "signal " + (status - 128);
        };
        return " signal=" + name;
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
        return stop(lifecycle.shutdownTimeout());
    }

    /**
     * Posts a stop whose SIGKILL comes after {@code killAfter} instead: what is left of the server's shutdown-timeout
     * once the front end has drained (Server.stop), so the whole stop keeps within it.
     */
    public CompletableFuture<Void> stop(Duration killAfter) {
        events.add(new Event.Stop(killAfter));
        return stopped;
    }

    private void beginStop(Duration killAfter) {
        if (stopping) return;
        stopping = true;
        dispatcher.stop();
        List<Worker> all = new ArrayList<>(retiring);
        for (Worker w : slots) if (w != null) all.add(w);
        for (Worker w : all) {
            if (w.control != null && w.stopReason == null) w.control.send("stop shutdown_signal");
            dispatcher.detach(w, Worker.State.STOPPING);
            w.terminated = true;
            sigterm(w.process()); // the worker finishes what it is doing and exits
        }
        timers.schedule(() -> events.add(new Event.Kill()), killAfter.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void killRemaining() {
        List<Worker> all = new ArrayList<>(retiring);
        for (Worker w : slots) if (w != null) all.add(w);
        for (Worker w : all) {
            if (w.process().isAlive()) kill(w, "shutdown-timeout");
        }
    }

    private boolean allExited() {
        for (Worker w : slots) if (w != null) return false;
        return retiring.isEmpty();
    }

    private boolean allReady() {
        for (Worker w : slots) if (w == null || w.state != Worker.State.READY) return false;
        return true;
    }

    private void finishStop() {
        if (listener != null) listener.close();
        timers.shutdownNow();
        if (!ready.isDone()) ready.completeExceptionally(new WorkerBootException("server stopped during start-up"));
        stopped.complete(null);
    }

    /** VmRSS of a process from /proc, in bytes; -1 where there is no /proc (the memory check is then off). */
    public static long vmRss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Gone already, or not Linux.
        }
        return -1;
    }

    /**
     * Worker stdout and stderr, line by line, into the error log with the group and pid. Usually both arrive on the
     * one merged stream; in debug mode stdout is the terminal and only stderr is piped (the other stream is then
     * empty and its reader ends at once).
     */
    private void pumpOutput(Worker w) {
        String prefix = "[" + spec.name() + " pid=" + w.pid() + "] ";
        pump(w, w.process().getInputStream(), prefix, "jwsgi-output-");
        pump(w, w.process().getErrorStream(), prefix, "jwsgi-errors-");
    }

    private void pump(Worker w, InputStream stream, String prefix, String threadName) {
        Thread.ofVirtual().name(threadName + w.pid()).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
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
