/**
 * The Jetty 12 front end: the WSGI mount handler, the environ built from a Jetty request, the exchange that
 * relays one request over a worker channel, and {@link io.jwsgi.frontend.Failure}, the one place where
 * failures become HTTP statuses once a worker is involved. What a client may send and how slowly (the request-head
 * checks and limits, the read timeouts, reading small bodies ahead) is {@link io.jwsgi.frontend.RequestIntake},
 * {@link io.jwsgi.frontend.ReadTimeouts} and the connection they go with; their refusals (400, 408, 414, 431) take
 * Jetty's own error path, before any worker. Reaches the daemon side only through {@link io.jwsgi.daemon.Dispatch}.
 */
package io.jwsgi.frontend;
