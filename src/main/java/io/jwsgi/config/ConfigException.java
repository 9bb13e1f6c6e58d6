package io.jwsgi.config;

/**
 * A configuration or usage error: a bad value, an unknown option, a missing script or interpreter. The message
 * names the setting, the value and what is wrong ({@code --processes: 'abc' is not a whole number}); the CLI
 * prints it as {@code jwsgi: <message>} and exits with status 2 without starting anything.
 */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
