/**
 * Configuration: the catalogue of {@code start-server} settings ({@link io.jwsgi.config.StartServerSettings},
 * each option declared once as a {@link io.jwsgi.config.Setting}), the command-line parser built from it, and
 * the immutable {@link io.jwsgi.config.ServerConfig} the server receives.
 *
 * <p>Pure values and checks on the file system (does the script exist, is the interpreter executable): no
 * Jetty, no processes, no sockets, no logging, nothing created on disk. The environment, current directory and
 * uid come in through {@link io.jwsgi.config.Environment}, never from globals, so every default is testable.
 * Presentation of the catalogue ({@code --help}, {@code docs/settings.md}) lives in {@code io.jwsgi.cli}.
 */
package io.jwsgi.config;
