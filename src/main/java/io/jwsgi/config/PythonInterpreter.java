package io.jwsgi.config;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Finds the Python executable the workers run. The result is absolute but symbolic links are deliberately not
 * followed: a virtual environment's {@code bin/python3} is a link to the base interpreter, and Python finds the
 * venv (its {@code pyvenv.cfg}) only when started through the link.
 */
public final class PythonInterpreter {
    private static final String DEFAULT_NAME = "python3";

    private PythonInterpreter() {}

    /**
     * @param requested  the {@code --python} value, or null when not given
     * @param pythonHome absolute {@code --python-home}, or null
     */
    static Path locate(String requested, Path pythonHome, Environment environment) {
        if (requested != null) {
            return named(requested, environment, "(--python)");
        }
        if (pythonHome != null) {
            return List.of("python3", "python").stream()
                    .map(name -> pythonHome.resolve("bin").resolve(name))
                    .filter(PythonInterpreter::isExecutableFile)
                    .findFirst()
                    .orElseThrow(() -> new ConfigException("python interpreter not found: no bin/python3 or "
                            + "bin/python in " + pythonHome + " (--python-home)"));
        }
        return named(DEFAULT_NAME, environment, "(the default; install Python 3 or give --python)");
    }

    /** The interpreter a {@code --python} value names (null: python3 on PATH); raises ConfigException. */
    public static Path locate(String requested, Environment environment) {
        return locate(requested, null, environment);
    }

    private static Path named(String name, Environment environment, String origin) {
        Optional<Path> found = name.contains("/") ? asPath(name, environment) : onPath(name, environment);
        return found.orElseThrow(() -> new ConfigException("python interpreter not found: " + name + " " + origin));
    }

    private static Optional<Path> asPath(String name, Environment environment) {
        Path path;
        try {
            path = environment.cwd().resolve(name).normalize();
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        if (Files.exists(path) && !isExecutableFile(path)) {
            throw new ConfigException("python interpreter is not an executable file: " + path + " (--python)");
        }
        return Optional.of(path).filter(PythonInterpreter::isExecutableFile);
    }

    private static Optional<Path> onPath(String name, Environment environment) {
        String searchPath = environment.variable("PATH");
        if (searchPath == null) {
            return Optional.empty();
        }
        for (String directory : searchPath.split(File.pathSeparator, -1)) {
            // An empty PATH entry means the current directory, as in a POSIX shell.
            Path dir = directory.isEmpty() ? environment.cwd() : environment.cwd().resolve(directory);
            Path candidate = dir.resolve(name);
            if (isExecutableFile(candidate)) {
                return Optional.of(candidate.normalize());
            }
        }
        return Optional.empty();
    }

    private static boolean isExecutableFile(Path path) {
        return Files.isRegularFile(path) && Files.isExecutable(path);
    }
}
