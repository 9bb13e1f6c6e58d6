package io.jwsgi.daemon;

import io.jwsgi.config.ApplicationType;
import io.jwsgi.config.Debugging;
import io.jwsgi.config.ServerConfig;
import io.jwsgi.config.ServiceScript;
import io.jwsgi.config.WorkerProcessOptions;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
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

    /** The configuration file of the group's request-serving workers (read by worker.py through JWSGI_CONFIG). */
    public static void writeConfig(ServerConfig c, String groupName, boolean asRoot, Path file) throws IOException {
        StringBuilder json = new StringBuilder("{\n");
        common(json, c, groupName, c.workerProcess().processName(),
                c.applicationType().name().toLowerCase(java.util.Locale.ROOT));
        field(json, "mode", str("wsgi"));
        identity(json, c, asRoot, c.workerProcess().user(), c.workerProcess().group());
        write(json, c, file);
    }

    /**
     * What a worker of a configuration file's process group needs beyond a group's settings: it hosts whichever
     * scripts its mounts name ({@code application_type} "site": the front end sends SCRIPT_FILENAME and the
     * application group with each request), loads {@code preloads} at start, and starts in {@code home}.
     */
    public record SiteWorker(Path home, List<Preload> preloads, Map<String, String> environment,
                             boolean subinterpreters) {
        public SiteWorker {
            preloads = List.copyOf(preloads);
            environment = Map.copyOf(environment);
        }
    }

    /** A script loaded at process start; {@code importOnly}: WSGIImportScript (no callable is looked for). */
    public record Preload(Path script, String callableObject, String applicationGroup, boolean importOnly) {}

    /** The worker configuration of a process group of a configuration file (docs/configuration.md). */
    public static void writeSiteConfig(ServerConfig c, String groupName, SiteWorker site, boolean asRoot, Path file)
            throws IOException {
        StringBuilder json = new StringBuilder("{\n");
        common(json, c, groupName, c.workerProcess().processName(), "site");
        field(json, "mode", str("wsgi"));
        field(json, "home", site.home() == null ? "null" : str(site.home().toString()));
        List<String> preloads = new ArrayList<>();
        for (Preload p : site.preloads()) {
            preloads.add("{\"script\": " + str(p.script().toString()) + ", \"callable_object\": "
                    + str(p.callableObject()) + ", \"application_group\": " + str(p.applicationGroup())
                    + ", \"import_only\": " + p.importOnly() + "}");
        }
        field(json, "preload", "[" + String.join(", ", preloads) + "]");
        // Application groups other than %{GLOBAL} in sub-interpreters (docs/subinterpreters.md), when the group may
        // see several; the GIL choice is the worker's (its own on 3.13+, shared before).
        field(json, "subinterpreters", Boolean.toString(site.subinterpreters()));
        identity(json, c, asRoot, c.workerProcess().user(), c.workerProcess().group());
        write(json, c, file);
    }

    /** The configuration file of one {@code --service-script} process: {@code mode} "service", no threads. */
    public static void writeServiceConfig(ServerConfig c, ServiceScript service, boolean asRoot, Path file)
            throws IOException {
        StringBuilder json = new StringBuilder("{\n");
        // mod_wsgi-express: the group is "service:NAME" and its display name is always %{GROUP}.
        common(json, c, serviceGroup(service), "(wsgi:" + serviceGroup(service) + ")",
                c.applicationType().name().toLowerCase(java.util.Locale.ROOT));
        field(json, "mode", str("service"));
        field(json, "service_name", str(service.name()));
        field(json, "service_script", str(service.script().toString()));
        identity(json, c, asRoot, service.user(), service.group());
        write(json, c, file);
    }

    /** The process group of a {@code --service-script}: {@code service:NAME}, as in mod_wsgi-express. */
    public static String serviceGroup(ServiceScript service) {
        return "service:" + service.name();
    }

    private static void common(StringBuilder json, ServerConfig c, String groupName, String processName,
                               String applicationType) {
        WorkerProcessOptions w = c.workerProcess();
        field(json, "process_group", str(groupName));
        field(json, "application_group", str(c.applicationGroup().equals("%{GLOBAL}") ? "" : c.applicationGroup()));
        field(json, "processes", Integer.toString(c.processes()));
        field(json, "multiprocess", Boolean.toString(c.multiprocess()));
        field(json, "threads", Integer.toString(c.threads()));
        field(json, "application_type", str(applicationType));
        field(json, "entry_point", c.entryPoint() == null ? "null" : str(c.entryPoint()));
        field(json, "callable_object", str(c.callableObject()));
        field(json, "working_directory", str(c.workingDirectory().toString()));
        List<String> paths = new ArrayList<>();
        for (Path p : c.pythonPath()) paths.add(str(p.toString()));
        field(json, "python_path", "[" + String.join(", ", paths) + "]");
        field(json, "maximum_requests", Integer.toString(c.lifecycle().maximumRequests()));
        field(json, "memory_limit", Long.toString(w.memoryLimit()));
        field(json, "virtual_memory_limit", Long.toString(w.virtualMemoryLimit()));
        field(json, "cpu_time_limit", Integer.toString(w.cpuTimeLimit()));
        field(json, "umask", w.umask() == null ? "null" : str(w.umask()));
        field(json, "process_name", str(processName));
        field(json, "reload_on_changes", Boolean.toString(w.reloadOnChanges()));
        // mod_wsgi's script reloading: on for a script entry point (touching it recycles the group); off with
        // --disable-reloading and in debug mode, as in mod_wsgi-express.
        field(json, "script_reloading", Boolean.toString(c.express().scriptReloading() && !c.debugging().debugMode()
                && (c.applicationType() == ApplicationType.SCRIPT || applicationType.equals("site"))));
        field(json, "switch_interval", c.express().switchInterval() == null ? "null"
                : seconds(c.express().switchInterval()));
        field(json, "orphan_interpreter", Boolean.toString(c.express().orphanInterpreter()));
        field(json, "server_metrics", Boolean.toString(c.express().serverMetrics()));
        field(json, "slow_requests", c.express().slowRequests() == null ? "null"
                : seconds(c.express().slowRequests()));
        debugging(json, c.debugging());
        field(json, "interrupt_timeout", seconds(c.lifecycle().interruptTimeout()));
        field(json, "server_software", str("jwsgi/" + c.version()));
    }

    /** What jwsgi.debugging does in the worker (docs/debugging.md); the directories are made here. */
    private static void debugging(StringBuilder json, Debugging d) {
        field(json, "debug_mode", Boolean.toString(d.debugMode()));
        field(json, "enable_debugger", Boolean.toString(d.debugger()));
        field(json, "debugger_startup", Boolean.toString(d.debuggerStartup()));
        field(json, "coverage_directory", optional(d.coverageDirectory()));
        field(json, "profiler_directory", optional(d.profilerDirectory()));
        field(json, "recorder_directory", optional(d.recorderDirectory()));
        field(json, "gdb_executable", optional(d.gdbExecutable()));
    }

    private static String optional(Path path) {
        return path == null ? "null" : str(path.toString());
    }

    /** Creates the directories the debugging tools write to (as mod_wsgi-express does at setup). */
    public static void createDebuggingDirectories(Debugging d) throws IOException {
        for (Path p : new Path[] {d.coverageDirectory(), d.profilerDirectory(), d.recorderDirectory()}) {
            if (p != null) Files.createDirectories(p);
        }
    }

    /** user/group only as root: the worker drops privileges; otherwise there are none to drop (see --user). */
    private static void identity(StringBuilder json, ServerConfig c, boolean asRoot, String user, String group) {
        field(json, "user", asRoot && user != null ? str(user) : "null");
        field(json, "group", asRoot && group != null ? str(group) : "null");
        List<String> groups = new ArrayList<>();
        if (asRoot) for (String g : c.workerProcess().supplementaryGroups()) groups.add(str(g));
        field(json, "supplementary_groups", "[" + String.join(", ", groups) + "]");
    }

    private static void write(StringBuilder json, ServerConfig c, Path file) throws IOException {
        json.append("  \"version\": ").append(str(c.version())).append("\n}\n");
        Files.writeString(file, json);
    }

    private static String seconds(Duration d) {
        return BigDecimal.valueOf(d.toNanos()).movePointLeft(9).stripTrailingZeros().toPlainString();
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

    /** LANG/LC_ALL, PYTHONHASHSEED and PYTHONDONTWRITEBYTECODE: what Python reads before any of our code runs. */
    static void processEnvironment(WorkerProcessOptions w, Map<String, String> env) {
        if (w.lang() != null) env.put("LANG", w.lang());
        if (w.locale() != null) env.put("LC_ALL", w.locale());
        if (w.pythonHashSeed() != null) env.put("PYTHONHASHSEED", w.pythonHashSeed());
        if (w.dontWriteBytecode()) env.put("PYTHONDONTWRITEBYTECODE", "1");
    }

    /** PYTHON_EGG_CACHE and PYTHONWARNINGS, as WSGIPythonEggs and WSGIPythonWarnings set them. */
    static void pythonEnvironment(io.jwsgi.config.ExpressOptions express, Map<String, String> env) {
        if (express.pythonEggs() != null) env.put("PYTHON_EGG_CACHE", express.pythonEggs().toString());
        if (!express.pythonWarnings().isEmpty()) env.put("PYTHONWARNINGS", String.join(",", express.pythonWarnings()));
    }

    /**
     * The variables mod_wsgi-express sets for its application (handler.wsgi) and in apachectl, for start-server's
     * workers: ports as bound, so an ephemeral {@code --port 0} is the real one. {@code user} and {@code group} are
     * who the workers run as.
     */
    public static Map<String, String> expressEnvironment(ServerConfig c, int httpPort, Integer httpsPort, String user,
                                                         String group) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("MOD_WSGI_EXPRESS", "true");
        env.put("MOD_WSGI_SERVER_NAME", c.serverNames().serverName() != null ? c.serverNames().serverName()
                : c.hostName());
        env.put("MOD_WSGI_SERVER_ALIASES", String.join(" ", c.serverNames().aliases()));
        if (c.workerProcess().reloadOnChanges()) env.put("MOD_WSGI_RELOADER_ENABLED", "true");
        env.put("MOD_WSGI_SERVER_ROOT", c.serverRoot().toString());
        env.put("MOD_WSGI_LISTENER_HOST", c.hostName());
        env.put("MOD_WSGI_HTTP_PORT", Integer.toString(httpPort));
        if (httpsPort != null) env.put("MOD_WSGI_HTTPS_PORT", Integer.toString(httpsPort));
        if (user != null) env.put("MOD_WSGI_USER", user);
        if (group != null) env.put("MOD_WSGI_GROUP", group);
        env.put("MOD_WSGI_WORKING_DIRECTORY", c.workingDirectory().toString());
        return env;
    }

    /**
     * A launcher that starts {@code <python> worker.py} with the channel socket, token and config in its environment:
     * for a service script, whose output always goes to the error log.
     */
    public static WorkerLauncher launcher(ServerConfig c, Path workerScript, Path configFile, Path socket, String token) {
        return launcher(c, workerScript, configFile, socket, token, Map.of(), false, null);
    }

    /**
     * A request-serving group's launcher, with {@code environment} (a configuration file's WSGIPython* variables;
     * start-server's envvars script and MOD_WSGI_* variables) added for the interpreter. The map is read at each
     * start, so a caller may complete it before the first worker starts (the bound ports are known only then). In
     * debug mode the worker gets the server's own stdin and stdout (the terminal, for pdb and print); its stderr
     * still goes to the error log, line by line.
     */
    public static WorkerLauncher launcher(ServerConfig c, Path workerScript, Path configFile, Path socket, String token,
                                          Map<String, String> environment) {
        return launcher(c, workerScript, configFile, socket, token, environment, c.debugging().debugMode(), null);
    }

    /** A service script's launcher, its output appended to {@code output} (--service-log-file) when not null. */
    public static WorkerLauncher launcher(ServerConfig c, Path workerScript, Path configFile, Path socket, String token,
                                          Map<String, String> environment, Path output) {
        return launcher(c, workerScript, configFile, socket, token, environment, false, output);
    }

    private static WorkerLauncher launcher(ServerConfig c, Path workerScript, Path configFile, Path socket,
                                           String token, Map<String, String> environment, boolean terminal,
                                           Path output) {
        return slot -> {
            ProcessBuilder pb = new ProcessBuilder(c.python().toString(), workerScript.toString());
            pb.directory(c.workingDirectory().toFile());
            if (terminal) {
                pb.redirectInput(ProcessBuilder.Redirect.INHERIT);
                pb.redirectOutput(ProcessBuilder.Redirect.INHERIT);
            } else {
                pb.redirectErrorStream(true);
                if (output != null) {
                    Files.createDirectories(output.getParent());
                    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
                }
                pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            }
            Map<String, String> env = pb.environment();
            // systemd's socket-activation and notification variables are for the server, not its children (sd_listen_fds
            // and sd_notify unset them): a worker must not tell systemd it is ready, nor feed its watchdog.
            env.keySet().removeAll(java.util.Set.of("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "NOTIFY_SOCKET",
                    "WATCHDOG_USEC", "WATCHDOG_PID"));
            env.put("JWSGI_SOCKET", socket.toString());
            env.put("JWSGI_TOKEN", token);
            env.put("JWSGI_WORKER_SLOT", Integer.toString(slot));
            env.put("JWSGI_CONFIG", configFile.toString());
            env.put("PYTHONUNBUFFERED", "1");
            processEnvironment(c.workerProcess(), env);
            pythonEnvironment(c.express(), env);
            env.putAll(environment);
            if (c.pythonHome() != null) {
                env.put("VIRTUAL_ENV", c.pythonHome().toString());
                env.put("PATH", c.pythonHome().resolve("bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
                env.remove("PYTHONHOME");
            }
            return pb.start();
        };
    }
}
