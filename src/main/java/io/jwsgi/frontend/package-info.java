/**
 * The Jetty 12 front end: the WSGI mount handler, the environ built from a Jetty request, the exchange that
 * relays one request over a worker channel, and {@link io.jwsgi.frontend.Failure}, the one place where
 * failures become HTTP statuses once a worker is involved, the access log ({@link io.jwsgi.frontend.AccessLog}) and
 * the trusted-proxy rewrite of requests ({@link io.jwsgi.frontend.TrustedProxies}). What a client may send and how
 * slowly (the request-head checks and limits, the read timeouts, reading small bodies ahead) is {@link
 * io.jwsgi.frontend.RequestIntake}, {@link io.jwsgi.frontend.ReadTimeouts} and the connection they go with; their
 * refusals (400, 408, 414, 431) take Jetty's own error path, before any worker. {@link io.jwsgi.frontend.Listeners}
 * builds the listeners (HTTP/1.1, HTTPS, HTTP/2) and the handlers that go with TLS (docs/tls.md); the reverse proxy
 * in front of the WSGI handler is {@link io.jwsgi.frontend.ReverseProxy}, with {@link
 * io.jwsgi.frontend.WebSocketTunnel}. Around the mount, when configured: static files ({@link
 * io.jwsgi.frontend.StaticFiles}, one {@code StaticMount} per alias and document root) and response compression
 * ({@link io.jwsgi.frontend.ResponseCompression}); docs/static-files.md. Reaches the daemon side only through {@link
 * io.jwsgi.daemon.Dispatch}.
 */
package io.jwsgi.frontend;
