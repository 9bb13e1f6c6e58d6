/**
 * Authentication and the Python access and auth hooks (docs/auth-hooks.md): the per-request gate that runs
 * {@code WSGIAccessScript}, HTTP Basic and Digest authentication against {@code WSGIAuthUserScript}, and the
 * {@code Require} decision with {@code WSGIAuthGroupScript}'s groups ({@link io.jwsgi.auth.AuthGate}); the client
 * that carries a hook call to the hook process group as an ordinary request ({@link io.jwsgi.auth.Hooks}); Digest
 * nonces ({@link io.jwsgi.auth.DigestNonces}). Front-end code: it sees Jetty requests and the daemon side only
 * through {@link io.jwsgi.daemon.Dispatch}. The directives themselves are read in {@code io.jwsgi.site}.
 */
package io.jwsgi.auth;
