package io.jwsgi.drain;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.component.Graceful;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front end's stop on SIGTERM, in the order a load balancer needs it (docs/lifecycle.md has the timings):
 *
 * <ol>
 *   <li>at once: {@link #draining()} turns true, so the health check answers 503 and every HTTP/1 response says
 *       {@code Connection: close} ({@link DrainHandler}); the listener still accepts;</li>
 *   <li>after --drain-delay: Jetty's graceful shutdown closes the listener (new connections are refused), lets
 *       in-flight and queued requests finish, and closes idle connections;</li>
 *   <li>after --shutdown-timeout more: the requests still running are cut off ({@code cutOff}: the dispatchers
 *       refuse the queue and close the running requests' channels, whose handlers answer 503 and write the access-
 *       and error-log lines), and one warning says so in words.</li>
 * </ol>
 *
 * The worker processes are not touched here: the supervisors stop them after {@link #drain}, and only then is
 * Jetty stopped ({@link #close}), since its selectors read the workers' channels: stopped first, they would close
 * the channels under live workers, which would exit and be replaced in the middle of the stop.
 */
public final class Drain {
    /** How long the cut-off requests get to write their 503 and log lines before Jetty closes what is left. */
    private static final Duration CUT_OFF_GRACE = Duration.ofSeconds(2);
    /** The least the worker processes get to exit after SIGTERM, even when the front end used up the timeout. */
    private static final Duration WORKER_EXIT = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(Drain.class);

    private final Duration drainDelay;
    private final Duration shutdownTimeout;
    private volatile boolean draining;
    private final CountDownLatch delayOver = new CountDownLatch(1);

    public Drain(Duration drainDelay, Duration shutdownTimeout) {
        this.drainDelay = drainDelay;
        this.shutdownTimeout = shutdownTimeout;
    }

    /** A second SIGTERM or SIGINT: what remains of the drain delay is skipped. Safe from a signal callback. */
    public void skipDelay() {
        delayOver.countDown();
    }

    /** The first step of {@link #drain}: from now on the health check says 503, responses close connections. */
    void begin() {
        draining = true;
    }

    /** True from the start of the stop: the health check says 503, responses close their connections. */
    public boolean draining() {
        return draining;
    }

    /**
     * Runs the sequence up to the point where no request is left, and returns what is left of shutdown-timeout for
     * the worker processes to exit (at least a second); Jetty is still started, with its listeners closed, so that
     * the workers can be stopped before the selectors that read their channels ({@link #close}). {@code cutOff}
     * gives up on the requests the workers are still running and returns how many there were; {@code withDelay}
     * false skips the drain delay (a start that failed has no clients to wait for).
     */
    public Duration drain(Server jetty, IntSupplier cutOff, boolean withDelay) {
        begin();
        GracefulHandler graceful = jetty.getDescendant(GracefulHandler.class);
        if (withDelay && drainDelay.isPositive()) {
            log.info("server draining: health check 503, responses close their connections, new connections still "
                    + "accepted drain_delay={} shutdown_timeout={}", seconds(drainDelay), seconds(shutdownTimeout));
            if (pause(drainDelay)) log.info("server drain delay cut short by a second stop signal");
        }
        log.info("server listener closed: waiting for the requests still running active={} shutdown_timeout={}",
                graceful == null ? "-" : graceful.getCurrentRequestCount(), seconds(shutdownTimeout));
        long deadline = System.nanoTime() + shutdownTimeout.toNanos();
        CompletableFuture<Void> finished = Graceful.shutdown(jetty);
        if (!await(finished, shutdownTimeout)) {
            long running = graceful == null ? -1 : graceful.getCurrentRequestCount();
            int atWorkers = cutOff.getAsInt();
            log.warn("shutdown-timeout passed with requests still running: each is answered 503 (or, if its "
                            + "response had started, its connection is closed) and named in a 'request cut off at "
                            + "shutdown-timeout' line running={} at_workers={} shutdown_timeout={}",
                    running, atWorkers, seconds(shutdownTimeout));
            if (!await(finished, CUT_OFF_GRACE)) {
                log.warn("requests still open after the cut-off (static files, proxied or upgraded connections): "
                        + "their connections are closed now running={}",
                        graceful == null ? "-" : graceful.getCurrentRequestCount());
            }
        }
        Duration left = Duration.ofNanos(deadline - System.nanoTime());
        return left.compareTo(WORKER_EXIT) > 0 ? left : WORKER_EXIT;
    }

    /** Stops Jetty once {@link #drain} is over: the waiting is done, so what is left is closed at once. */
    public void close(Server jetty) {
        jetty.setStopTimeout(0);
        try {
            jetty.stop();
        } catch (Exception e) {
            log.warn("front end stop failed error={}", e.toString());
        }
    }

    private static boolean await(CompletableFuture<Void> future, Duration timeout) {
        try {
            future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            log.warn("graceful shutdown failed error={}", e.getCause().toString());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The drain delay is a deliberate wait for the load balancer, on the stopping thread; returns true when
     * {@link #skipDelay} ended it early.
     */
    private boolean pause(Duration delay) {
        try {
            return delayOver.await(delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() / 1000.0 + "s";
    }
}
