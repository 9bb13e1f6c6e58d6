package io.jwsgi.daemon;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A sweep that runs once, a fixed delay after it is asked for, on a daemon thread started at the first request:
 * the timeout checks of queues that are usually empty (parked requests in {@link GroupDispatcher}, requests over
 * --max-clients). The sweep asks again while there is something left to check, so an empty queue costs nothing.
 */
public final class LazySweep {
    private final String threadName;
    private final long delayMillis;
    private final Runnable sweep;
    private ScheduledExecutorService timer;
    private boolean pending;
    private boolean stopped;

    public LazySweep(String threadName, long delayMillis, Runnable sweep) {
        this.threadName = threadName;
        this.delayMillis = delayMillis;
        this.sweep = sweep;
    }

    /** Runs the sweep after the delay, unless one is already due (or the sweep is stopped). */
    public synchronized void soon() {
        if (pending || stopped) return;
        pending = true;
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name(threadName).factory());
        }
        timer.schedule(this::run, delayMillis, TimeUnit.MILLISECONDS);
    }

    private void run() {
        synchronized (this) {
            pending = false;
        }
        sweep.run();
    }

    /** No more sweeps; the thread ends. {@link #restart} allows them again. */
    public synchronized void stop() {
        stopped = true;
        pending = false;
        if (timer != null) timer.shutdownNow();
        timer = null;
    }

    public synchronized void restart() {
        stopped = false;
    }
}
