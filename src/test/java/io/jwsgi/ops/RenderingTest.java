package io.jwsgi.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.daemon.GroupStatus;
import io.jwsgi.daemon.GroupStatus.ProcessStatus;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The status page, the metrics text and the loopback rule, on hand-built snapshots. */
class RenderingTest {
    private static final GroupStatus GROUP = new GroupStatus("site\"a\\b", 2, 2, 3,
            Map.of("maximum_requests", 2L, "exited", 1L), List.of(
            new ProcessStatus(0, 4_000_000, "ready", false, 2, 0, 17, Duration.ofSeconds(3725)),
            new ProcessStatus(1, 4_000_001, "starting", false, 0, 0, 0, Duration.ofSeconds(1)),
            new ProcessStatus(1, 4_000_002, "stopping", true, 1, 0, 9, Duration.ofSeconds(90))));

    private static RequestMetrics.Snapshot requests() {
        RequestMetrics m = new RequestMetrics();
        m.record(200, 1_000_000);
        m.record(500, 2_000_000_000L);
        return m.snapshot();
    }

    @Test
    void autoFormIsKeyValueLinesWithAScoreboard() {
        String auto = StatusPage.auto(new StatusPage.Server("1.2", Duration.ofSeconds(61), requests()), GROUP);
        assertThat(auto.lines()).contains("ServerVersion: jwsgi/1.2", "Uptime: 61", "Total Accesses: 2",
                "BusyWorkers: 3", "IdleWorkers: 0", "QueuedRequests: 3", "ReadyProcesses: 1", "ProcessRestarts: 3",
                "ProcessRestarts_maximum_requests: 2", "Scoreboard: WWSSG");
        assertThat(auto.lines()).anyMatch(l -> l.startsWith("Process0: pid=4000000 state=ready busy=2 idle=0 "
                + "requests=17 uptime=3725 rss="));
        assertThat(auto.lines()).anyMatch(l -> l.startsWith("ProcessRetiring: pid=4000002 state=stopping"));
        assertThat(auto.lines()).allMatch(l -> l.matches("[A-Za-z_0-9 ]+: .*"));
    }

    @Test
    void htmlEscapesNamesAndRefreshesWhenAsked() {
        String html = StatusPage.html(new StatusPage.Server("1.2", Duration.ofSeconds(61), requests()), GROUP, 5);
        assertThat(html).contains("<code>site&quot;a\\b</code>", "<meta http-equiv=\"refresh\" content=\"5\">",
                "<td class=\"text\">1 min 1 s</td>",
                "<tr data-pid=\"4000002\">", "stopping (retiring)");
        assertThat(StatusPage.human(Duration.ofSeconds(90061))).isEqualTo("1 d 1 h 1 min 1 s");
        assertThat(StatusPage.html(new StatusPage.Server("1", Duration.ZERO, requests()), GROUP, 0))
                .doesNotContain("refresh");
    }

    @Test
    void metricsHaveHelpAndTypeBeforeEverySampleAndEscapedLabels() {
        String text = MetricsText.render(GROUP, requests(), Duration.ofMillis(1500));
        String g = "group=\"site\\\"a\\\\b\"";
        assertThat(text).contains("jwsgi_requests_total{" + g + ",code=\"2xx\"} 1\n",
                "jwsgi_requests_total{" + g + ",code=\"5xx\"} 1\n",
                "jwsgi_request_duration_seconds_bucket{" + g + ",le=\"0.005\"} 1\n",
                "jwsgi_request_duration_seconds_bucket{" + g + ",le=\"2.5\"} 2\n",
                "jwsgi_request_duration_seconds_bucket{" + g + ",le=\"+Inf\"} 2\n",
                "jwsgi_request_duration_seconds_count{" + g + "} 2\n",
                "jwsgi_queue_depth{" + g + "} 3\n", "jwsgi_busy_threads{" + g + "} 3\n",
                "jwsgi_worker_restarts_total{" + g + ",reason=\"exited\"} 1\n",
                "jwsgi_worker_processes{" + g + ",state=\"retiring\"} 1\n",
                "jwsgi_uptime_seconds 1.5\n");
        String family = null;
        for (String line : text.lines().toList()) {
            if (line.startsWith("# HELP ")) {
                family = line.split(" ")[2];
            } else if (line.startsWith("# TYPE ")) {
                assertThat(line.split(" ")[2]).isEqualTo(family);
            } else {
                assertThat(line).as("sample of the family announced last").startsWith(family);
                assertThat(line).matches("[a-z_]+(\\{.*\\})? [0-9.+eE-]+");
            }
        }
    }

    @Test
    void onlyLoopbackClientsSeeTheStatusPage() {
        assertThat(io.jwsgi.frontend.VirtualHost.isLoopback(new InetSocketAddress("127.0.0.1", 1))).isTrue();
        assertThat(io.jwsgi.frontend.VirtualHost.isLoopback(new InetSocketAddress("127.9.9.9", 1))).isTrue();
        assertThat(io.jwsgi.frontend.VirtualHost.isLoopback(new InetSocketAddress("::1", 1))).isTrue();
        assertThat(io.jwsgi.frontend.VirtualHost.isLoopback(new InetSocketAddress("10.0.0.1", 1))).isFalse();
        assertThat(io.jwsgi.frontend.VirtualHost.isLoopback(new InetSocketAddress("192.168.1.20", 1))).isFalse();
        assertThat(io.jwsgi.frontend.VirtualHost.isLoopback(InetSocketAddress.createUnresolved("localhost", 1))).isFalse();
        assertThat(io.jwsgi.frontend.VirtualHost.isLoopback(null)).isFalse();
    }
}
