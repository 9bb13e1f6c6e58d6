package io.jwsgi.ops;

import io.jwsgi.daemon.GroupStatus;
import io.jwsgi.daemon.GroupStatus.ProcessStatus;
import io.jwsgi.daemon.Supervisor;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The metrics in Prometheus's text exposition format (version 0.0.4): every family with its HELP and TYPE lines,
 * label values escaped, histogram buckets cumulative and ending in {@code +Inf}. Names start with {@code jwsgi_}.
 */
final class MetricsText {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    private MetricsText() {}

    static String render(GroupStatus group, RequestMetrics.Snapshot requests, Duration uptime) {
        return render(List.of(group), requests, java.util.Map.of(), uptime);
    }

    /**
     * Every process group's gauges, each sample labelled with its group. The request counters are each group's
     * when {@code perGroup} has them (a configuration file's groups: the requests routed to that group), else the
     * server's, labelled with its one group.
     */
    static String render(List<GroupStatus> groups, RequestMetrics.Snapshot requests,
                         java.util.Map<String, RequestMetrics.Snapshot> perGroup, Duration uptime) {
        StringBuilder b = new StringBuilder(4096);
        java.util.Map<String, RequestMetrics.Snapshot> counted = new java.util.LinkedHashMap<>();
        if (perGroup.isEmpty()) {
            counted.put(groups.size() == 1 ? "group=\"" + escape(groups.getFirst().name()) + "\"," : "", requests);
        } else {
            perGroup.forEach((name, snapshot) -> counted.put("group=\"" + escape(name) + "\",", snapshot));
        }

        family(b, "jwsgi_requests_total", "counter",
                "Requests answered through the process group, by status class of the response.");
        counted.forEach((g, r) -> {
            for (int i = 0; i < CLASSES.length; i++) {
                sample(b, "jwsgi_requests_total", g + "code=\"" + CLASSES[i] + "\"", r.byClass()[i]);
            }
        });

        family(b, "jwsgi_request_duration_seconds", "histogram",
                "Time from a request's arrival to the end of its response, through the process group.");
        counted.forEach((g, r) -> {
            long[] cumulative = r.cumulative();
            for (int i = 0; i < RequestMetrics.BUCKETS.length; i++) {
                sample(b, "jwsgi_request_duration_seconds_bucket",
                        g + "le=\"" + number(RequestMetrics.BUCKETS[i]) + "\"", cumulative[i]);
            }
            sample(b, "jwsgi_request_duration_seconds_bucket", g + "le=\"+Inf\"", r.count());
            b.append("jwsgi_request_duration_seconds_sum").append(g.isEmpty() ? "" : "{" + stripComma(g) + "}")
                    .append(' ').append(number(r.sumNanos() / 1e9)).append('\n');
            sample(b, "jwsgi_request_duration_seconds_count", stripComma(g), r.count());
        });

        family(b, "jwsgi_queue_depth", "gauge", "Requests waiting for a free worker thread.");
        for (GroupStatus group : groups) {
            String l = label(group);
            sample(b, "jwsgi_queue_depth", l, group.queued());
        }

        family(b, "jwsgi_busy_threads", "gauge", "Worker threads running a request.");
        for (GroupStatus group : groups) {
            String l = label(group);
            sample(b, "jwsgi_busy_threads", l, group.busy());
        }

        family(b, "jwsgi_idle_threads", "gauge", "Connected worker threads waiting for a request.");
        for (GroupStatus group : groups) {
            String l = label(group);
            sample(b, "jwsgi_idle_threads", l, group.idle());
        }

        family(b, "jwsgi_threads", "gauge", "Configured request threads: processes times threads per process.");
        for (GroupStatus group : groups) {
            String l = label(group);
            sample(b, "jwsgi_threads", l, (long) group.processes() * group.threads());
        }

        family(b, "jwsgi_worker_processes", "gauge",
                "Worker processes by state; retiring ones (recycled, finishing their requests) apart.");
        for (GroupStatus group : groups) {
            String l = label(group);
            for (String state : new String[] {"starting", "ready", "retiring"}) {
                long n = 0;
                for (ProcessStatus p : group.workers()) {
                    if (state.equals("retiring") ? p.retiring() : !p.retiring() && p.state().equals(state)) n++;
                }
                sample(b, "jwsgi_worker_processes", l + ",state=\"" + state + "\"", n);
            }
        }

        family(b, "jwsgi_worker_restarts_total", "counter", "Worker processes replaced since the server started, "
                + "by reason (a recycle reason, a kill reason, or exited for an unexpected exit).");
        for (GroupStatus group : groups) {
            String l = label(group);
            for (Map.Entry<String, Long> e : group.restarts().entrySet()) {
                sample(b, "jwsgi_worker_restarts_total", l + ",reason=\"" + escape(e.getKey()) + "\"", e.getValue());
            }
        }

        family(b, "jwsgi_worker_resident_memory_bytes", "gauge",
                "Resident memory of each worker process (VmRSS from /proc/PID/status).");
        for (GroupStatus group : groups) {
            String l = label(group);
            for (ProcessStatus p : group.workers()) {
                long rss = Supervisor.vmRss(p.pid());
                if (rss >= 0) {
                    sample(b, "jwsgi_worker_resident_memory_bytes",
                            l + ",slot=\"" + p.slot() + "\",pid=\"" + p.pid() + "\"", rss);
                }
            }
        }

        family(b, "jwsgi_worker_requests", "gauge",
                "Requests handed to each worker process since it started (resets when the process is replaced).");
        for (GroupStatus group : groups) {
            String l = label(group);
            for (ProcessStatus p : group.workers()) {
                sample(b, "jwsgi_worker_requests", l + ",slot=\"" + p.slot() + "\",pid=\"" + p.pid() + "\"", p.requests());
            }
        }

        family(b, "jwsgi_uptime_seconds", "gauge", "Seconds since the server started.");
        b.append("jwsgi_uptime_seconds ").append(number(uptime.toMillis() / 1000.0)).append('\n');
        return b.toString();
    }

    /** A group's label: {@code group="NAME"}. */
    private static String label(GroupStatus group) {
        return "group=\"" + escape(group.name()) + "\"";
    }

    private static String stripComma(String labels) {
        return labels.endsWith(",") ? labels.substring(0, labels.length() - 1) : labels;
    }

    private static void family(StringBuilder b, String name, String type, String help) {
        b.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n"))
                .append('\n').append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder b, String name, String labels, long value) {
        b.append(name);
        if (!labels.isEmpty()) b.append('{').append(labels).append('}');
        b.append(' ').append(value).append('\n');
    }

    /** A float as Prometheus expects it: no exponent for the bucket bounds we use, '.' as the separator. */
    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return String.format(Locale.ROOT, "%.1f", v);
        return Double.toString(v);
    }

    /** Label values: backslash, double quote and line feed escaped (the exposition format's three escapes). */
    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
