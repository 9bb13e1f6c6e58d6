package io.jwsgi.daemon;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A point-in-time view of one process group for the status page and the metrics: immutable, built by
 * {@link Supervisor#status()} from what the supervisor thread last published and the dispatcher's counts.
 *
 * @param name      the group's name
 * @param processes configured processes
 * @param threads   configured request threads per process
 * @param queued    requests waiting for a free worker thread
 * @param restarts  processes replaced since start, by reason in name order (a recycle reason such as {@code maximum_requests},
 *                  a kill reason such as {@code deadlock_timeout}, or {@code exited} for an unexpected exit)
 * @param workers   the processes in their slots, then the ones retiring
 */
public record GroupStatus(String name, int processes, int threads, int queued, Map<String, Long> restarts,
                          List<ProcessStatus> workers) {
    public GroupStatus {
        restarts = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(restarts)); // by reason, for display
        workers = List.copyOf(workers);
    }

    /**
     * One worker process.
     *
     * @param state    {@code starting}, {@code ready}, {@code stopping} or {@code exited}
     * @param retiring recycled: out of rotation, finishing its requests; its slot already has a replacement
     * @param busy     requests it is running
     * @param idle     connected threads waiting for a request
     * @param requests requests handed to it since it started
     * @param uptime   since it was started
     */
    public record ProcessStatus(int slot, long pid, String state, boolean retiring, int busy, int idle, long requests,
                                Duration uptime) {}

    public int busy() {
        int n = 0;
        for (ProcessStatus p : workers) n += p.busy();
        return n;
    }

    public int idle() {
        int n = 0;
        for (ProcessStatus p : workers) if (!p.retiring()) n += p.idle();
        return n;
    }

    public long requests() {
        long n = 0;
        for (ProcessStatus p : workers) n += p.requests();
        return n;
    }

    public long restartCount() {
        long n = 0;
        for (long v : restarts.values()) n += v;
        return n;
    }

    /** Whether at least one process is ready to take requests (the health check). */
    public boolean anyReady() {
        for (ProcessStatus p : workers) if (!p.retiring() && p.state().equals("ready")) return true;
        return false;
    }
}
