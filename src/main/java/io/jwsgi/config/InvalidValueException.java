package io.jwsgi.config;

/**
 * Thrown by a {@link ValueType} when one raw value is unacceptable. The message says only what is wrong with
 * the value; the command-line parser adds the flag and rethrows it as a {@link ConfigException}.
 */
public final class InvalidValueException extends RuntimeException {
    public InvalidValueException(String message) {
        super(message);
    }
}
