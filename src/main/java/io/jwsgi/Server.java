package io.jwsgi;

import io.jwsgi.config.ServerConfig;

/** Placeholder: the assembled server (front end + daemon side). Filled in by the daemon/frontend work. */
public final class Server {
    private Server() {}

    /** Runs the server in the foreground until it is stopped; returns the process exit code. */
    public static int run(ServerConfig config) {
        throw new UnsupportedOperationException("not yet");
    }
}
