package io.jwsgi.ops;

import io.jwsgi.daemon.GroupStatus;
import io.jwsgi.daemon.GroupStatus.ProcessStatus;
import io.jwsgi.daemon.Supervisor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.StringUtil;

/**
 * The {@code /server-status} page, rendered from one {@link GroupStatus}: HTML for a browser, or with
 * {@code ?auto} plain {@code Key: value} lines as Apache's mod_status prints them for scripts (its keys where the
 * meaning is the same: {@code Total Accesses}, {@code BusyWorkers}, {@code IdleWorkers}, {@code Uptime},
 * {@code Scoreboard}).
 *
 * <p>Scoreboard: one character per configured worker thread, process by process: {@code W} running a request,
 * {@code _} idle, {@code S} its process is starting, {@code .} no process in the slot; retiring processes follow,
 * {@code G} per request they are still finishing.
 */
final class StatusPage {
    private StatusPage() {}

    /** What the page shows besides the group. */
    record Server(String version, Duration uptime, RequestMetrics.Snapshot requests) {}

    static String auto(Server server, GroupStatus group) {
        return auto(server, List.of(group));
    }

    /** The server's lines, then each group's, each group's starting with its ProcessGroup line. */
    static String auto(Server server, List<GroupStatus> groups) {
        StringBuilder b = new StringBuilder(512);
        line(b, "ServerVersion", "jwsgi/" + server.version());
        line(b, "ServerUptimeSeconds", server.uptime().toSeconds());
        line(b, "Uptime", server.uptime().toSeconds());
        line(b, "Total Accesses", server.requests().count());
        for (GroupStatus group : groups) autoGroup(b, group);
        return b.toString();
    }

    private static void autoGroup(StringBuilder b, GroupStatus group) {
        line(b, "ProcessGroup", group.name());
        line(b, "Processes", group.processes());
        line(b, "ThreadsPerProcess", group.threads());
        line(b, "ReadyProcesses", ready(group));
        line(b, "BusyWorkers", group.busy());
        line(b, "IdleWorkers", group.idle());
        line(b, "QueuedRequests", group.queued());
        line(b, "ProcessRestarts", group.restartCount());
        for (Map.Entry<String, Long> e : group.restarts().entrySet()) {
            line(b, "ProcessRestarts_" + e.getKey(), e.getValue());
        }
        line(b, "Scoreboard", scoreboard(group));
        for (ProcessStatus p : group.workers()) {
            line(b, "Process" + (p.retiring() ? "Retiring" : p.slot()), "pid=" + p.pid() + " state=" + p.state()
                    + " busy=" + p.busy() + " idle=" + p.idle() + " requests=" + p.requests()
                    + " uptime=" + p.uptime().toSeconds() + " rss=" + Supervisor.vmRss(p.pid()));
        }
    }

    static String html(Server server, GroupStatus group, int refreshSeconds) {
        return html(server, List.of(group), refreshSeconds);
    }

    /** The server's table, then each group's tables and scoreboard (the ids are the first group's alone). */
    static String html(Server server, List<GroupStatus> groups, int refreshSeconds) {
        StringBuilder b = new StringBuilder(4096);
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        if (refreshSeconds > 0) b.append("<meta http-equiv=\"refresh\" content=\"").append(refreshSeconds).append("\">\n");
        b.append("<title>jwsgi server status</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;margin:.5em 0 1.5em}")
                .append("th,td{border:1px solid #999;padding:.2em .6em;text-align:right}th{background:#eee}")
                .append("td.text{text-align:left}code{font-size:1.1em}\n</style>\n</head>\n<body>\n")
                .append("<h1>jwsgi server status</h1>\n<table id=\"server\">\n");
        row(b, "Server version", "jwsgi/" + server.version());
        row(b, "Server uptime", human(server.uptime()));
        row(b, "Requests served", Long.toString(server.requests().count()));
        b.append("</table>\n");
        for (GroupStatus group : groups) htmlGroup(b, group, group == groups.getFirst());
        b.append("<p>W running a request, _ idle, S starting, . no process, G retiring and still running a "
                + "request. Machine-readable: <a href=\"?auto\">?auto</a>.</p>\n</body>\n</html>\n");
        return b.toString();
    }

    private static void htmlGroup(StringBuilder b, GroupStatus group, boolean first) {
        String suffix = first ? "" : "-" + escape(group.name());
        b.append("<h2>Process group <code>").append(escape(group.name())).append("</code></h2>\n")
                .append("<table id=\"group").append(suffix).append("\">\n");
        row(b, "Processes \u00d7 threads", group.processes() + " \u00d7 " + group.threads());
        row(b, "Ready processes", Integer.toString(ready(group)));
        row(b, "Busy threads", Integer.toString(group.busy()));
        row(b, "Idle threads", Integer.toString(group.idle()));
        row(b, "Queued requests", Integer.toString(group.queued()));
        row(b, "Process restarts", Long.toString(group.restartCount()));
        b.append("</table>\n<table id=\"processes").append(suffix).append("\">\n<thead><tr><th>Slot</th><th>PID</th><th>State</th><th>Busy</th>")
                .append("<th>Idle</th><th>Requests</th><th>Uptime</th><th>Resident memory</th></tr></thead>\n<tbody>\n");
        for (ProcessStatus p : group.workers()) {
            long rss = Supervisor.vmRss(p.pid());
            b.append("<tr data-pid=\"").append(p.pid()).append("\"><td>").append(p.slot()).append("</td><td>")
                    .append(p.pid()).append("</td><td class=\"text\">").append(p.state())
                    .append(p.retiring() ? " (retiring)" : "").append("</td><td>").append(p.busy()).append("</td><td>")
                    .append(p.idle()).append("</td><td>").append(p.requests()).append("</td><td>")
                    .append(human(p.uptime())).append("</td><td>")
                    .append(rss < 0 ? "unknown" : (rss / 1024) + " KiB").append("</td></tr>\n");
        }
        b.append("</tbody>\n</table>\n");
        if (!group.restarts().isEmpty()) {
            b.append("<table id=\"restarts").append(suffix).append("\">\n<thead><tr><th>Restart reason</th><th>Count</th></tr></thead>\n<tbody>\n");
            for (Map.Entry<String, Long> e : group.restarts().entrySet()) {
                b.append("<tr><td class=\"text\">").append(escape(e.getKey())).append("</td><td>").append(e.getValue())
                        .append("</td></tr>\n");
            }
            b.append("</tbody>\n</table>\n");
        }
        b.append("<h3>Scoreboard</h3>\n<pre id=\"scoreboard").append(suffix).append("\">").append(scoreboard(group))
                .append("</pre>\n");
    }

    static String scoreboard(GroupStatus group) {
        StringBuilder b = new StringBuilder();
        ProcessStatus[] inSlot = new ProcessStatus[group.processes()];
        for (ProcessStatus p : group.workers()) {
            if (!p.retiring() && p.slot() >= 0 && p.slot() < inSlot.length) inSlot[p.slot()] = p;
        }
        for (ProcessStatus p : inSlot) {
            for (int t = 0; t < group.threads(); t++) {
                if (p == null || p.state().equals("exited")) b.append('.');
                else if (p.state().equals("starting")) b.append('S');
                else b.append(t < p.busy() ? 'W' : '_');
            }
        }
        for (ProcessStatus p : group.workers()) {
            if (p.retiring()) b.append("G".repeat(p.busy()));
        }
        return b.toString();
    }

    private static int ready(GroupStatus group) {
        int n = 0;
        for (ProcessStatus p : group.workers()) if (!p.retiring() && p.state().equals("ready")) n++;
        return n;
    }

    private static void line(StringBuilder b, String key, Object value) {
        b.append(key).append(": ").append(value).append('\n');
    }

    private static void row(StringBuilder b, String name, String value) {
        b.append("<tr><th>").append(escape(name)).append("</th><td class=\"text\">").append(escape(value))
                .append("</td></tr>\n");
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        long days = s / 86400, hours = s % 86400 / 3600, minutes = s % 3600 / 60, seconds = s % 60;
        StringBuilder b = new StringBuilder();
        if (days > 0) b.append(days).append(" d ");
        if (days > 0 || hours > 0) b.append(hours).append(" h ");
        if (days > 0 || hours > 0 || minutes > 0) b.append(minutes).append(" min ");
        return b.append(seconds).append(" s").toString();
    }

    /** HTML text and attribute values: Jetty's escaping (&, <, >, quotes; control characters made visible). */
    static String escape(String s) {
        return StringUtil.sanitizeXmlString(s);
    }
}
