package io.jwsgi.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestMetricsTest {
    private static final long MS = 1_000_000;

    @Test
    void countsByStatusClassAndPutsEachLatencyInTheFirstBucketThatHoldsIt() {
        RequestMetrics m = new RequestMetrics();
        m.record(200, 5 * MS);       // exactly on the 0.005 bound: le is "less or equal"
        m.record(204, 6 * MS);       // 0.01
        m.record(404, 300 * MS);     // 0.5
        m.record(503, 120_000 * MS); // over the last bound: +Inf only
        m.record(101, 0);
        RequestMetrics.Snapshot s = m.snapshot();
        assertThat(s.byClass()).containsExactly(1, 2, 0, 1, 1);
        long[] c = s.cumulative();
        assertThat(c[0]).isEqualTo(2); // 0 and 5 ms
        assertThat(c[1]).isEqualTo(3); // + 6 ms
        assertThat(c[6]).isEqualTo(4); // le=0.5: + 300 ms
        assertThat(c[RequestMetrics.BUCKETS.length - 1]).isEqualTo(4); // le=60
        assertThat(s.count()).isEqualTo(5);
        assertThat(s.sumNanos()).isEqualTo(120_311 * MS);
        for (int i = 1; i < c.length; i++) assertThat(c[i]).isGreaterThanOrEqualTo(c[i - 1]);
    }

    @Test
    void statusesOutsideOneToFiveHundredsCountAtTheNearestClass() {
        RequestMetrics m = new RequestMetrics();
        m.record(0, 1);
        m.record(999, 1);
        assertThat(m.snapshot().byClass()).containsExactly(1, 0, 0, 0, 1);
    }
}
