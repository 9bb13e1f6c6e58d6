package io.jwsgi.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything {@code start-server} was asked to do, resolved and checked: defaults filled in, paths absolute, the
 * interpreter found, the script known to exist. Immutable. Accessors are named after the settings in
 * {@link StartServerSettings} ({@code --queue-timeout} is {@link #queueTimeout()}); see there for meanings.
 *
 * <p>Tests build one from command-line words: {@code ServerConfig.parse(List.of("--port", "0", "app.py"))}.
 *
 * @param host             address to listen on; null means all interfaces
 * @param port             0 means an ephemeral port
 * @param multiprocess     true when {@code --processes} was given at all (mod_wsgi's {@code wsgi.multiprocess})
 * @param applicationType  {@link ApplicationType#WELCOME} when no entry point was given
 * @param entryPoint       absolute script path (SCRIPT), module name (MODULE), or null (WELCOME)
 * @param mountPoint       "/" or a prefix without a trailing slash
 * @param workingDirectory absolute
 * @param pythonPath       absolute directories, in the order given
 * @param serverRoot       absolute
 * @param logDirectory     absolute
 * @param python           absolute path of the interpreter (symbolic links kept: a venv's python must stay one)
 * @param pythonHome       absolute, or null
 * @param headerBufferSize resolved: never 0
 * @param limitRequestBody 0 means no limit
 * @param setenv           insertion-ordered; a repeated key keeps its last value
 * @param maxClients       resolved: the computed default when not given
 * @param responseBufferSize 0 means the front end's default
 * @param lifecycle        recycling and timeouts of the worker processes
 * @param workerProcess    limits, identity and environment of each worker process
 * @param serviceScripts   in the order given
 * @param proxy            reverse-proxied mount points and virtual hosts
 * @param protocols        HTTP/2 and the HTTPS listener (docs/tls.md)
 * @param content          static files and response compression
 * @param logRotation      --rotate-logs and its sizes
 * @param proxyTrust       forwarded headers honoured and the proxies trusted to send them
 * @param operations       status page, metrics, health check, sockets, pid file (docs/operations.md)
 * @param requestLimits    request-head limits and client read timeouts
 * @param registeredMethods --registered-methods: the methods served, or any (docs/http-parsing.md)
 * @param proxyProtocol    --proxy-protocol on the listeners, and the peers allowed to send it
 * @param serverNames      --server-name's name-based virtual host (docs/virtual-hosts.md)
 * @param includeFiles     --include-file: absolute paths of configuration files whose directives add to the site
 * @param authHooks        --host-access-script, --auth-user-script and their options (docs/auth-hooks.md)
 * @param express          mod_wsgi-express's options around the application and its interpreter
 * @param debugging        debug mode and the debugging tools (docs/debugging.md); already applied to processes,
 *                         threads, timeouts, lifecycle and reloading
 * @param version          jwsgi's version
 */
public record ServerConfig(
        String host,
        int port,
        int processes,
        boolean multiprocess,
        int threads,
        ApplicationType applicationType,
        String entryPoint,
        String callableObject,
        Path workingDirectory,
        List<Path> pythonPath,
        Path serverRoot,
        Path logDirectory,
        boolean logToTerminal,
        LogLevel logLevel,
        boolean accessLog,
        String accessLogFormat,
        String errorLogName,
        String accessLogName,
        boolean startupLog,
        String startupLogName,
        Path python,
        Path pythonHome,
        String processGroup,
        String applicationGroup,
        String mountPoint,
        int daemonBacklog,
        Duration queueTimeout,
        Duration connectTimeout,
        Duration socketTimeout,
        Duration shutdownTimeout,
        int headerBufferSize,
        long limitRequestBody,
        Duration keepAliveTimeout,
        Map<String, String> setenv,
        List<String> passenv,
        int serverBacklog,
        int maxClients,
        int responseBufferSize,
        Lifecycle lifecycle,
        WorkerProcessOptions workerProcess,
        List<ServiceScript> serviceScripts,
        ProxyOptions proxy,
        Protocols protocols,
        ContentOptions content,
        LogRotation logRotation,
        ProxyTrust proxyTrust,
        Operations operations,
        RequestLimits requestLimits,
        RegisteredMethods registeredMethods,
        ProxyProtocol proxyProtocol,
        ServerNames serverNames,
        List<Path> includeFiles,
        AuthHooks authHooks,
        ExpressOptions express,
        Debugging debugging,
        String version) {

    /** What {@code --header-buffer-size 0} stands for: mod_wsgi's stack buffer size. */
    public static final int DEFAULT_HEADER_BUFFER_SIZE = 32768;

    public ServerConfig {
        pythonPath = List.copyOf(pythonPath);
        setenv = Collections.unmodifiableMap(new LinkedHashMap<>(setenv));
        passenv = List.copyOf(passenv);
        serviceScripts = List.copyOf(serviceScripts);
        includeFiles = List.copyOf(includeFiles);
    }

    /** Parses {@code start-server} arguments against the running process's environment and current directory. */
    public static ServerConfig parse(List<String> args) {
        return parse(args, Environment.current());
    }

    /** Parses {@code start-server} arguments against the given environment; throws {@link ConfigException}. */
    public static ServerConfig parse(List<String> args, Environment environment) {
        return ServerConfigResolver.resolve(Arguments.parse(StartServerSettings.ALL, args), environment);
    }

    /** {@code host}, or {@code localhost} when listening on all interfaces: used in derived names. */
    public String hostName() {
        return host == null ? "localhost" : host;
    }
}
