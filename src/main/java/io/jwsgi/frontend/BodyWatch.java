package io.jwsgi.frontend;

import io.jwsgi.config.RequestLimits;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.NanoTime;

/**
 * A request whose body reads are timed for {@code --body-timeout}: only the time spent waiting for the client's
 * bytes counts (a demand outstanding), not the time the application spends between reads. Once the allowance is
 * spent the pending demand is woken and every read returns a 408 failure, which ends the request
 * (docs/reliability.md).
 */
final class BodyWatch extends Request.Wrapper {
    private final ReadTimeouts timeouts;
    private volatile long received;
    private volatile long waited;
    private volatile long waitingSince; // 0: not waiting
    private volatile Demand pending;
    private volatile boolean expired;

    BodyWatch(Request request, ReadTimeouts timeouts) {
        super(request);
        this.timeouts = timeouts;
        timeouts.watch(this);
        Request.addCompletionListener(request, failure -> timeouts.unwatch(this));
    }

    @Override
    public Content.Chunk read() {
        if (expired) return timeoutChunk();
        Content.Chunk chunk = super.read();
        if (chunk != null) {
            received += chunk.remaining();
            if (chunk.isLast()) timeouts.unwatch(this);
        }
        return chunk;
    }

    @Override
    public void demand(Runnable demandCallback) {
        if (expired) {
            demandCallback.run();
            return;
        }
        Demand d = new Demand(demandCallback);
        waitingSince = NanoTime.now();
        pending = d;
        super.demand(d);
    }

    /** Called by the sweep: wakes the reader with a failure once the waiting time passes the allowance. */
    void expire(long now, Duration base, Duration max, int minRate) {
        long since = waitingSince;
        if (since == 0 || expired) return;
        Duration allowed = RequestLimits.allowance(base, max, minRate, received);
        if (allowed == null || waited + NanoTime.elapsed(since, now) < allowed.toNanos()) return;
        expired = true;
        timeouts.bodyTimedOut();
        timeouts.unwatch(this);
        Demand d = pending;
        if (d != null) d.run();
    }

    private Content.Chunk timeoutChunk() {
        return Content.Chunk.from(new HttpException.RuntimeException(HttpStatus.REQUEST_TIMEOUT_408,
                "request body too slow (--body-timeout, --body-min-rate)"), true);
    }

    /** One demand: runs its callback once, whether Jetty (bytes arrived) or the sweep (timed out) calls first. */
    private final class Demand implements Runnable {
        private final Runnable callback;
        private final AtomicBoolean done = new AtomicBoolean();

        Demand(Runnable callback) {
            this.callback = callback;
        }

        @Override
        public void run() {
            if (!done.compareAndSet(false, true)) return;
            long since = waitingSince;
            if (since != 0) waited += NanoTime.since(since);
            waitingSince = 0;
            callback.run();
        }
    }
}
