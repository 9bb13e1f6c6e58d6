/**
 * The Jetty 12 front end: the WSGI mount handler, the environ built from a Jetty request, the exchange that
 * relays one request over a worker channel, and {@link io.jwsgi.frontend.Failure}, the one place where
 * failures become HTTP statuses. Reaches the daemon side only through {@link io.jwsgi.daemon.Dispatch}.
 * Around the mount, when configured: static files ({@link io.jwsgi.frontend.StaticFiles}, one
 * {@code StaticMount} per alias and document root) and response compression
 * ({@link io.jwsgi.frontend.ResponseCompression}); docs/static-files.md.
 */
package io.jwsgi.frontend;
