package io.jwsgi.config;

import static io.jwsgi.config.StartServerSettings.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns parsed {@link Arguments} into a {@link ServerConfig}: fills in the defaults that depend on other settings
 * or the environment, makes paths absolute, and checks what can be checked before anything starts (the script
 * exists, the interpreter is executable, max-clients covers processes * threads).
 */
final class ServerConfigResolver {
    private static final Pattern SERVICE_NAME = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Pattern MODULE_NAME = Pattern.compile("[\\p{L}_][\\p{L}\\p{N}_]*(\\.[\\p{L}_][\\p{L}\\p{N}_]*)*");

    private ServerConfigResolver() {}

    static ServerConfig resolve(Arguments args, Environment environment) {
        Path cwd = environment.cwd();
        String host = args.value(HOST);
        int port = args.value(PORT);
        String hostName = host == null ? "localhost" : host;
        int processes = args.value(PROCESSES);
        int threads = args.value(THREADS);
        boolean multiprocess = args.isGiven(PROCESSES);

        ApplicationType type = args.value(APPLICATION_TYPE);
        String entryPoint = entryPointWord(args);
        if (entryPoint == null) {
            type = ApplicationType.WELCOME;
        } else if (type == ApplicationType.SCRIPT) {
            entryPoint = script(cwd.resolve(entryPoint).normalize()).toString();
        } else if (!MODULE_NAME.matcher(entryPoint).matches()) {
            throw new ConfigException("--entry-point: '" + entryPoint + "' is not a Python module name");
        }

        Path serverRoot = absolute(args.value(SERVER_ROOT), cwd);
        if (serverRoot == null) {
            serverRoot = defaultServerRoot(hostName, port, environment);
        }
        Path logDirectory = absolute(args.value(LOG_DIRECTORY), cwd);
        Path workingDirectory = absolute(args.value(WORKING_DIRECTORY), cwd);
        if (workingDirectory == null) {
            workingDirectory = cwd;
        } else {
            requireDirectory(workingDirectory, WORKING_DIRECTORY);
        }
        Path pythonHome = absolute(args.value(PYTHON_HOME), cwd);
        if (pythonHome != null) {
            requireDirectory(pythonHome, PYTHON_HOME);
        }
        String processGroup = args.value(PROCESS_GROUP);
        if (processGroup == null) {
            processGroup = hostName + ":" + port;
        }
        int headerBufferSize = args.value(HEADER_BUFFER_SIZE);
        Debugging debugging = Debugging.resolve(args, serverRoot, environment);
        Lifecycle lifecycle = lifecycle(args);
        WorkerProcessOptions workerProcess = workerProcess(args, processGroup, environment);
        Duration queueTimeout = args.value(QUEUE_TIMEOUT);
        Duration connectTimeout = args.value(CONNECT_TIMEOUT);
        Duration socketTimeout = args.value(SOCKET_TIMEOUT);
        if (debugging.debugMode()) {
            // mod_wsgi-express's debug mode is httpd -X: one process, one thread, the terminal, and nothing that
            // could kill or replace the process while a developer sits in pdb.
            processes = 1;
            threads = 1;
            multiprocess = false;
            lifecycle = lifecycle.forDebugging();
            workerProcess = workerProcess.withoutReloadOnChanges();
            queueTimeout = Duration.ZERO;
            connectTimeout = Duration.ZERO;
            socketTimeout = Duration.ZERO;
        }

        return new ServerConfig(
                host,
                port,
                processes,
                multiprocess,
                threads,
                type,
                entryPoint,
                args.value(CALLABLE_OBJECT),
                workingDirectory,
                args.values(PYTHON_PATH).stream().map(p -> absolute(p, cwd)).toList(),
                serverRoot,
                logDirectory == null ? serverRoot : logDirectory,
                args.isGiven(LOG_TO_TERMINAL),
                args.value(LOG_LEVEL),
                args.isGiven(ACCESS_LOG),
                args.value(ACCESS_LOG_FORMAT),
                args.value(ERROR_LOG_NAME),
                args.value(ACCESS_LOG_NAME),
                args.isGiven(STARTUP_LOG),
                args.value(STARTUP_LOG_NAME),
                PythonInterpreter.locate(args.value(PYTHON_EXECUTABLE), pythonHome, environment),
                pythonHome,
                processGroup,
                args.value(APPLICATION_GROUP),
                mountPoint(args.value(MOUNT_POINT)),
                args.value(DAEMON_BACKLOG),
                queueTimeout,
                connectTimeout,
                socketTimeout,
                args.value(SHUTDOWN_TIMEOUT),
                headerBufferSize == 0 ? ServerConfig.DEFAULT_HEADER_BUFFER_SIZE : headerBufferSize,
                args.value(LIMIT_REQUEST_BODY),
                args.value(KEEP_ALIVE_TIMEOUT),
                setenv(args.values(SETENV)),
                args.values(PASSENV),
                args.value(SERVER_BACKLOG),
                maxClients(args, processes, threads),
                args.value(RESPONSE_BUFFER_SIZE),
                lifecycle,
                workerProcess,
                serviceScripts(args, cwd, logDirectory == null ? serverRoot : logDirectory),
                ProxyOptions.resolve(args),
                ProtocolsResolver.resolve(args, cwd),
                ContentOptions.resolve(args, cwd),
                LogRotation.resolve(args),
                ProxyTrust.resolve(args),
                OperationsResolver.resolve(args, serverRoot, environment),
                RequestLimits.resolve(args),
                RegisteredMethods.resolve(args),
                ProxyProtocol.resolve(args),
                ServerNames.resolve(args),
                includeFiles(args, cwd),
                AuthHooks.resolve(args, cwd),
                ExpressOptionsResolver.resolve(args, serverRoot, cwd),
                debugging,
                Version.current());
    }

    /** --include-file: each must be a readable file; its directives are checked when the server starts. */
    private static List<Path> includeFiles(Arguments args, Path cwd) {
        List<Path> files = new java.util.ArrayList<>();
        for (Path p : args.values(INCLUDE_FILE)) {
            Path file = absolute(p, cwd);
            if (!java.nio.file.Files.isRegularFile(file)) {
                throw new ConfigException(INCLUDE_FILE.flag() + ": no such file: " + file);
            }
            files.add(file);
        }
        return files;
    }

    private static Lifecycle lifecycle(Arguments args) {
        return new Lifecycle(
                args.value(MAXIMUM_REQUESTS),
                args.value(MAXIMUM_REQUESTS_JITTER),
                args.value(RESTART_INTERVAL),
                args.value(INACTIVITY_TIMEOUT),
                args.value(GRACEFUL_TIMEOUT),
                args.value(EVICTION_TIMEOUT),
                args.value(SHUTDOWN_TIMEOUT),
                args.value(REQUEST_TIMEOUT),
                args.value(INTERRUPT_TIMEOUT),
                args.value(STARTUP_TIMEOUT),
                args.value(DEADLOCK_TIMEOUT),
                args.value(MEMORY_LIMIT));
    }

    private static WorkerProcessOptions workerProcess(Arguments args, String processGroup, Environment environment) {
        String lang = args.value(LANG);
        String locale = args.value(LOCALE);
        if (lang == null && locale == null && plainLocale(environment)) {
            // mod_wsgi-express: a C/POSIX locale would make Python's file system encoding ASCII; use UTF-8.
            lang = "C.UTF-8";
        }
        if (lang == null) {
            lang = locale;
        }
        if (locale == null) {
            locale = lang;
        }
        String user = args.value(USER);
        String group = args.value(GROUP);
        String processName = args.value(PROCESS_NAME);
        List<String> supplementary = args.value(SUPPLEMENTARY_GROUPS);
        return new WorkerProcessOptions(
                args.value(MEMORY_LIMIT),
                args.value(VIRTUAL_MEMORY_LIMIT),
                args.value(CPU_TIME_LIMIT),
                user,
                group,
                supplementary == null ? List.of() : supplementary,
                args.value(UMASK),
                lang,
                locale,
                args.value(PYTHON_HASH_SEED),
                args.isGiven(DONT_WRITE_BYTECODE),
                processName == null ? "(wsgi:" + processGroup + ")" : processName,
                args.isGiven(RELOAD_ON_CHANGES));
    }

    /** The locale the server inherited is C, POSIX or unset (LC_ALL wins over LC_CTYPE, which wins over LANG). */
    private static boolean plainLocale(Environment environment) {
        String effective = environment.variable("LC_ALL");
        if (effective == null) effective = environment.variable("LC_CTYPE");
        if (effective == null) effective = environment.variable("LANG");
        return effective == null || effective.equals("C") || effective.equals("POSIX");
    }

    private static List<ServiceScript> serviceScripts(Arguments args, Path cwd, Path logDirectory) {
        Map<String, String> users = perService(args, SERVICE_USER);
        Map<String, String> groups = perService(args, SERVICE_GROUP);
        Map<String, String> logs = perService(args, SERVICE_LOG_FILE);
        List<ServiceScript> scripts = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Map.Entry<String, String> pair : args.values(SERVICE_SCRIPT)) {
            String name = pair.getKey();
            if (!SERVICE_NAME.matcher(name).matches()) {
                throw new ConfigException(SERVICE_SCRIPT.flag() + ": '" + name
                        + "' is not a service name (letters, digits, '_', '-', '.')");
            }
            if (!names.add(name)) {
                throw new ConfigException(SERVICE_SCRIPT.flag() + ": service '" + name + "' is given twice");
            }
            Path script = cwd.resolve(pair.getValue()).normalize();
            if (!Files.isRegularFile(script)) {
                throw new ConfigException(SERVICE_SCRIPT.flag() + ": script of service '" + name
                        + "' not found: " + script);
            }
            String log = logs.get(name);
            scripts.add(new ServiceScript(name, script, users.getOrDefault(name, args.value(USER)),
                    groups.getOrDefault(name, args.value(GROUP)),
                    log == null ? null : logDirectory.resolve(log).normalize()));
        }
        for (Setting<Map.Entry<String, String>> s : List.of(SERVICE_USER, SERVICE_GROUP, SERVICE_LOG_FILE)) {
            for (Map.Entry<String, String> pair : args.values(s)) {
                if (!names.contains(pair.getKey())) {
                    throw new ConfigException(s.flag() + ": no --service-script named '" + pair.getKey() + "'");
                }
            }
        }
        return scripts;
    }

    /** {@code --service-user NAME USER} and its kind: service name to value, a repeated name keeping its last. */
    private static Map<String, String> perService(Arguments args, Setting<Map.Entry<String, String>> setting) {
        Map<String, String> byName = new LinkedHashMap<>();
        for (Map.Entry<String, String> pair : args.values(setting)) byName.put(pair.getKey(), pair.getValue());
        return byName;
    }

    /** {@code --entry-point} wins over the positional SCRIPT, as in mod_wsgi-express. */
    private static String entryPointWord(Arguments args) {
        List<String> positionals = args.positionals();
        if (positionals.size() > 1) {
            throw new ConfigException("unexpected argument '" + positionals.get(1)
                    + "' (only one SCRIPT may be given)");
        }
        String given = args.value(ENTRY_POINT);
        if (given != null) {
            return given;
        }
        return positionals.isEmpty() ? null : positionals.getFirst();
    }

    private static Path script(Path path) {
        if (!Files.exists(path)) {
            throw new ConfigException("script not found: " + path);
        }
        if (!Files.isRegularFile(path)) {
            throw new ConfigException("script is not a regular file: " + path);
        }
        return path;
    }

    /** mod_wsgi-express: {@code $TMPDIR} (or /tmp) + {@code /mod_wsgi-<host>:<port>:<uid>}; ours says jwsgi. */
    private static Path defaultServerRoot(String hostName, int port, Environment environment) {
        String tmp = environment.variable("TMPDIR");
        Path base = tmp == null ? Path.of("/tmp") : environment.cwd().resolve(tmp).normalize();
        return base.resolve("jwsgi-" + hostName + ":" + port + ":" + environment.uid());
    }

    private static int maxClients(Arguments args, int processes, int threads) {
        int capacity = processes * threads;
        Integer given = args.value(MAX_CLIENTS);
        if (given == null) {
            return 10 + Math.max(10, (int) (1.5 * capacity));
        }
        if (given < capacity) {
            // mod_wsgi-express silently raises it to processes * threads; we say so instead of clamping.
            throw new ConfigException(MAX_CLIENTS.flag() + ": must be at least processes * threads = " + capacity
                    + ", got " + given);
        }
        return given;
    }

    private static String mountPoint(String value) {
        String trimmed = value;
        while (trimmed.length() > 1 && trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed;
    }

    private static Map<String, String> setenv(List<Map.Entry<String, String>> pairs) {
        Map<String, String> result = new LinkedHashMap<>();
        pairs.forEach(pair -> result.put(pair.getKey(), pair.getValue()));
        return result;
    }

    private static void requireDirectory(Path path, Setting<?> setting) {
        if (!Files.isDirectory(path)) {
            throw new ConfigException(setting.flag() + ": not a directory: " + path);
        }
    }

    private static Path absolute(Path path, Path cwd) {
        return path == null ? null : cwd.resolve(path).normalize();
    }
}
