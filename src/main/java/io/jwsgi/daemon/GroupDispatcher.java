package io.jwsgi.daemon;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The bounded queue of one process group. A request takes the idle channel of the ready worker with the
 * fewest busy threads (spreading load over processes); when none is idle it waits, first come first served,
 * up to {@code queue-timeout}, and is refused at once when {@code daemon-backlog} requests already wait.
 *
 * <p>design: one lock, one condition. Waiters park on the condition in arrival order and each release
 * wakes one. The busy counts are exact, which is what queue-timeout and active-request accounting need.
 */
public final class GroupDispatcher implements Dispatch {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition available = lock.newCondition();
    private final List<Worker> workers = new ArrayList<>();
    private final int backlog;
    private final long queueTimeoutNanos;
    private final long connectTimeoutNanos;
    private final LongSupplier clock;
    private int waiting;
    /** When each thread now waiting in acquire() started, oldest first (to interleave fairly with parked ones). */
    private final java.util.ArrayDeque<Long> waitingSince = new java.util.ArrayDeque<>();
    /** Requests waiting with no thread (acquireLater), oldest first. */
    private final java.util.ArrayDeque<Parked> parked = new java.util.ArrayDeque<>();
    private final LazySweep sweeper = new LazySweep("jwsgi-queue-timeout", 50, this::sweep);
    private boolean requireControl;
    private boolean stopping;
    /**
     * The group's last process exited because its application failed to load and none is READY since: a request
     * is answered at once (500, as mod_wsgi answers a failed import) instead of waiting connect-timeout for a
     * replacement that is backing off. Set and cleared by the supervisor, read under the lock.
     */
    private boolean applicationFailed;
    private volatile Listener listener = Listener.NONE;

    /** What the supervisor hears from the dispatcher. Called under the dispatcher's lock: post an event, no more. */
    interface Listener {
        Listener NONE = new Listener() {
            @Override public void requestLimitReached(Worker w) {}
            @Override public void drained(Worker w) {}
        };

        /** The process was handed its maximum-requests'th request; it gets no more. */
        void requestLimitReached(Worker w);

        /** A process out of rotation has no active request left. */
        void drained(Worker w);
    }

    public GroupDispatcher(int backlog, Duration queueTimeout, Duration connectTimeout) {
        this(backlog, queueTimeout, connectTimeout, System::nanoTime);
    }

    GroupDispatcher(int backlog, Duration queueTimeout, Duration connectTimeout, LongSupplier clock) {
        this.clock = clock;
        this.backlog = backlog;
        this.queueTimeoutNanos = queueTimeout.isZero() ? Long.MAX_VALUE / 4 : queueTimeout.toNanos();
        this.connectTimeoutNanos = connectTimeout.isZero() ? Long.MAX_VALUE / 4 : connectTimeout.toNanos();
    }

    @Override
    public Channel acquire() throws DispatchException {
        List<Grant> handOff = List.of();
        lock.lock();
        try {
            Channel ch = parked.isEmpty() ? takeIdle() : null;
            if (ch != null) return ch;
            if (stopping) throw new DispatchException(DispatchException.Kind.STOPPING, "server is stopping");
            if (notLoaded()) throw notLoadedException();
            if (waiting + parked.size() >= backlog) {
                throw new DispatchException(DispatchException.Kind.QUEUE_FULL,
                        "request queue full (daemon-backlog=" + backlog + ")");
            }
            waiting++;
            Long since = clock.getAsLong();
            waitingSince.addLast(since);
            try {
                long start = System.nanoTime();
                while ((ch = parkedBefore(since) ? null : takeIdle()) == null) {
                    if (stopping) throw new DispatchException(DispatchException.Kind.STOPPING, "server is stopping");
                    if (notLoaded()) throw notLoadedException();
                    // With no process ready at all (none started yet, or all restarting) the shorter
                    // connect-timeout applies; with busy ones, queue-timeout.
                    boolean anyReady = anyReady();
                    long budget = anyReady ? queueTimeoutNanos : Math.min(queueTimeoutNanos, connectTimeoutNanos);
                    long left = budget - (System.nanoTime() - start);
                    if (left <= 0) {
                        throw anyReady
                                ? new DispatchException(DispatchException.Kind.QUEUE_TIMEOUT, "no worker thread free within queue-timeout")
                                : new DispatchException(DispatchException.Kind.NO_WORKER, "no worker process available within connect-timeout");
                    }
                    available.awaitNanos(left);
                }
                return ch;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DispatchException(DispatchException.Kind.STOPPING, "interrupted while queued");
            } finally {
                waiting--;
                waitingSince.removeFirstOccurrence(since);
                // Leaving the line may let parked requests behind this one have an idle channel now.
                if (!parked.isEmpty()) handOff = serveParked();
            }
        } finally {
            lock.unlock();
            grant(handOff, true);
        }
    }

    /** A parked request came before the thread that started waiting at {@code since} (under the lock). */
    private boolean parkedBefore(long since) {
        return !parked.isEmpty() && parked.peekFirst().sinceNanos() < since;
    }

    private boolean anyReady() {
        for (Worker w : workers) if (w.state == Worker.State.READY) return true;
        return false;
    }

    private boolean notLoaded() {
        return applicationFailed && !anyReady();
    }

    private static DispatchException notLoadedException() {
        return new DispatchException(DispatchException.Kind.APPLICATION_NOT_LOADED,
                "the application failed to load; a fresh process is trying again");
    }

    /**
     * The supervisor's word on the group's application: {@code true} when a process exited because the application
     * failed to load, {@code false} when a process became READY. While it is set and no process is READY, requests
     * fail at once with {@link DispatchException.Kind#APPLICATION_NOT_LOADED}, those already waiting included.
     */
    void applicationFailed(boolean failed) {
        boolean sweep;
        lock.lock();
        try {
            applicationFailed = failed;
            sweep = failed && !parked.isEmpty();
            if (failed) available.signalAll();
        } finally {
            lock.unlock();
        }
        if (sweep) sweep();
    }

    /**
     * Whether READY also needs the control channel (docs/protocol.md). Off only for fake processes in tests of
     * other policies.
     */
    void requireControl(boolean require) {
        requireControl = require;
    }

    void listener(Listener listener) {
        this.listener = listener;
    }

    @Override
    public void acquireLater(Waiter waiter) {
        Channel ch;
        DispatchException refused = null;
        lock.lock();
        try {
            // Requests already waiting go first (first come, first served).
            ch = waiting == 0 && parked.isEmpty() ? takeIdle() : null;
            if (ch == null) {
                if (stopping) {
                    refused = new DispatchException(DispatchException.Kind.STOPPING, "server is stopping");
                } else if (notLoaded()) {
                    refused = notLoadedException();
                } else if (waiting + parked.size() >= backlog) {
                    refused = new DispatchException(DispatchException.Kind.QUEUE_FULL,
                            "request queue full (daemon-backlog=" + backlog + ")");
                } else {
                    parked.addLast(new Parked(waiter, clock.getAsLong()));
                    if (parked.size() == 1) sweeper.soon();
                }
            }
        } finally {
            lock.unlock();
        }
        if (ch != null) waiter.granted(ch, true);
        else if (refused != null) waiter.refused(refused);
    }

    /** A request parked by {@link #acquireLater}, with when it started waiting. */
    private record Parked(Waiter waiter, long sinceNanos) {}

    /** A parked request and the channel it gets, handed over after the lock is released. */
    private record Grant(Waiter waiter, Channel channel) {}

    /**
     * Under the lock: idle channels go to parked requests, unless a thread waiting in {@link #acquire} came first
     * (then it is signalled and takes one itself). Returns the grants to hand over outside the lock.
     */
    private List<Grant> serveParked() {
        List<Grant> grants = null;
        while (!parked.isEmpty()) {
            Parked first = parked.peekFirst();
            if (!waitingSince.isEmpty() && waitingSince.peekFirst() <= first.sinceNanos()) break;
            Channel ch = takeIdle();
            if (ch == null) break;
            parked.pollFirst();
            if (grants == null) grants = new ArrayList<>(2);
            grants.add(new Grant(first.waiter(), ch));
        }
        return grants == null ? List.of() : grants;
    }

    private static void grant(List<Grant> grants, boolean here) {
        for (Grant g : grants) g.waiter().granted(g.channel(), here);
    }

    /** Refuses the parked requests past queue-timeout (or connect-timeout with no process ready). */
    private void sweep() {
        List<Parked> expired = new ArrayList<>();
        boolean anyReady;
        boolean notLoaded;
        lock.lock();
        try {
            anyReady = anyReady();
            notLoaded = notLoaded();
            long budget = anyReady ? queueTimeoutNanos : Math.min(queueTimeoutNanos, connectTimeoutNanos);
            long now = clock.getAsLong();
            for (var it = parked.iterator(); it.hasNext(); ) {
                Parked p = it.next();
                if (notLoaded || now - p.sinceNanos() >= budget) {
                    expired.add(p);
                    it.remove();
                }
            }
            if (!parked.isEmpty() && !stopping) sweeper.soon();
        } finally {
            lock.unlock();
        }
        for (Parked p : expired) {
            p.waiter().refused(notLoaded ? notLoadedException() : anyReady
                    ? new DispatchException(DispatchException.Kind.QUEUE_TIMEOUT, "no worker thread free within queue-timeout")
                    : new DispatchException(DispatchException.Kind.NO_WORKER, "no worker process available within connect-timeout"));
        }
    }

    private Channel takeIdle() {
        Worker best = null;
        for (Worker w : workers) {
            if (w.state == Worker.State.READY && !w.idle.isEmpty() && !limitReached(w)
                    && (best == null || w.busy < best.busy)) {
                best = w;
            }
        }
        if (best == null) return null;
        best.busy++;
        Channel ch = best.idle.pollLast(); // LIFO: the most recently used thread is the warmest
        best.active.add(ch);
        long now = clock.getAsLong();
        ch.begin(now);
        best.lastActivityNanos = now;
        best.assigned++;
        // Counted when handed out, so the replacement starts while the last requests still run.
        if (limitReached(best)) listener.requestLimitReached(best);
        return ch;
    }

    private static boolean limitReached(Worker w) {
        return w.requestLimit() > 0 && w.assigned >= w.requestLimit();
    }

    /** One request ended on {@code channel} (under the lock). */
    private void ended(Channel channel) {
        Worker w = channel.worker();
        w.busy--;
        w.active.remove(channel);
        w.lastActivityNanos = clock.getAsLong();
        if (w.busy == 0 && w.state == Worker.State.STOPPING) listener.drained(w);
    }

    @Override
    public void release(Channel channel) {
        List<Grant> grants = List.of();
        lock.lock();
        try {
            Worker w = channel.worker();
            ended(channel);
            if (w.state == Worker.State.READY && channel.isOpen()) {
                w.idle.addLast(channel);
                grants = serveParked();
                if (grants.isEmpty()) available.signal();
            } else {
                w.all.remove(channel);
                channel.close();
            }
        } finally {
            lock.unlock();
        }
        // A parked request goes on right here, on the releasing thread: no hand-off to another thread.
        grant(grants, true);
    }

    @Override
    public void discard(Channel channel) {
        channel.close();
        lock.lock();
        try {
            ended(channel);
            channel.worker().all.remove(channel);
        } finally {
            lock.unlock();
        }
    }

    /** A worker thread connected and said hello. Returns true when the worker now has all its channels. */
    boolean attach(Channel channel) {
        List<Grant> grants = List.of();
        lock.lock();
        try {
            Worker w = channel.worker();
            if (w.state == Worker.State.STOPPING || w.state == Worker.State.EXITED || stopping) {
                channel.close();
                return false;
            }
            if (!workers.contains(w)) workers.add(w);
            w.all.add(channel);
            w.idle.addLast(channel);
            promoteIfComplete(w);
            if (w.state == Worker.State.READY) {
                available.signalAll();
                grants = serveParked();
            }
            return w.state == Worker.State.READY;
        } finally {
            lock.unlock();
            grant(grants, false); // the supervisor's thread: the requests go on on threads of their own
        }
    }

    /** The process's control channel said hello: with all its request channels it is READY. */
    boolean controlAttached(Worker w) {
        List<Grant> grants = List.of();
        lock.lock();
        try {
            w.controlAttached = true;
            if (!workers.contains(w) && w.state == Worker.State.STARTING) workers.add(w);
            promoteIfComplete(w);
            if (w.state == Worker.State.READY) {
                available.signalAll();
                grants = serveParked();
            }
            return w.state == Worker.State.READY;
        } finally {
            lock.unlock();
            grant(grants, false); // the supervisor's thread: the requests go on on threads of their own
        }
    }

    private void promoteIfComplete(Worker w) {
        if (w.state == Worker.State.STARTING && w.all.size() >= w.threads() && (w.controlAttached || !requireControl)) {
            w.state = Worker.State.READY;
        }
    }

    /** Busy channels of a process with their requests' start times (for the supervisor's timeout checks). */
    List<Channel> active(Worker w) {
        lock.lock();
        try {
            return List.copyOf(w.active);
        } finally {
            lock.unlock();
        }
    }

    /** Active requests of a process. */
    int busy(Worker w) {
        lock.lock();
        try {
            return w.busy;
        } finally {
            lock.unlock();
        }
    }

    /** Takes a worker out of rotation and closes its idle channels; busy ones close when their request ends. */
    /** Takes a worker out of rotation without closing anything: it gets no new requests. */
    void quiesce(Worker w) {
        lock.lock();
        try {
            if (w.state == Worker.State.READY || w.state == Worker.State.STARTING) w.state = Worker.State.STOPPING;
        } finally {
            lock.unlock();
        }
    }

    void detach(Worker w, Worker.State newState) {
        lock.lock();
        try {
            w.state = newState;
            for (Channel ch : w.idle) {
                ch.close();
                w.all.remove(ch);
            }
            w.idle.clear();
            if (newState == Worker.State.EXITED) {
                workers.remove(w);
                for (Channel ch : w.all) ch.close(); // busy requests see EOF → 502
            }
        } finally {
            lock.unlock();
        }
    }

    /** Refuses new requests and wakes the queued ones (they get STOPPING). */
    void stop() {
        List<Parked> refused;
        lock.lock();
        try {
            stopping = true;
            available.signalAll();
            refused = List.copyOf(parked);
            parked.clear();
            sweeper.stop();
        } finally {
            lock.unlock();
        }
        for (Parked p : refused) p.waiter().refused(new DispatchException(DispatchException.Kind.STOPPING, "server is stopping"));
    }

    /**
     * The server's shutdown-timeout passed: refuses the queued requests (as {@link #stop}) and gives up on every
     * request a worker is still running, whose front end then answers it (503, or an aborted connection once its
     * response started) and logs it. Returns how many running requests were cut off.
     */
    public int cutOff() {
        stop();
        List<Channel> running = new ArrayList<>();
        lock.lock();
        try {
            for (Worker w : workers) running.addAll(w.active);
        } finally {
            lock.unlock();
        }
        for (Channel ch : running) ch.cutOff(); // outside the lock: closing wakes the request's own thread
        return running.size();
    }

    /** Busy worker threads right now, over all processes. */
    public int activeRequests() {
        lock.lock();
        try {
            int n = 0;
            for (Worker w : workers) n += w.busy;
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Counts of one worker, copied under the lock for {@link GroupStatus}. */
    record Counts(Worker worker, Worker.State state, int busy, int idle, long requests) {}

    /**
     * The queue length and every known worker's counts, copied under the lock: one short critical section per
     * status or metrics request; the request path itself gains no lock and no work.
     */
    Snapshot snapshot(List<Worker> of) {
        lock.lock();
        try {
            List<Counts> counts = new ArrayList<>();
            for (Worker w : of) counts.add(new Counts(w, w.state, w.busy, w.idle.size(), w.assigned));
            return new Snapshot(waiting + parked.size(), counts);
        } finally {
            lock.unlock();
        }
    }

    record Snapshot(int waiting, List<Counts> workers) {}
}
