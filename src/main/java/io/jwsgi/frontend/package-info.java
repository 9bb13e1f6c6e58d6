/**
 * The Jetty 12 front end: the WSGI mount handler, the environ built from a Jetty request, the exchange that
 * relays one request over a worker channel, and {@link io.jwsgi.frontend.Failure}, the one place where
 * failures become HTTP statuses, the access log ({@link io.jwsgi.frontend.AccessLog}) and the trusted-proxy
 * rewrite of requests ({@link io.jwsgi.frontend.TrustedProxies}). Reaches the daemon side only through
 * {@link io.jwsgi.daemon.Dispatch}.
 */
package io.jwsgi.frontend;
