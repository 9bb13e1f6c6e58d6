package io.jwsgi.ops;

import java.util.concurrent.atomic.LongAdder;

/**
 * Per-request counters of one process group: responses by status class and a latency histogram. Recording is two
 * {@link LongAdder} increments and one add, found by a scan of a dozen longs: no lock, no allocation, and adders
 * stripe under contention so request threads do not fight over one cache line.
 *
 * <p>The histogram keeps per-bucket (not cumulative) counts; {@link #snapshot} sums them, so the exposed buckets
 * are monotonic and the count equals the +Inf bucket even while requests are being recorded.
 */
public final class RequestMetrics {
    /** Upper bounds of the latency buckets, in seconds (Prometheus's defaults, extended to the request-timeout). */
    static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    private final long[] boundsNanos = new long[BUCKETS.length];
    /** 1xx … 5xx. */
    private final LongAdder[] byClass = adders(5);
    /** One per bucket plus the overflow (+Inf). */
    private final LongAdder[] buckets = adders(BUCKETS.length + 1);
    private final LongAdder sumNanos = new LongAdder();

    public RequestMetrics() {
        for (int i = 0; i < BUCKETS.length; i++) boundsNanos[i] = (long) (BUCKETS[i] * 1e9);
    }

    /** One response: its status and how long the request took. */
    public void record(int status, long nanos) {
        int statusClass = status / 100 - 1;
        byClass[Math.clamp(statusClass, 0, 4)].increment();
        int i = 0;
        while (i < boundsNanos.length && nanos > boundsNanos[i]) i++;
        buckets[i].increment();
        sumNanos.add(Math.max(0, nanos));
    }

    /**
     * The counters now.
     *
     * @param byClass    responses with status 1xx, 2xx, 3xx, 4xx, 5xx
     * @param cumulative requests that took at most {@code BUCKETS[i]} seconds; the last entry is every request
     * @param sumNanos   total time of all requests
     */
    public record Snapshot(long[] byClass, long[] cumulative, long sumNanos) {
        public long count() {
            return cumulative[cumulative.length - 1];
        }
    }

    public Snapshot snapshot() {
        long[] classes = new long[byClass.length];
        for (int i = 0; i < classes.length; i++) classes[i] = byClass[i].sum();
        long[] cumulative = new long[buckets.length];
        long running = 0;
        for (int i = 0; i < buckets.length; i++) {
            running += buckets[i].sum();
            cumulative[i] = running;
        }
        return new Snapshot(classes, cumulative, sumNanos.sum());
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) a[i] = new LongAdder();
        return a;
    }
}
