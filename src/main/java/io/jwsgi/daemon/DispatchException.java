package io.jwsgi.daemon;

/** Why no worker thread could take a request. The front end maps each kind to a status in one place. */
public final class DispatchException extends Exception {
    public enum Kind {
        /** More requests waiting than {@code daemon-backlog}. */
        QUEUE_FULL,
        /** Waited {@code queue-timeout} without an idle worker thread. */
        QUEUE_TIMEOUT,
        /** No worker process was ready within {@code connect-timeout}. */
        NO_WORKER,
        /** No process is READY because the group's application failed to load (the replacement is backing off). */
        APPLICATION_NOT_LOADED,
        /** The server is stopping. */
        STOPPING
    }

    private final Kind kind;

    public DispatchException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
