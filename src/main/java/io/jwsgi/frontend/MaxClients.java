package io.jwsgi.frontend;

import io.jwsgi.daemon.LazySweep;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code --max-clients}: at most that many requests are handled at once (Apache's MaxRequestWorkers); more wait
 * here, first come first served, for up to {@code maxSuspend} (socket-timeout), then get 503. Idle keep-alive
 * connections do not count: only requests do.
 *
 * <p>Jetty's {@code QoSHandler} does the same but resumes every waiting request on a new virtual thread. Here a
 * waiting request takes the place of the one that completed on that one's thread when it may (it was waiting
 * from a selector thread, and the completion is on one: docs/performance.md "The event loop"), so a server
 * past max-clients keeps the event loop's single thread per request.
 */
public final class MaxClients extends Handler.Wrapper {
    private final int max;
    private final long maxSuspendNanos;
    private final Executor threads;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private int active;
    private final LazySweep sweeper = new LazySweep("jwsgi-max-clients", 100, this::sweep);
    private boolean stopped;

    /** A request over the limit, waiting for a place; {@code inline} when it waits from a selector thread. */
    private record Waiting(Request request, Response response, Callback callback, boolean inline, long sinceNanos) {}

    public MaxClients(int max, Duration maxSuspend, Executor threads, Handler handler) {
        super(handler);
        this.max = max;
        this.maxSuspendNanos = maxSuspend.isZero() ? Long.MAX_VALUE / 4 : maxSuspend.toNanos();
        this.threads = threads;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        lock.lock();
        try {
            if (active >= max || !waiting.isEmpty()) {
                if (stopped) {
                    Response.writeError(request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503);
                    return true;
                }
                waiting.addLast(new Waiting(request, response, callback, InlineDispatch.onSelectorThread(),
                        System.nanoTime()));
                sweeper.soon();
                return true;
            }
            active++;
        } finally {
            lock.unlock();
        }
        return handleWithPlace(request, response, callback);
    }

    /** Requests handled now, for the status page and tests. */
    public int active() {
        lock.lock();
        try {
            return active;
        } finally {
            lock.unlock();
        }
    }

    /** Handles a request that holds a place; the place is given back when the request completes. */
    private boolean handleWithPlace(Request request, Response response, Callback callback) throws Exception {
        Callback releasing = new Callback.Nested(callback) {
            @Override
            public void succeeded() {
                super.succeeded();
                release();
            }

            @Override
            public void failed(Throwable x) {
                super.failed(x);
                release();
            }
        };
        boolean handled;
        try {
            handled = super.handle(request, response, releasing);
        } catch (Throwable x) {
            release();
            throw x;
        }
        if (!handled) release(); // Jetty answers it (404) with its own callback
        return handled;
    }

    /** A request completed: its place goes to the oldest waiting request, or is free. */
    private void release() {
        Waiting next;
        lock.lock();
        try {
            next = waiting.pollFirst();
            if (next == null) active--;
        } finally {
            lock.unlock();
        }
        if (next == null) return;
        Runnable resume = () -> {
            try {
                if (!handleWithPlace(next.request(), next.response(), next.callback())) {
                    Response.writeError(next.request(), next.response(), next.callback(), HttpStatus.NOT_FOUND_404);
                }
            } catch (Throwable x) {
                next.callback().failed(x);
            }
        };
        // On the completing selector thread when the waiting request came from one (it cannot block); otherwise
        // on a virtual thread of its own.
        if (next.inline() && InlineDispatch.onSelectorThread()) resume.run();
        else threads.execute(resume);
    }

    private void sweep() {
        List<Waiting> expired = new ArrayList<>();
        lock.lock();
        try {
            long now = System.nanoTime();
            while (!waiting.isEmpty() && now - waiting.peekFirst().sinceNanos() >= maxSuspendNanos) {
                expired.add(waiting.pollFirst());
            }
            if (!waiting.isEmpty()) sweeper.soon();
        } finally {
            lock.unlock();
        }
        for (Waiting w : expired) {
            Response.writeError(w.request(), w.response(), w.callback(), HttpStatus.SERVICE_UNAVAILABLE_503);
        }
    }

    @Override
    protected void doStart() throws Exception {
        lock.lock();
        try {
            stopped = false;
            sweeper.restart();
        } finally {
            lock.unlock();
        }
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        List<Waiting> refused;
        lock.lock();
        try {
            stopped = true;
            refused = List.copyOf(waiting);
            waiting.clear();
            sweeper.stop();
        } finally {
            lock.unlock();
        }
        for (Waiting w : refused) {
            Response.writeError(w.request(), w.response(), w.callback(), HttpStatus.SERVICE_UNAVAILABLE_503);
        }
        super.doStop();
    }
}
