/**
 * How the front end stops without losing a request (docs/lifecycle.md "Stopping: the drain"): the drain's state,
 * which the health check and {@link io.jwsgi.drain.DrainHandler} read, and the sequence {@link io.jwsgi.drain.Drain}
 * runs on SIGTERM — health check 503 and {@code Connection: close} at once, the listener open for --drain-delay,
 * then closed, the requests still running given --shutdown-timeout, and those left after it answered and logged.
 * Jetty's own graceful shutdown does the closing and the waiting; nothing here touches the worker processes, which
 * the supervisor stops afterwards.
 */
package io.jwsgi.drain;
