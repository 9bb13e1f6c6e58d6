package io.jwsgi.frontend;

import io.jwsgi.config.RequestLimits;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.util.NanoTime;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * mod_reqtimeout's RequestReadTimeout for the front end ({@code --header-timeout}, {@code --header-max-timeout},
 * {@code --header-min-rate}, {@code --body-timeout}, {@code --body-max-timeout}, {@code --body-min-rate}).
 *
 * <p>design: Jetty's idle timeout restarts with every byte, so a client trickling one byte every few seconds
 * (slowloris) would hold a connection forever. Here a sweep every {@value #SWEEP_MS} ms looks at every connection
 * reading a request head ({@link GuardedHttpConnection}) and every request waiting for body bytes
 * ({@link BodyWatch}) and ends those past their allowance: the base timeout plus one second per min-rate bytes
 * received, capped by the max timeout. A timed-out head gets 408 and a closed connection; a timed-out body read
 * fails with 408 (the worker's read fails if the app was reading). A Python worker is never taken by a request
 * whose head is incomplete, nor by one whose body is still arriving within the first 64 KiB ({@link RequestIntake}).
 */
public final class ReadTimeouts extends AbstractLifeCycle {
    private static final Logger log = LoggerFactory.getLogger(ReadTimeouts.class);
    static final long SWEEP_MS = 250;

    private final RequestLimits limits;
    private final Set<GuardedHttpConnection> connections = ConcurrentHashMap.newKeySet();
    private final Set<BodyWatch> bodies = ConcurrentHashMap.newKeySet();
    private final AtomicLong headTimeouts = new AtomicLong();
    private final AtomicLong bodyTimeouts = new AtomicLong();
    private ScheduledExecutorService sweeper;

    public ReadTimeouts(RequestLimits limits) {
        this.limits = limits;
    }

    RequestLimits limits() {
        return limits;
    }

    @Override
    protected void doStart() {
        if (limits.headerTimeout().isZero() && limits.bodyTimeout().isZero()) return;
        sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("jwsgi-read-timeouts")
                .factory());
        sweeper.scheduleWithFixedDelay(this::sweep, SWEEP_MS, SWEEP_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() {
        if (sweeper != null) sweeper.shutdownNow();
        long heads = headTimeouts.get(), body = bodyTimeouts.get();
        if (heads + body > 0) log.info("read timeouts header={} body={}", heads, body);
    }

    void opened(GuardedHttpConnection connection) {
        if (!limits.headerTimeout().isZero()) connections.add(connection);
    }

    void closed(GuardedHttpConnection connection) {
        connections.remove(connection);
    }

    void watch(BodyWatch body) {
        if (!limits.bodyTimeout().isZero()) bodies.add(body);
    }

    void unwatch(BodyWatch body) {
        bodies.remove(body);
    }

    void headTimedOut() {
        headTimeouts.incrementAndGet();
    }

    void bodyTimedOut() {
        bodyTimeouts.incrementAndGet();
    }

    /** Connections timed out while reading a head, since the start. */
    public long headTimeouts() {
        return headTimeouts.get();
    }

    /** Request bodies timed out, since the start. */
    public long bodyTimeouts() {
        return bodyTimeouts.get();
    }

    private void sweep() {
        try {
            long now = NanoTime.now();
            Duration headBase = limits.headerTimeout();
            for (GuardedHttpConnection c : connections) {
                c.expireHead(now, headBase, limits.headerMaxTimeout(), limits.headerMinRate());
            }
            for (BodyWatch b : bodies) {
                b.expire(now, limits.bodyTimeout(), limits.bodyMaxTimeout(), limits.bodyMinRate());
            }
        } catch (RuntimeException e) {
            log.warn("read timeout sweep failed error={}", e.toString()); // the next sweep runs anyway
        }
    }
}
