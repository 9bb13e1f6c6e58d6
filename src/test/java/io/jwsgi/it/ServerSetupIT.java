package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * setup-server and its control script, end to end with real processes: setup writes the root without starting,
 * apachectl configtest / start / status / graceful / restart / stop, a broken saved configuration, the socket path
 * limit and --socket-path, $TMPDIR for the default server root.
 */
class ServerSetupIT {
    static final Path APP = OperationsIT.APP;
    private static final Pattern READY = Pattern.compile("jwsgi ready: http://[^:]+:(\\d+)/ \\(pid (\\d+)\\)");

    @TempDir
    Path dir;

    private Path root;

    /** What a command printed (stdout and stderr together) and its exit status. */
    record Run(int status, String output) {}

    static Run run(Path cwd, Map<String, String> env, List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command + "\n" + out);
        }
        return new Run(p.exitValue(), out);
    }

    static List<String> jwsgi(String... args) {
        List<String> cmd = new ArrayList<>(List.of(JwsgiProcess.java(), "-jar",
                JwsgiProcess.jar().toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private Run apachectl(String command) throws Exception {
        return run(dir, Map.of(), List.of(root.resolve("apachectl").toString(), command));
    }

    @AfterEach
    void stopLeftovers() throws Exception {
        if (root != null && Files.exists(root.resolve("jwsgi.pid"))) {
            long pid = Long.parseLong(Files.readString(root.resolve("jwsgi.pid")).trim());
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        }
    }

    @Test
    void setupWritesTheRootAndTheControlScriptRunsTheWholeCycle() throws Exception {
        root = dir.resolve("root");
        Files.createDirectories(dir.resolve("work"));
        // A relative script path: the control script runs from the directory setup ran in.
        Files.copy(APP, dir.resolve("work/app.py"));
        Run setup = run(dir.resolve("work"), Map.of(), jwsgi("setup-server", "app.py", "--server-root",
                root.toString(), "--host", "127.0.0.1", "--port", "0", "--server-status", "--log-level", "info"));
        assertThat(setup.status()).as(setup.output()).isZero();
        assertThat(setup.output()).contains("Control Script     : " + root.resolve("apachectl"));
        assertThat(Files.isExecutable(root.resolve("apachectl"))).isTrue();
        assertThat(Files.readAllLines(root.resolve("server.args"))).startsWith("app.py", "--server-root",
                root.toString()).contains("--python", "--working-directory");
        assertThat(Files.readString(root.resolve("server.conf"))).contains("serverStatus=true");
        assertThat(root.resolve("jwsgi.pid")).doesNotExist(); // nothing was started
        assertThat(root.resolve("sockets")).doesNotExist();

        Run test = apachectl("configtest");
        assertThat(test.status()).as(test.output()).isZero();
        assertThat(test.output()).isEqualTo("Syntax OK\n");

        Run start = apachectl("start");
        assertThat(start.status()).as(start.output() + log()).isZero();
        long pid = Long.parseLong(Files.readString(root.resolve("jwsgi.pid")).trim());
        assertThat(start.output()).contains("jwsgi: started (pid " + pid + ")");
        int port = port();
        assertThat(Http.get(url(port, "/hello")).body()).isEqualTo("app:/hello");
        assertThat(apachectl("status").output()).isEqualTo("jwsgi: running (pid " + pid + ")\n");
        assertThat(apachectl("start").output()).isEqualTo("jwsgi: already running (pid " + pid + ")\n");

        // graceful: SIGUSR1, every worker replaced, same server process.
        String workerBefore = Http.get(url(port, "/pid")).body();
        Run graceful = apachectl("graceful");
        assertThat(graceful.status()).as(graceful.output()).isZero();
        String workerAfter = awaitChange(url(port, "/pid"), workerBefore);
        assertThat(workerAfter).isNotEqualTo(workerBefore);
        assertThat(Long.parseLong(Files.readString(root.resolve("jwsgi.pid")).trim())).isEqualTo(pid);
        assertThat(log()).contains("reason=graceful_signal");

        // restart: a new server process from the saved arguments.
        Run restart = apachectl("restart");
        assertThat(restart.status()).as(restart.output() + log()).isZero();
        long newPid = Long.parseLong(Files.readString(root.resolve("jwsgi.pid")).trim());
        assertThat(newPid).isNotEqualTo(pid);
        assertThat(gone(pid)).isTrue();
        int newPort = port();
        assertThat(Http.get(url(newPort, "/hello")).statusCode()).isEqualTo(200);
        assertThat(Http.get(url(newPort, "/server-status?auto")).body()).contains("ReadyProcesses: 1");

        Run stop = apachectl("stop");
        assertThat(stop.status()).as(stop.output()).isZero();
        assertThat(stop.output()).isEqualTo("jwsgi: stopped (pid " + newPid + ")\n");
        assertThat(root.resolve("jwsgi.pid")).doesNotExist();
        assertThat(gone(newPid)).isTrue();
        Run status = apachectl("status");
        assertThat(status.status()).isEqualTo(3);
        assertThat(status.output()).isEqualTo("jwsgi: not running\n");
        assertThat(log()).contains("server stopped");
    }

    @Test
    void aBrokenSavedConfigurationFailsConfigtestAndStartWithTheReason() throws Exception {
        root = dir.resolve("root");
        Run setup = run(dir, Map.of(), jwsgi("setup-server", APP.toString(), "--server-root", root.toString(),
                "--host", "127.0.0.1", "--port", "0"));
        assertThat(setup.status()).as(setup.output()).isZero();
        Path args = root.resolve("server.args");
        List<String> edited = new ArrayList<>(Files.readAllLines(args));
        edited.addAll(List.of("--processes", "none"));
        Files.write(args, edited);

        Run test = apachectl("configtest");
        assertThat(test.status()).isEqualTo(2);
        assertThat(test.output()).contains("--processes").contains("none");
        Run start = apachectl("start");
        assertThat(start.status()).as(start.output()).isEqualTo(2);
        assertThat(start.output()).contains("the server exited during start-up with status 2", "--processes");
        assertThat(root.resolve("jwsgi.pid")).doesNotExist();
    }

    @Test
    void aSocketPathTooLongForUnixIsAnErrorThatNamesSocketPath() throws Exception {
        Path deep = dir.resolve("d".repeat(60)).resolve("e".repeat(60));
        Run setup = run(dir, Map.of(), jwsgi("setup-server", APP.toString(), "--server-root", deep.toString()));
        assertThat(setup.status()).as(setup.output()).isEqualTo(2);
        assertThat(setup.output()).contains("worker socket path", "longer than the 107", "--socket-path DIR");

        Path sockets = dir.resolve("s");
        root = deep;
        Run fixed = run(dir, Map.of(), jwsgi("setup-server", APP.toString(), "--server-root", deep.toString(),
                "--socket-path", sockets.toString(), "--host", "127.0.0.1", "--port", "0"));
        assertThat(fixed.status()).as(fixed.output()).isZero();
        Run start = apachectl("start");
        assertThat(start.status()).as(start.output() + log()).isZero();
        assertThat(sockets.resolve("0.sock")).exists();
        assertThat(Http.get(url(port(), "/hello")).statusCode()).isEqualTo(200);
        assertThat(apachectl("stop").status()).isZero();
    }

    @Test
    void theDefaultServerRootIsUnderTmpdirAndStartServerSetupOnlyIsSetupServer() throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Map<String, String> env = new HashMap<>(Map.of("TMPDIR", tmp.toString()));
        Run setup = run(dir, env, jwsgi("start-server", APP.toString(), "--setup-only", "--host", "127.0.0.1",
                "--port", "0"));
        assertThat(setup.status()).as(setup.output()).isZero();
        int uid = (Integer) Files.getAttribute(tmp, "unix:uid");
        root = tmp.resolve("jwsgi-127.0.0.1:0:" + uid);
        assertThat(setup.output()).contains("Server Root        : " + root);
        assertThat(root.resolve("apachectl")).exists();
        assertThat(Files.readAllLines(root.resolve("server.args"))).doesNotContain("--setup-only");
        Run test = apachectl("configtest");
        assertThat(test.status()).as(test.output()).isZero();
    }

    /**
     * Exited: no /proc entry, or a zombie (state Z). The server was started in the background by a script that has
     * exited, so its parent is whichever process adopts orphans here, and that may not reap promptly.
     */
    static boolean gone(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true;
        }
    }

    private int port() throws IOException {
        Matcher m = READY.matcher(log());
        int port = -1;
        while (m.find()) port = Integer.parseInt(m.group(1)); // the last start's
        assertThat(port).as(log()).isPositive();
        return port;
    }

    private String log() throws IOException {
        Path out = root.resolve("jwsgi.out");
        String text = Files.exists(out) ? Files.readString(out) : "";
        Path error = root.resolve("error_log");
        return text + (Files.exists(error) ? "\n--- error_log ---\n" + Files.readString(error) : "");
    }

    private static String url(int port, String path) {
        return "http://127.0.0.1:" + port + path;
    }

    private static String awaitChange(String url, String before) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String now = Http.get(url).body();
        while (now.equals(before) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            now = Http.get(url).body();
        }
        return now;
    }
}
