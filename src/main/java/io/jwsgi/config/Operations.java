package io.jwsgi.config;

import java.nio.file.Path;

/**
 * How the server is watched and controlled from outside: the status page, the metrics and health endpoints, where
 * the worker sockets and the pid file live, and whether the listening socket was handed over by systemd
 * or is shared with another server (SO_REUSEPORT). See
 * docs/operations.md.
 *
 * @param serverStatus     serve /server-status (loopback clients only)
 * @param metricsPath      URL path of the Prometheus metrics, or null when they are off
 * @param healthCheckPath  URL path of the health check, or null when it is off
 * @param socketDirectory  absolute directory of the worker channel sockets
 * @param pidFile          absolute path of the pid file
 * @param setupOnly        write the server root and control script, do not start
 * @param socketActivation serve on the socket systemd passed as file descriptor 3 (LISTEN_FDS=1, LISTEN_PID = this
 *                         process) instead of binding --host/--port
 * @param reusePort        bind the listeners with SO_REUSEPORT, so a new server can bind beside a draining one
 * @param drainDelay       after SIGTERM, how long new connections are still accepted (health check 503, every
 *                         response "Connection: close") before the listener closes; zero closes it at once
 */
public record Operations(
        boolean serverStatus,
        String metricsPath,
        String healthCheckPath,
        Path socketDirectory,
        Path pidFile,
        boolean setupOnly,
        boolean socketActivation,
        boolean reusePort,
        java.time.Duration drainDelay) {

    /** The URL path of the status page (fixed, as in mod_wsgi-express). */
    public static final String SERVER_STATUS_PATH = "/server-status";

    /** The first file descriptor systemd passes (SD_LISTEN_FDS_START). */
    public static final int LISTEN_FDS_START = 3;
}
