package io.jwsgi.it;

import static io.jwsgi.it.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mod_wsgi-express's debugging family end to end (docs/debugging.md): debug mode's single process on the
 * server's terminal, pdb under a real terminal (tmux), per-request cProfile files, coverage.py with Debian's
 * python3-coverage, the request recorder, and gdb attached to the worker.
 */
class DebuggingIT {
    static final Path APP = Path.of("src/test/resources/apps/debugging_app.py").toAbsolutePath();
    /** Debian's interpreter, the one python3-coverage is installed for. */
    static final String DEBIAN_PYTHON = "/usr/bin/python3";
    private static final Pattern READY = Pattern.compile("jwsgi ready: http://127\\.0\\.0\\.1:(\\d+)/");

    @TempDir
    Path root;

    @Test
    void debugModeRunsOneSingleThreadedWorkerOnTheServersOwnStdinAndStdout() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("server"), APP.toString(), "--debug-mode",
                "--processes", "3", "--threads", "4", "--request-timeout", "1")) {
            String process = Http.get(server.url("/process")).body();

            assertThat(server.workerPids()).hasSize(1);
            assertThat(process).contains("\"multiprocess\": false", "\"multithread\": false",
                    "\"debug_mode\": \"true\"");
            long jvm = server.process().pid();
            assertThat(process).contains("\"stdin\": \"" + Files.readSymbolicLink(fd(jvm, 0)) + "\"",
                    "\"stdout\": \"" + Files.readSymbolicLink(fd(jvm, 1)) + "\"");
            // What the application prints reaches the terminal as it is, not the error log with a worker prefix.
            assertThat(Http.get(server.url("/print")).statusCode()).isEqualTo(200);
            eventually(Duration.ofSeconds(30), () -> assertThat(server.output().lines())
                    .contains("printed by the application to stdout"));
            // Reloading is off (so no monitor runs in the worker); the debugging tools are not on.
            String workerConfig = Files.readString(server.serverRoot().resolve("worker-0.json"));
            assertThat(workerConfig).contains("\"script_reloading\": false", "\"debug_mode\": true",
                    "\"enable_debugger\": false", "\"profiler_directory\": null");
            // --request-timeout is off: a request longer than it still gets its answer.
            assertThat(Http.get(server.url("/sleep?2.5")).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theLauncherIgnoresIsattyInDebugModeBecauseTheWorkerNeedsTheTerminal() throws Exception {
        List<String> cmd = List.of(Path.of("jwsgi").toAbsolutePath().toString(), "start-server", APP.toString(),
                "--isatty", "--enable-debugger", "--host", "127.0.0.1", "--port", "0", "--server-root",
                root.resolve("server").toString(), "--log-to-terminal");
        try (JwsgiProcess server = JwsgiProcess.launchCommand(root, cmd, java.util.Map.of())) {
            server.awaitReady(Duration.ofSeconds(120));

            assertThat(server.output()).contains("jwsgi: --isatty ignored in debug mode");
            // exec'ed, as without --isatty: the launcher's pid is the server's
            assertThat(server.output()).contains("(pid " + server.process().pid() + ")");
        }
    }

    @Test
    void theDebuggerStopsAtStartupAndThenPostMortemOnTheTerminalAndTheRequestEndsWith500() throws Exception {
        try (Terminal terminal = new Terminal(root, "--enable-debugger", "--debugger-startup")) {
            // --debugger-startup: pdb before the application loads, so the server is not ready yet.
            eventually(Duration.ofSeconds(60), () -> assertThat(terminal.screen()).contains("(Pdb)"));
            assertThat(terminal.screen()).doesNotContain("jwsgi ready");
            terminal.type("c");
            int port = terminal.port();

            CompletableFuture<HttpResponse<String>> boom = CompletableFuture.supplyAsync(() -> {
                try {
                    return Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/boom"))
                            .timeout(Duration.ofMinutes(5)).build());
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            eventually(Duration.ofSeconds(30), () -> assertThat(terminal.screen())
                    .contains("debugging_app.py", "-> raise ValueError('boom with ' + secret)"));
            eventually(Duration.ofSeconds(10), () -> assertThat(terminal.screen()).endsWith("(Pdb)"));
            terminal.type("p secret");
            eventually(Duration.ofSeconds(30), () -> assertThat(terminal.screen()).contains("'forty-two'"));
            assertThat(boom).isNotDone(); // the request waits for the developer

            terminal.type("c");
            assertThat(boom.get(30, TimeUnit.SECONDS).statusCode()).as(terminal.screen()).isEqualTo(500);
            assertThat(Http.get("http://127.0.0.1:" + port + "/x").body()).isEqualTo("echo:");

            terminal.press("C-c"); // the terminal's Ctrl-C stops the server (and the worker: it is on the terminal)
            eventually(Duration.ofSeconds(60), () -> assertThat(terminal.exited()).isTrue());
            assertThat(terminal.exitStatus()).as(terminal.screen()).isZero();
        }
    }

    @Test
    void theProfilerWritesOnePstatsFilePerRequestThatPstatsLoads() throws Exception {
        Path directory = root.resolve("profiles");
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("server"), APP.toString(), "--enable-profiler",
                "--profiler-directory", directory.toString())) {
            assertThat(Http.get(server.url("/one")).body()).isEqualTo("echo:");
            assertThat(Http.get(server.url("/two")).body()).isEqualTo("echo:");
            List<Path> files = list(directory);

            assertThat(files).hasSize(2);
            long pid = server.workerPids().getFirst();
            for (Path file : files) {
                assertThat(file.getFileName().toString()).matches("\\d{16}-" + pid + "\\.pstats");
                String functions = run(DEBIAN_PYTHON, "-c",
                        "import pstats, sys; print(sorted(k[2] for k in pstats.Stats(sys.argv[1]).stats))",
                        file.toString());
                assertThat(functions).contains("'application'");
            }
        }
    }

    @Test
    void coverageIsSavedWhenTheWorkerExitsAndPython3CoverageReportsTheApplication() throws Exception {
        Path directory = root.resolve("coverage");
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("server"), APP.toString(), "--python",
                DEBIAN_PYTHON, "--enable-coverage", "--coverage-directory", directory.toString())) {
            assertThat(Http.get(server.url("/x")).body()).isEqualTo("echo:");
            assertThat(directory.resolve(".coverage")).doesNotExist(); // written at exit, not before

            server.process().toHandle().destroy(); // SIGTERM, keeping the output stream open to read the end
            assertThat(server.waitFor(Duration.ofSeconds(60))).isZero();
            assertThat(server.output()).contains("coverage data saved");
        }
        String report = run("python3-coverage", "report", "--data-file=" + directory.resolve(".coverage"));

        // (coverage shows paths relative to its current directory, this repository)
        assertThat(report).contains("src/test/resources/apps/debugging_app.py").doesNotContain("jwsgi/adapter.py");
        assertThat(directory.resolve("index.html")).isRegularFile(); // express's HTML report too
    }

    @Test
    void coverageOnAnInterpreterWithoutItFailsTheStartNamingTheInterpreterAndWhatToInstall() throws Exception {
        Path venv = root.resolve("venv"); // Debian's Python without its dist-packages: no coverage module
        run(DEBIAN_PYTHON, "-m", "venv", "--without-pip", venv.toString());
        String python = venv.resolve("bin/python3").toString();
        JwsgiProcess server = JwsgiProcess.launch(root.resolve("server"), APP.toString(), "--python", python,
                "--enable-coverage");

        assertThat(server.waitFor(Duration.ofSeconds(60))).isEqualTo(3);
        assertThat(server.output()).contains("--enable-coverage: the worker interpreter " + python
                + " cannot import coverage", "python3-coverage");
    }

    @Test
    void theRecorderWritesTheRequestAndTheResponseOfEachRequest() throws Exception {
        Path directory = root.resolve("archive");
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("server"), APP.toString(), "--enable-recorder",
                "--recorder-directory", directory.toString())) {
            HttpResponse<String> posted = Http.send(HttpRequest.newBuilder(URI.create(server.url("/recorded?q=1")))
                    .POST(HttpRequest.BodyPublishers.ofString("posted body")).build());
            assertThat(posted.body()).isEqualTo("echo:posted body");
            assertThat(Http.get(server.url("/boom")).statusCode()).isEqualTo(500);

            long pid = server.workerPids().getFirst();
            String first = prefix(directory, pid, 1);
            assertThat(read(directory, first + ".iheaders")).contains("'PATH_INFO': '/recorded'",
                    "'QUERY_STRING': 'q=1'", "'REQUEST_METHOD': 'POST'");
            assertThat(read(directory, first + ".icontent")).isEqualTo("posted body");
            assertThat(read(directory, first + ".oheaders"))
                    .isEqualTo("('200 OK', [('Content-Type', 'text/plain')])\n");
            assertThat(read(directory, first + ".ocontent")).isEqualTo("echo:posted body");
            assertThat(read(directory, first + ".oaexcept")).isEmpty();
            String second = prefix(directory, pid, 2);
            assertThat(read(directory, second + ".oaexcept")).contains("ValueError: boom with forty-two");
            assertThat(read(directory, second + ".oheaders")).isEmpty();
        }
    }

    @Test
    void gdbIsAttachedToTheWorkerBeforeItServesAndShowsACrash() throws Exception {
        try (JwsgiProcess server = JwsgiProcess.start(root.resolve("server"), APP.toString(), "--enable-gdb",
                "--log-level", "info")) {
            assertThat(Http.get(server.url("/x")).body()).isEqualTo("echo:");
            long worker = server.workerPids().stream()
                    .filter(pid -> ProcessHandle.of(pid).flatMap(p -> p.parent()).map(ProcessHandle::pid)
                            .orElse(-1L) == server.process().pid())
                    .findFirst().orElseThrow();
            long tracer = tracerPid(worker);

            assertThat(tracer).isNotZero();
            assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(tracer), "exe")).toString())
                    .endsWith("gdb");
            assertThat(server.output()).contains("gdb attached pid=" + worker);

            // A crash in C: gdb (in batch mode, no terminal here) shows it with the C stacks, the process dies and
            // is replaced, under gdb again.
            assertThat(Http.get(server.url("/crash")).statusCode()).isEqualTo(502);
            eventually(Duration.ofSeconds(60), () -> assertThat(server.output())
                    .contains("received signal SIGSEGV", "in _start ()"));
            eventually(Duration.ofSeconds(60), () -> assertThat(Http.get(server.url("/x")).body()).isEqualTo("echo:"));
            assertThat(server.output()).containsPattern("gdb attached pid=(?!" + worker + "\\b)\\d+");
        }
    }

    @Test
    void aMissingGdbIsAClearErrorBeforeAnythingStarts() throws Exception {
        JwsgiProcess server = JwsgiProcess.launch(root.resolve("server"), APP.toString(), "--enable-gdb",
                "--gdb-executable", "/nonexistent/gdb");

        assertThat(server.waitFor(Duration.ofSeconds(60))).isEqualTo(2);
        assertThat(server.output()).contains("--enable-gdb: gdb '/nonexistent/gdb' (--gdb-executable) is not an "
                + "executable file");
    }

    private static Path fd(long pid, int fd) {
        return Path.of("/proc", Long.toString(pid), "fd", Integer.toString(fd));
    }

    private static long tracerPid(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("TracerPid:")) return Long.parseLong(line.substring(10).trim());
        }
        throw new IllegalStateException("no TracerPid for " + pid);
    }

    private static List<Path> list(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.sorted().toList();
        }
    }

    /** The file name prefix of the recorder's {@code count}th request of worker {@code pid}. */
    private static String prefix(Path directory, long pid, int count) throws IOException {
        Pattern name = Pattern.compile("(\\d{16}-" + pid + "-" + count + ")\\.iheaders");
        for (Path file : list(directory)) {
            Matcher m = name.matcher(file.getFileName().toString());
            if (m.matches()) return m.group(1);
        }
        throw new AssertionError("no recording " + count + " of pid " + pid + " in " + list(directory));
    }

    private static String read(Path directory, String name) throws IOException {
        return Files.readString(directory.resolve(name), StandardCharsets.UTF_8);
    }

    /** Runs a command to completion; returns its output, failing on a non-zero exit. */
    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed:\n" + output);
        }
        return output;
    }

    /**
     * The server in a real terminal: a detached tmux session on a private tmux server of this test, whose pane
     * stays after the server exits so its last words can still be read.
     */
    static final class Terminal implements AutoCloseable {
        private final String socket = "jwsgi-debugging-it-" + ProcessHandle.current().pid();
        private final String session = "server";

        Terminal(Path root, String... options) throws IOException, InterruptedException {
            List<String> server = new ArrayList<>(List.of(JwsgiProcess.java(), "-jar",
                    JwsgiProcess.jar().toAbsolutePath().toString(), "start-server", APP.toString()));
            server.addAll(List.of(options));
            server.addAll(List.of("--host", "127.0.0.1", "--port", "0", "--server-root",
                    root.resolve("server").toString(), "--log-to-terminal"));
            tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "50");
            tmux("set-option", "-t", session, "remain-on-exit", "on");
            List<String> respawn = new ArrayList<>(List.of("respawn-pane", "-k", "-t", session));
            // bash waits out a Ctrl-C its child handles and then says how the server ended
            respawn.add("bash -c " + quote(String.join(" ", server.stream().map(Terminal::quote).toList())
                    + "; echo \"server exit status $?\""));
            tmux(respawn.toArray(String[]::new));
        }

        /** Everything the terminal has shown, wrapped lines joined, trailing blank lines dropped. */
        String screen() throws IOException, InterruptedException {
            return tmux("capture-pane", "-p", "-J", "-S", "-", "-t", session).stripTrailing();
        }

        /** Types {@code line} and Enter. */
        void type(String line) throws IOException, InterruptedException {
            tmux("send-keys", "-t", session, "-l", line);
            tmux("send-keys", "-t", session, "Enter");
        }

        void press(String key) throws IOException, InterruptedException {
            tmux("send-keys", "-t", session, key);
        }

        /** Whether the server has exited (its pane is dead). */
        boolean exited() throws IOException, InterruptedException {
            return tmux("display-message", "-p", "-t", session, "#{pane_dead}").strip().equals("1");
        }

        /** The server's exit status, once it has exited. */
        int exitStatus() throws Exception {
            Matcher m = Pattern.compile("server exit status (\\d+)").matcher(screen());
            assertThat(m.find()).as(screen()).isTrue();
            return Integer.parseInt(m.group(1));
        }

        int port() throws Exception {
            int[] port = new int[1];
            eventually(Duration.ofSeconds(60), () -> {
                Matcher m = READY.matcher(screen());
                assertThat(m.find()).as(screen()).isTrue();
                port[0] = Integer.parseInt(m.group(1));
            });
            return port[0];
        }

        private String tmux(String... args) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(List.of("tmux", "-L", socket));
            command.addAll(List.of(args));
            return run(command.toArray(String[]::new));
        }

        private static String quote(String word) {
            return "'" + word.replace("'", "'\\''") + "'";
        }

        @Override
        public void close() throws Exception {
            try {
                if (!exited()) {
                    // Ctrl-C, as a developer stops it; killing the tmux server would send SIGHUP, a restart.
                    press("C-c");
                    eventually(Duration.ofSeconds(60), () -> assertThat(exited()).isTrue());
                }
            } finally {
                System.out.println("--- terminal ---\n" + screen());
                tmux("kill-server");
            }
        }
    }
}
