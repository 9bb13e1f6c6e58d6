package io.jwsgi.daemon;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One CPython worker process of a group. Its lifecycle fields are owned by the {@link Supervisor} thread;
 * its channel bookkeeping ({@link #idle}, {@link #active}, the request counts) by the {@link GroupDispatcher}'s
 * lock.
 */
public final class Worker {
    /**
     * The exit status of a worker whose application failed to load at start ({@code worker.py}
     * {@code EXIT_APPLICATION_LOAD_FAILURE}, the number of {@code io.jwsgi.cli.ExitCode.APPLICATION_LOAD_FAILURE}).
     */
    static final int EXIT_APPLICATION_LOAD_FAILURE = 4;

    /** STOPPING: out of rotation, its active requests finishing (recycled) or the process exiting. */
    enum State { STARTING, READY, STOPPING, EXITED }

    private final int slot;
    private final Process process;
    private final long startedNanos;
    private final int threads;
    /** maximum-requests plus this process's jitter; 0 = no limit. */
    private final int requestLimit;
    volatile State state = State.STARTING;
    /** The process's control channel has said hello (part of being READY). */
    volatile boolean controlAttached;

    // Owned by the supervisor thread.
    ControlChannel control;
    long lastHeartbeatNanos;
    /** Why it is being retired (a shutdown_reason), or null. */
    String stopReason;
    /** When a draining process is asked to exit (SIGTERM), and when it is killed; 0 = not set. */
    long drainDeadlineNanos;
    /** Waiting for the worker's "stopping" after "stop" until then; 0 = not waiting. */
    long ackDeadlineNanos;
    /** The drain window of the recycle in progress. */
    java.time.Duration drain;
    long killDeadlineNanos;
    boolean terminated;
    /** Why the supervisor killed it (deadlock_timeout, startup_timeout, …), or null: its restart's reason. */
    String killReason;

    // Guarded by the dispatcher's lock.
    final ArrayDeque<Channel> idle = new ArrayDeque<>();
    final List<Channel> all = new ArrayList<>();
    final List<Channel> active = new ArrayList<>();
    int busy;
    /** Requests handed to this process so far (maximum-requests counts these). */
    int assigned;
    /** Last time a request started or ended here; 0 before the first (inactivity-timeout arms after it). */
    volatile long lastActivityNanos;

    Worker(int slot, Process process, long startedNanos, int threads) {
        this(slot, process, startedNanos, threads, 0);
    }

    Worker(int slot, Process process, long startedNanos, int threads, int requestLimit) {
        this.slot = slot;
        this.process = process;
        this.startedNanos = startedNanos;
        this.threads = threads;
        this.requestLimit = requestLimit;
        this.lastHeartbeatNanos = startedNanos;
    }

    public int slot() {
        return slot;
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    long startedNanos() {
        return startedNanos;
    }

    int threads() {
        return threads;
    }

    int requestLimit() {
        return requestLimit;
    }

    @Override
    public String toString() {
        return "worker(slot=" + slot + " pid=" + pid() + ")";
    }
}
