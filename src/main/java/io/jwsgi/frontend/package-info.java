/**
 * The Jetty 12 front end: the WSGI mount handler, the environ built from a Jetty request, the exchange that
 * relays one request over a worker channel, and {@link io.jwsgi.frontend.Failure}, the one place where
 * failures become HTTP statuses, and the reverse proxy in front of the WSGI handler ({@link
 * io.jwsgi.frontend.ReverseProxy}, with {@link io.jwsgi.frontend.WebSocketTunnel}). Reaches the daemon side only through
 * {@link io.jwsgi.daemon.Dispatch}.
 */
package io.jwsgi.frontend;
