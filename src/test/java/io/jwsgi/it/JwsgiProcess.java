package io.jwsgi.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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

/**
 * A real jwsgi server for integration tests: {@code java -jar target/jwsgi.jar start-server …} on
 * 127.0.0.1, port 0, its own server root, logging to the terminal (captured here). Ready when it prints
 * {@code jwsgi ready: URL} — no sleeps. {@link #output()} is what a failing test prints.
 */
public final class JwsgiProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("jwsgi ready: http://[^:]+:(\\d+)/");

    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private final Path serverRoot;

    private JwsgiProcess(Process process, Path serverRoot) {
        this.process = process;
        this.serverRoot = serverRoot;
        Thread.ofVirtual().start(this::pump);
    }

    public static Path jar() {
        String env = System.getenv("JWSGI_JAR");
        Path jar = env != null ? Path.of(env) : Path.of("target/jwsgi.jar");
        if (!Files.isRegularFile(jar)) throw new IllegalStateException("no jar at " + jar + " (run mvn package)");
        return jar;
    }

    public static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** Starts {@code start-server} with the given arguments (app path and options) and waits until ready. */
    public static JwsgiProcess start(Path serverRoot, String... args) throws IOException {
        JwsgiProcess p = launch(serverRoot, args);
        p.awaitReady(Duration.ofSeconds(60));
        return p;
    }

    /**
     * Starts {@code serve CONF} on an ephemeral port of 127.0.0.1 (the file's Listen is overridden) and waits until
     * ready; {@code extra} goes after the file (-D NAME, start-server options).
     */
    public static JwsgiProcess serve(Path serverRoot, Path conf, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-jar", jar().toString(), "serve", conf.toString()));
        cmd.addAll(List.of(extra));
        cmd.addAll(List.of("--host", "127.0.0.1", "--port", "0", "--server-root", serverRoot.toString(),
                "--log-to-terminal"));
        JwsgiProcess p = new JwsgiProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start(), serverRoot);
        p.awaitReady(Duration.ofSeconds(60));
        return p;
    }

    /**
     * Runs {@code serve CONF} (a configuration file's site) with {@code env} added to the environment (for the
     * file's {@code ${NAME}}s), {@code extra} words after the file, and waits until ready.
     */
    public static JwsgiProcess serve(Path serverRoot, Path conf, java.util.Map<String, String> env, String... extra)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-jar", jar().toString(), "serve", conf.toString()));
        cmd.addAll(List.of(extra));
        cmd.addAll(List.of("--server-root", serverRoot.toString(), "--log-to-terminal"));
        JwsgiProcess p = launchCommand(serverRoot, cmd, env);
        p.awaitReady(Duration.ofSeconds(60));
        return p;
    }

    /** Starts {@code start-server} without waiting: for tests of start-up failures. */
    public static JwsgiProcess launch(Path serverRoot, String... args) throws IOException {
        return launch(serverRoot, true, args);
    }

    /** Starts with the logs in files under the server root (as a user would run it), and waits until ready. */
    public static JwsgiProcess startLoggingToFiles(Path serverRoot, String... args) throws IOException {
        JwsgiProcess p = launch(serverRoot, false, args);
        p.awaitReady(Duration.ofSeconds(60));
        return p;
    }

    /** Runs {@code command} (something that ends up running start-server) without waiting; stdin from /dev/null. */
    public static JwsgiProcess launchCommand(Path serverRoot, List<String> command, java.util.Map<String, String> env)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        return new JwsgiProcess(pb.start(), serverRoot);
    }

    private static JwsgiProcess launch(Path serverRoot, boolean terminal, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-jar", jar().toString(), "start-server"));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--host", "127.0.0.1", "--port", "0", "--server-root", serverRoot.toString()));
        if (terminal) cmd.add("--log-to-terminal");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        return new JwsgiProcess(pb.start(), serverRoot);
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                output.append(line).append('\n');
                Matcher m = READY.matcher(line);
                if (m.find()) port.complete(Integer.parseInt(m.group(1)));
            }
        } catch (IOException e) {
            output.append("[output pump: ").append(e).append("]\n");
        } finally {
            port.completeExceptionally(new IllegalStateException("server exited before ready:\n" + output));
        }
    }

    public void awaitReady(Duration timeout) {
        try {
            port.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("server not ready: " + e.getMessage() + "\n--- output ---\n" + output, e);
        }
    }

    public int port() {
        return port.join();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    public String output() {
        return output.toString();
    }

    public Process process() {
        return process;
    }

    public Path serverRoot() {
        return serverRoot;
    }

    /** Worker process pids (the server's children). */
    public List<Long> workerPids() {
        return process.toHandle().descendants().map(ProcessHandle::pid).toList();
    }

    /** Waits for the process to exit; returns its status. */
    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("server did not exit within " + timeout + "\n" + output);
        }
        // Give the pump a moment to drain the final lines.
        for (int i = 0; i < 50 && process.toHandle().isAlive(); i++) Thread.sleep(10);
        return process.exitValue();
    }

    /** Waits until the output contains {@code text} (log lines arrive asynchronously). */
    public boolean awaitOutput(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (output.indexOf(text) >= 0) return true;
            Thread.sleep(20);
        }
        return output.indexOf(text) >= 0;
    }

    /** SIGTERM, then wait; SIGKILL if it does not stop in time (the test then fails on its own assertions). */
    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> children = process.toHandle().descendants().toList();
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
        }
    }
}
