package io.jwsgi.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * What the configuration is resolved against besides the arguments: environment variables ({@code TMPDIR},
 * {@code PATH}), the current directory and the user id (part of the default server root name). Passed in, never
 * read from globals inside the parser, so tests can pin every default.
 *
 * @param variables environment variables
 * @param cwd       absolute current directory: relative paths on the command line resolve against it
 * @param uid       numeric user id
 */
public record Environment(Map<String, String> variables, Path cwd, long uid) {
    public Environment {
        variables = Map.copyOf(variables);
        if (!cwd.isAbsolute()) {
            throw new IllegalArgumentException("cwd must be absolute: " + cwd);
        }
    }

    /** The running process's environment, current directory and user id. */
    public static Environment current() {
        return new Environment(System.getenv(), Path.of("").toAbsolutePath(), currentUid());
    }

    private static long currentUid() {
        // jdk.security.auth is resolved for class-path applications; Windows (no uid) is not a target platform.
        return new com.sun.security.auth.module.UnixSystem().getUid();
    }

    /** The variable's value, or null when it is unset or empty. */
    public String variable(String name) {
        String value = variables.get(name);
        return value == null || value.isEmpty() ? null : value;
    }
}
