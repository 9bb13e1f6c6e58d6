package io.jwsgi.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A pinned environment under a temporary directory: {@code project/} is the current directory and holds
 * {@code app.py}; {@code bin/python3} is a fake interpreter on PATH; TMPDIR is {@code tmp/}; uid is 1234.
 */
final class TestEnvironment {
    final Path root;
    final Path cwd;
    final Path bin;
    final Path script;
    final Map<String, String> variables = new HashMap<>();

    TestEnvironment(Path root) {
        this.root = root;
        this.cwd = root.resolve("project");
        this.bin = root.resolve("bin");
        this.script = cwd.resolve("app.py");
        try {
            Files.createDirectories(cwd);
            Files.createDirectories(root.resolve("tmp"));
            Files.writeString(script, "def application(environ, start_response): pass\n");
            executable(bin.resolve("python3"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        variables.put("PATH", bin.toString());
        variables.put("TMPDIR", root.resolve("tmp").toString());
    }

    Environment environment() {
        return new Environment(variables, cwd, 1234);
    }

    ServerConfig parse(String... args) {
        return ServerConfig.parse(List.of(args), environment());
    }

    /** {@code args} after the script, so tests can vary just the options. */
    ServerConfig parseWithScript(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addFirst(script.toString());
        return ServerConfig.parse(all, environment());
    }

    static Path executable(Path path) throws IOException {
        Files.createDirectories(path.getParent());
        Files.writeString(path, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
        return path;
    }
}
