package io.jwsgi.daemon;

import io.jwsgi.config.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The Python worker runtime shipped inside the jar ({@code python/jwsgi/*.py}): extracted into the server
 * root at start, configured with a JSON file, and launched as {@code <python> <root>/python/jwsgi/worker.py}.
 */
public final class WorkerRuntime {
    private static final String PREFIX = "python/";

    private WorkerRuntime() {}

    /** Copies the runtime into {@code dest} (replacing an older copy); returns the worker script's path. */
    public static Path extract(Path dest) throws IOException {
        Path source;
        try {
            source = Path.of(WorkerRuntime.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException("cannot locate the jwsgi jar", e);
        }
        if (Files.isDirectory(source)) {
            // Running from target/classes (tests): copy the tree.
            Path root = source.resolve(PREFIX);
            try (Stream<Path> files = Files.walk(root)) {
                for (Path p : files.filter(Files::isRegularFile).toList()) {
                    copy(Files.newInputStream(p), dest.resolve(root.relativize(p).toString()));
                }
            }
        } else {
            try (JarFile jar = new JarFile(source.toFile())) {
                for (JarEntry e : java.util.Collections.list(jar.entries())) {
                    if (!e.isDirectory() && e.getName().startsWith(PREFIX)) {
                        copy(jar.getInputStream(e), dest.resolve(e.getName().substring(PREFIX.length())));
                    }
                }
            }
        }
        Path worker = dest.resolve("jwsgi/worker.py");
        if (!Files.isRegularFile(worker)) throw new IOException("worker runtime missing from the jar: " + worker);
        return worker;
    }

    private static void copy(InputStream in, Path target) throws IOException {
        try (in) {
            Files.createDirectories(target.getParent());
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The worker's configuration file (read by worker.py through JWSGI_CONFIG). */
    public static void writeConfig(ServerConfig c, String groupName, Path file) throws IOException {
        StringBuilder json = new StringBuilder("{\n");
        field(json, "process_group", str(groupName));
        field(json, "application_group", str(c.applicationGroup().equals("%{GLOBAL}") ? "" : c.applicationGroup()));
        field(json, "processes", Integer.toString(c.processes()));
        field(json, "multiprocess", Boolean.toString(c.multiprocess()));
        field(json, "threads", Integer.toString(c.threads()));
        field(json, "application_type", str(c.applicationType().name().toLowerCase(java.util.Locale.ROOT)));
        field(json, "entry_point", c.entryPoint() == null ? "null" : str(c.entryPoint()));
        field(json, "callable_object", str(c.callableObject()));
        field(json, "working_directory", str(c.workingDirectory().toString()));
        List<String> paths = new ArrayList<>();
        for (Path p : c.pythonPath()) paths.add(str(p.toString()));
        field(json, "python_path", "[" + String.join(", ", paths) + "]");
        field(json, "maximum_requests", "0");
        field(json, "server_software", str("jwsgi/" + c.version()));
        json.append("  \"version\": ").append(str(c.version())).append("\n}\n");
        Files.writeString(file, json);
    }

    private static void field(StringBuilder json, String key, String value) {
        json.append("  \"").append(key).append("\": ").append(value).append(",\n");
    }

    static String str(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (ch < 0x20 || ch > 0x7e) out.append(String.format("\\u%04x", (int) ch));
                    else out.append(ch);
                }
            }
        }
        return out.append('"').toString();
    }

    /** A launcher that starts {@code <python> worker.py} with the channel socket, token and config in its environment. */
    public static WorkerLauncher launcher(ServerConfig c, Path workerScript, Path configFile, Path socket, String token) {
        return slot -> {
            ProcessBuilder pb = new ProcessBuilder(c.python().toString(), workerScript.toString());
            pb.directory(c.workingDirectory().toFile());
            pb.redirectErrorStream(true);
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Map<String, String> env = pb.environment();
            env.put("JWSGI_SOCKET", socket.toString());
            env.put("JWSGI_TOKEN", token);
            env.put("JWSGI_WORKER_SLOT", Integer.toString(slot));
            env.put("JWSGI_CONFIG", configFile.toString());
            env.put("PYTHONUNBUFFERED", "1");
            if (c.pythonHome() != null) {
                env.put("VIRTUAL_ENV", c.pythonHome().toString());
                env.put("PATH", c.pythonHome().resolve("bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
                env.remove("PYTHONHOME");
            }
            return pb.start();
        };
    }
}
