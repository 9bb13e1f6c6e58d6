/**
 * The front end's edge: what a connection or a request head must be before anything else in the server sees it.
 * The PROXY protocol on the listeners ({@link io.jwsgi.edge.ProxyProtocolGate}, {@link io.jwsgi.edge.ProxiedTls})
 * and the request-target, Host and method rules Jetty's parser leaves open ({@link io.jwsgi.edge.HeadRules},
 * {@link io.jwsgi.edge.Authority}). See docs/behind-a-proxy.md and docs/http-parsing.md.
 *
 * <p>Built from Jetty's own pieces (its PROXY protocol connection factory, its parser's events); nothing here
 * knows about handlers, workers or the site model, and nothing here depends on {@code io.jwsgi.frontend}.
 */
package io.jwsgi.edge;
