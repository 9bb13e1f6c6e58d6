package io.jwsgi.daemon;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/** A worker process the test controls: its pid, its output, when it exits and with what status. */
class FakeProcess extends Process {
    private static final AtomicLong NEXT_PID = new AtomicLong(900_000);

    private final long pid = NEXT_PID.incrementAndGet();
    private final CompletableFuture<Process> exit = new CompletableFuture<>();
    private final PipedOutputStream output = new PipedOutputStream();
    private final PipedInputStream input;
    private volatile int status = -1;
    volatile boolean terminated;
    volatile boolean killed;

    FakeProcess() {
        try {
            input = new PipedInputStream(output);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    void exit(int code) {
        status = code;
        try {
            output.close();
        } catch (IOException ignored) {
            // The pump sees EOF either way.
        }
        exit.complete(this);
    }

    void print(String line) throws IOException {
        output.write((line + "\n").getBytes());
        output.flush();
    }

    @Override public long pid() { return pid; }
    @Override public OutputStream getOutputStream() { return OutputStream.nullOutputStream(); }
    @Override public InputStream getInputStream() { return input; }
    @Override public InputStream getErrorStream() { return new ByteArrayInputStream(new byte[0]); }
    @Override public int waitFor() { return exit.join().exitValue(); }
    @Override public CompletableFuture<Process> onExit() { return exit; }
    @Override public boolean isAlive() { return !exit.isDone(); }

    @Override
    public int exitValue() {
        if (!exit.isDone()) throw new IllegalThreadStateException("running");
        return status;
    }

    @Override
    public void destroy() {
        terminated = true;
        exit(0);
    }

    @Override
    public Process destroyForcibly() {
        killed = true;
        exit(137);
        return this;
    }
}
