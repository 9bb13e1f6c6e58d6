package io.jwsgi.daemon;

/** A worker process exited before it became ready while the server was starting (exit code 3). */
public final class WorkerBootException extends RuntimeException {
    public WorkerBootException(String message) {
        super(message);
    }
}
