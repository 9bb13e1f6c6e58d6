package io.jwsgi.daemon;

import java.io.IOException;

/** Starts the OS process for a worker slot. Injected so the supervisor's policies run with fakes in tests. */
@FunctionalInterface
public interface WorkerLauncher {
    Process launch(int slot) throws IOException;
}
