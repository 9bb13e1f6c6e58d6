/**
 * Watching and controlling a running server from outside (docs/operations.md): the status page
 * ({@code --server-status}), the Prometheus metrics ({@code --enable-metrics}), the load balancers' health check
 * ({@code --health-check-path}), the per-request counters they read, systemd socket activation and the pid file.
 *
 * <p>Reads the daemon side only through {@link io.jwsgi.daemon.GroupStatus} snapshots; adds nothing to the request
 * path but two striped counter increments per request. Nothing here decides anything about workers.
 */
package io.jwsgi.ops;
