package io.jwsgi.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The pid file: written once the server is ready (so its presence means "serving"), removed when it stops. */
public final class PidFile {
    private PidFile() {}

    /** Writes this process's pid, atomically (a reader never sees a half-written file). */
    public static void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, ProcessHandle.current().pid() + "\n");
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Removes the file if it still names this process (a newer server may have replaced it). */
    public static void remove(Path file) {
        try {
            if (Files.readString(file).trim().equals(Long.toString(ProcessHandle.current().pid()))) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            // Already gone, or unreadable: nothing of ours to remove.
        }
    }
}
