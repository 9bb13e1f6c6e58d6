package io.jwsgi.daemon;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One CPython worker process of a group. Its lifecycle fields are owned by the {@link Supervisor} thread;
 * its channel bookkeeping ({@link #idle}, {@link #busy}) by the {@link GroupDispatcher}'s lock.
 */
public final class Worker {
    enum State { STARTING, READY, STOPPING, EXITED }

    private final int slot;
    private final Process process;
    private final long startedNanos;
    private final int threads;
    volatile State state = State.STARTING;

    // Guarded by the dispatcher's lock.
    final ArrayDeque<Channel> idle = new ArrayDeque<>();
    final List<Channel> all = new ArrayList<>();
    int busy;

    Worker(int slot, Process process, long startedNanos, int threads) {
        this.slot = slot;
        this.process = process;
        this.startedNanos = startedNanos;
        this.threads = threads;
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

    @Override
    public String toString() {
        return "worker(slot=" + slot + " pid=" + pid() + ")";
    }
}
