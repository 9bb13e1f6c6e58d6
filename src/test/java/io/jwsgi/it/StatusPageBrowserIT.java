package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real browser: Debian's chromium, headless, prints the DOM it built from /server-status.
 * The DOM is the parser's (a tbody it made up, attributes normalised), so this checks that the page is HTML a
 * browser reads into the intended table, not just bytes. Required under CI=true (.ci/run installs chromium).
 */
class StatusPageBrowserIT {
    @TempDir
    Path root;

    @Test
    void chromiumRendersTheProcessTableWithEveryWorker() throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        if (!Files.isExecutable(chromium)) {
            assertThat(System.getenv("CI")).as("chromium must be installed under CI (.ci/run)").isNotEqualTo("true");
            Assumptions.abort("chromium is not installed");
        }
        Path serverRoot = Files.createDirectory(root.resolve("server"));
        try (JwsgiProcess server = JwsgiProcess.start(serverRoot, OperationsIT.APP.toString(), "--server-status",
                "--processes", "2", "--threads", "3")) {
            for (int i = 0; i < 4; i++) Http.get(server.url("/hello"));
            List<Long> pids = server.workerPids();
            assertThat(pids).hasSize(2);

            Process browser = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--user-data-dir=" + root.resolve("profile"), "--dump-dom", server.url("/server-status"))
                    .redirectError(root.resolve("chromium.log").toFile()).start();
            String dom = new String(browser.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(browser.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(browser.exitValue()).as(Files.readString(root.resolve("chromium.log"))).isZero();

            assertThat(dom).contains("<title>jwsgi server status</title>", "<h1>jwsgi server status</h1>");
            // The group table as the parser built it: rows inside a tbody chromium inserted itself.
            assertThat(dom).containsPattern("<table id=\"group\">\\s*<tbody><tr><th>Processes × threads</th>"
                    + "<td class=\"text\">2 × 3</td></tr>\\s*<tr><th>Ready processes</th><td class=\"text\">2</td>");
            assertThat(dom).contains("<th>Requests served</th><td class=\"text\">4</td>");
            for (long pid : pids) {
                assertThat(dom).containsPattern("<tr data-pid=\"" + pid + "\"><td>[01]</td><td>" + pid
                        + "</td><td class=\"text\">ready</td><td>0</td><td>3</td><td>\\d+</td>");
            }
            assertThat(dom).contains("<pre id=\"scoreboard\">______</pre>");
        }
    }
}
