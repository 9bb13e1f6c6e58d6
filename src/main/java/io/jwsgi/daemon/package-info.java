/**
 * The daemon side: worker processes, their channels, the per-group dispatcher and the supervisor that owns
 * every process's lifecycle. Knows nothing of HTTP or Jetty: the front end reaches it only through
 * {@link io.jwsgi.daemon.Dispatch}.
 */
package io.jwsgi.daemon;
