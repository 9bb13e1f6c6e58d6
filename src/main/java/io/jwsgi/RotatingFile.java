package io.jwsgi;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A log file that rotates by size (what mod_wsgi-express's {@code --rotate-logs} gets from Apache's rotatelogs,
 * done in the JVM): once the file has reached {@code maxBytes}, the next write that starts a line first renames
 * it {@code NAME.1}, shifting older files up ({@code NAME.1} to {@code NAME.2}, ...) and deleting the one past
 * {@code maxFiles}, then opens a new {@code NAME}. Rotating only at a line boundary keeps every line whole in one
 * file (a {@link java.io.PrintStream} writes a line's text and its newline separately), at the cost of
 * overshooting the size by at most one line.
 *
 * <p>Every write goes straight to the file (no buffering: a crash loses nothing already logged), under this
 * object's lock, so the error log's writers (every logger, the worker output pumps) and the access log never
 * interleave within a write. Created with {@code maxBytes = Long.MAX_VALUE} it is a plain appending file.
 */
final class RotatingFile extends OutputStream {
    private final Path path;
    private final long maxBytes;
    private final int maxFiles;
    private FileOutputStream out;
    private long size;
    private boolean atLineStart = true;

    RotatingFile(Path path, long maxBytes, int maxFiles) throws IOException {
        this.path = path;
        this.maxBytes = maxBytes;
        this.maxFiles = maxFiles;
        open();
    }

    /** An appending file that never rotates. */
    static RotatingFile plain(Path path) throws IOException {
        return new RotatingFile(path, Long.MAX_VALUE, 0);
    }

    private void open() throws IOException {
        out = new FileOutputStream(path.toFile(), true);
        size = Files.size(path);
    }

    @Override
    public synchronized void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        if (len == 0) return;
        if (atLineStart && size >= maxBytes) rotateOrCarryOn();
        out.write(b, off, len);
        size += len;
        atLineStart = b[off + len - 1] == '\n';
    }

    /** Writes {@code line} and a newline in one write (the access log's entries). */
    void writeLine(String line) throws IOException {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        write(bytes, 0, bytes.length);
    }

    /** A rotation that fails (a rename refused) leaves the log writing on, to the same file, and says so once. */
    private void rotateOrCarryOn() throws IOException {
        try {
            rotate();
        } catch (IOException e) {
            if (!out.getChannel().isOpen()) open();
            size = 0; // try again after another maxBytes rather than on every line
            byte[] note = ("jwsgi: log rotation of " + path + " failed: " + e + "\n").getBytes(StandardCharsets.UTF_8);
            out.write(note);
        }
    }

    private void rotate() throws IOException {
        out.close();
        Files.deleteIfExists(numbered(maxFiles));
        for (int n = maxFiles - 1; n >= 1; n--) {
            Path older = numbered(n);
            if (Files.exists(older)) Files.move(older, numbered(n + 1), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(path, numbered(1), StandardCopyOption.REPLACE_EXISTING);
        open();
    }

    private Path numbered(int n) {
        return path.resolveSibling(path.getFileName() + "." + n);
    }

    @Override
    public synchronized void flush() throws IOException {
        out.flush();
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
