/**
 * The {@code jwsgi} command line: {@link io.jwsgi.cli.Main} (the jar's Main-Class) chooses the subcommand,
 * parses {@code start-server} arguments through {@code io.jwsgi.config} and hands the resulting
 * {@code ServerConfig} to {@code io.jwsgi.Server.run}; it also renders {@code --help} and
 * {@code docs/settings.md} from the settings catalogue and maps failures to the documented exit codes.
 *
 * <p>No option is declared here (they live in {@code StartServerSettings}), no value is validated here, and no
 * server logic lives here: Main stays a dispatcher.
 */
package io.jwsgi.cli;
