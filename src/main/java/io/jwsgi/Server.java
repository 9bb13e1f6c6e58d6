package io.jwsgi;

import io.jwsgi.config.AccessLogFormat;
import io.jwsgi.config.ConfigException;
import io.jwsgi.config.LogRotation;
import io.jwsgi.config.Protocols;
import io.jwsgi.config.ServerConfig;
import io.jwsgi.config.ServiceScript;
import io.jwsgi.daemon.GroupDispatcher;
import io.jwsgi.daemon.Supervisor;
import io.jwsgi.daemon.WorkerBootException;
import io.jwsgi.daemon.WorkerRuntime;
import io.jwsgi.frontend.AccessLog;
import io.jwsgi.frontend.Listeners;
import io.jwsgi.frontend.ResponseCompression;
import io.jwsgi.frontend.ReverseProxy;
import io.jwsgi.frontend.StaticFiles;
import io.jwsgi.frontend.TrustedProxies;
import io.jwsgi.config.RequestLimits;
import io.jwsgi.frontend.ReadTimeouts;
import io.jwsgi.frontend.RequestIntake;
import io.jwsgi.frontend.EventLoop;
import io.jwsgi.frontend.ResumeByFillInterest;
import io.jwsgi.frontend.WsgiHandler;
import io.jwsgi.site.SiteLoader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The assembled server: the Jetty front end and its daemon process groups (one for start-server, one per
 * WSGIDaemonProcess of a configuration file), wired with plain constructors. {@link #run} is what {@code start-server}
 * and {@code serve} do; {@link #start} is the same without the waiting, for tests. Over the usual length because it
 * is the one place the parts are put together: Jetty's listeners and handler chain, the groups, signals, banner.
 */
public final class Server {
    private final ServerConfig config;
    private final Logger log;
    private final org.eclipse.jetty.server.Server jetty;
    /** The daemon process groups: one for start-server, one per WSGIDaemonProcess for a configuration file. */
    private final List<Group> groups;
    /** One supervisor per --service-script, each with one process and no channels. */
    private final List<Supervisor> services;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
    private ServerConnector connector;
    /** The front end's stop sequence; its state turns the health check to 503 (docs/lifecycle.md). */
    private final io.jwsgi.drain.Drain drain;
    /** Set once every group is ready: a start that fails stops without the drain delay. */
    private volatile boolean serving;
    /** systemd's Type=notify (docs/kubernetes-systemd.md); does nothing without NOTIFY_SOCKET. */
    private volatile io.jwsgi.ops.SystemdNotify notify = io.jwsgi.ops.SystemdNotify.from(Map.of(), 0);

    /** One process group as the server runs it: its own settings, supervisor and dispatcher. */
    private record Group(String name, ServerConfig config, Supervisor supervisor) {
        GroupDispatcher dispatcher() {
            return supervisor.dispatcher();
        }
    }

    private Server(ServerConfig config, Logger log, org.eclipse.jetty.server.Server jetty, List<Group> groups,
                   List<Supervisor> services, io.jwsgi.drain.Drain drain) {
        this.drain = drain;
        this.services = List.copyOf(services);
        this.config = config;
        this.log = log;
        this.jetty = jetty;
        this.groups = List.copyOf(groups);
    }

    /** Runs the server in the foreground until it is stopped; returns the process exit code. */
    public static int run(ServerConfig config) {
        return run(config, null);
    }

    /** {@code jwsgi serve FILE}: runs a configuration file's site in the foreground; returns the exit code. */
    public static int run(SiteLoader.Plan plan) {
        return run(plan.frontEnd(), plan);
    }

    private static int run(ServerConfig config, SiteLoader.Plan plan) {
        PrintStream out = System.out;
        Server server;
        try {
            server = start(config, plan);
        } catch (ConfigException e) {
            return startupFailure(config, e.getMessage(), 2);
        } catch (SiteLoader.Invalid e) {
            return startupFailure(config, e.getMessage() + "\njwsgi: " + e.problems().size() + " error"
                    + (e.problems().size() == 1 ? "" : "s") + " in --include-file; nothing was started", 2);
        } catch (WorkerBootException e) {
            return startupFailure(config, e.getMessage(), 3);
        } catch (IOException e) {
            return startupFailure(config, e.getMessage(), 1);
        }
        // SIGTERM and SIGINT (Ctrl-C) stop the server gracefully and exit 0, as Apache does; a second one skips what
        // remains of --drain-delay. The handlers only start the stop on a thread of its own: nothing is logged or
        // waited for inside a signal callback.
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                if (server.stopping.get()) server.drain.skipDelay();
                else Thread.ofPlatform().name("jwsgi-stop").start(server::stop);
            });
        }
        // SIGUSR1: graceful restart of every worker (eviction-timeout); SIGHUP: new workers for new code. The
        // handlers only post an event to the supervisor, or start a thread.
        sun.misc.Signal.handle(new sun.misc.Signal("USR1"), sig -> {
            for (Group g : server.groups) g.supervisor().gracefulRestart();
        });
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig ->
                Thread.ofVirtual().name("jwsgi-reload").start(server::reload));
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "jwsgi-shutdown"));
        String ready = "jwsgi ready: " + server.url() + " (pid " + ProcessHandle.current().pid() + ")";
        out.println(ready);
        out.flush();
        startupLog(config, ready);
        server.notify = io.jwsgi.ops.SystemdNotify.from(System.getenv(), ProcessHandle.current().pid());
        server.notify.ready(server.serviceStatus());
        server.startWatchdog();
        try {
            io.jwsgi.ops.PidFile.write(config.operations().pidFile());
        } catch (IOException e) {
            server.log.warn("cannot write the pid file path={} error={}", config.operations().pidFile(), e.toString());
        }
        server.awaitStopped();
        io.jwsgi.ops.PidFile.remove(config.operations().pidFile());
        return 0;
    }

    /** Builds and starts everything; returns once every worker is ready. */
    public static Server start(ServerConfig config) throws IOException {
        return start(config, null);
    }

    /** Builds and starts a configuration file's site; returns once every worker of every group is ready. */
    public static Server start(SiteLoader.Plan plan) throws IOException {
        return start(plan.frontEnd(), plan);
    }

    private static Server start(ServerConfig config, SiteLoader.Plan plan) throws IOException {
        if (plan == null && !config.includeFiles().isEmpty()) {
            plan = SiteLoader.include(config, io.jwsgi.config.Environment.current()); // before anything is created
        }
        prepareRoot(config);
        Path errorLog = Logging.configure(config);
        Logger log = LoggerFactory.getLogger(Server.class);
        for (String ignored : config.express().ignored()) log.warn("{}", ignored); // Apache-only options
        // start-server's workers and services: the envvars script's variables now, MOD_WSGI_* once the ports are
        // bound (below, before any worker starts).
        Map<String, String> expressEnvironment = new java.util.concurrent.ConcurrentHashMap<>();
        if (config.express().envvarsScript() != null) {
            expressEnvironment.putAll(io.jwsgi.daemon.EnvvarsScript.source(config.express().envvarsScript(),
                    System.getenv()));
        }

        Path sockets = config.operations().socketDirectory();
        Files.createDirectories(sockets);
        Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwx------"));
        Path workerScript = WorkerRuntime.extract(config.serverRoot().resolve("python"));
        WorkerRuntime.createDebuggingDirectories(config.debugging());
        if (config.debugging().debugMode()) {
            log.info("debug mode: one process, one thread, no timeouts, the terminal as the worker's stdin and stdout");
        }
        String token = HexFormat.of().formatHex(random(16));
        List<Group> groups = new ArrayList<>();
        if (plan == null || plan.express()) {
            Path workerConfig = config.serverRoot().resolve("worker-0.json");
            WorkerRuntime.writeConfig(config, config.processGroup(), isRoot(), workerConfig);
            groups.add(group(config, config.processGroup(), sockets, sockets.resolve("0.sock"), workerScript,
                    workerConfig, token, expressEnvironment, log));
        }
        if (plan != null) {
            // Every group's user must reach its own directory inside (and nothing more).
            Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwx--x--x"));
            for (int i = 0; i < plan.groups().size(); i++) {
                SiteLoader.Group g = plan.groups().get(i);
                Path workerConfig = config.serverRoot().resolve("worker-g" + i + ".json");
                List<WorkerRuntime.Preload> preloads = g.group().preloads().stream()
                        .map(p -> new WorkerRuntime.Preload(p.script(), p.callableObject(), p.applicationGroup(),
                                p.importOnly())).toList();
                WorkerRuntime.writeSiteConfig(g.config(), g.group().name(),
                        new WorkerRuntime.SiteWorker(g.group().home(), preloads, g.group().environment(),
                                g.group().subinterpreters()), isRoot(), workerConfig);
                // Each group its own socket directory, owned by the group's user when it has one.
                Path directory = sockets.resolve("g" + i);
                Files.createDirectories(directory);
                Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
                groups.add(group(g.config(), g.group().name(), directory, directory.resolve("0.sock"), workerScript,
                        workerConfig, token, g.group().environment(), log));
            }
        }
        Path socket = groups.getFirst().supervisor().socket();
        List<Supervisor> services = new ArrayList<>();
        for (ServiceScript service : config.serviceScripts()) {
            Path serviceConfig = config.serverRoot().resolve("service-" + service.name() + ".json");
            WorkerRuntime.writeServiceConfig(config, service, isRoot(), serviceConfig);
            services.add(new Supervisor(
                    new Supervisor.GroupSpec(WorkerRuntime.serviceGroup(service), 1, 0, socket, token,
                            config.shutdownTimeout()),
                    WorkerRuntime.launcher(config, workerScript, serviceConfig, socket, token, expressEnvironment,
                            service.logFile()),
                    new GroupDispatcher(1, Duration.ZERO, Duration.ZERO)));
        }

        // The access and auth hooks' process group (docs/auth-hooks.md), outside the groups requests are routed to.
        Group hooks = null;
        if (config.authHooks().enabled() || (plan != null && plan.site().usesHooks())) {
            ServerConfig c = hookGroupConfig(config);
            Path workerConfig = config.serverRoot().resolve("worker-hooks.json");
            WorkerRuntime.writeConfig(c, HOOK_GROUP, isRoot(), workerConfig);
            Path directory = sockets.resolve("hooks");
            Files.createDirectories(directory);
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
            hooks = group(c, HOOK_GROUP, directory, directory.resolve("0.sock"), workerScript, workerConfig, token,
                    Map.of(), log);
        }
        io.jwsgi.drain.Drain drain = new io.jwsgi.drain.Drain(config.operations().drainDelay(), config.shutdownTimeout());
        org.eclipse.jetty.server.Server jetty = buildJetty(config, plan, groups, hooks, drain);
        if (hooks != null) groups.add(hooks);
        Server server = new Server(config, log, jetty, groups, services, drain);
        // With --reuse-port the kernel gives a server its share of new connections as soon as it listens: a new
        // instance started beside a draining one would hold those requests until its workers are up (on a 2-core
        // machine ~0.5 s, the slowest requests of a rollout). So, with every port fixed, it listens only once its
        // workers are ready; the ports the workers are told (MOD_WSGI_*) are then the configured ones.
        Protocols.Https https = config.protocols().https();
        boolean listenLast = config.operations().reusePort() && !config.operations().socketActivation()
                && config.port() != 0 && (https == null || https.port() != 0);
        if (!listenLast) server.startJetty(plan);
        expressEnvironment.putAll(WorkerRuntime.expressEnvironment(config,
                listenLast ? config.port() : server.port(),
                listenLast ? (https == null ? null : https.port()) : server.httpsPort(),
                isRoot() && config.workerProcess().user() != null ? config.workerProcess().user()
                        : System.getProperty("user.name"),
                isRoot() && config.workerProcess().group() != null ? config.workerProcess().group()
                        : ownGroup(config.serverRoot())));
        if (!listenLast) printBanner(config, plan, server, errorLog);
        for (Group g : groups) g.supervisor().start();
        for (Supervisor service : services) service.start();
        try {
            for (Group g : groups) g.supervisor().ready().join();
            if (listenLast) {
                server.startJetty(plan);
                printBanner(config, plan, server, errorLog);
            }
        } catch (CompletionException | ConfigException | IOException e) {
            server.stop();
            if (e.getCause() instanceof WorkerBootException boot) throw boot;
            throw e;
        }
        server.serving = true;
        if (plan == null) {
            log.info("server ready url={} processes={} threads={}", server.url(), config.processes(), config.threads());
        } else {
            log.info("server ready url={} file={} groups={}", server.url(), plan.file(), groups.size());
        }
        return server;
    }

    /** The hook process group's name, in logs, the status page and metrics. */
    static final String HOOK_GROUP = io.jwsgi.site.Site.HOOK_GROUP;

    /**
     * The hook process group's settings: jwsgi's dispatcher ({@code jwsgi.hooks}) in one process of ten threads, with
     * the front end's interpreter, Python path and user (mod_wsgi runs hooks in the Apache child, as Apache's user).
     */
    private static ServerConfig hookGroupConfig(ServerConfig c) {
        List<String> w = new ArrayList<>(List.of("--entry-point", "jwsgi.hooks", "--application-type", "module",
                "--processes", "1", "--threads", "10", "--process-group", HOOK_GROUP,
                "--server-root", c.serverRoot().toString(), "--python", c.python().toString(),
                "--port", Integer.toString(c.port())));
        if (c.workingDirectory() != null) w.addAll(List.of("--working-directory", c.workingDirectory().toString()));
        if (c.host() != null) w.addAll(List.of("--host", c.host()));
        if (c.pythonHome() != null) w.addAll(List.of("--python-home", c.pythonHome().toString()));
        for (Path p : c.pythonPath()) w.addAll(List.of("--python-path", p.toString()));
        if (c.workerProcess().user() != null) w.addAll(List.of("--user", c.workerProcess().user()));
        if (c.workerProcess().group() != null) w.addAll(List.of("--group", c.workerProcess().group()));
        return ServerConfig.parse(w, io.jwsgi.config.Environment.current());
    }

    /** One group's supervisor, its channel socket handed to its --user when the server runs as root. */
    private static Group group(ServerConfig c, String name, Path directory, Path socket, Path workerScript,
                               Path workerConfig, String token, Map<String, String> environment, Logger log)
            throws IOException {
        String socketOwner = isRoot() ? c.workerProcess().user() : null;
        if (!isRoot() && (c.workerProcess().user() != null || c.workerProcess().group() != null
                || !c.workerProcess().supplementaryGroups().isEmpty())) {
            log.warn("user, group and supplementary-groups ignored: the server is not running as root group={}", name);
        }
        if (socketOwner != null) {
            try {
                Files.setOwner(directory, directory.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByName(socketOwner));
            } catch (UserPrincipalNotFoundException e) {
                throw new ConfigException("--user: no such user '" + socketOwner + "'");
            }
        }
        GroupDispatcher dispatcher = new GroupDispatcher(c.daemonBacklog(), c.queueTimeout(), c.connectTimeout());
        Supervisor supervisor = new Supervisor(
                new Supervisor.GroupSpec(name, c.processes(), c.threads(), socket, token, c.lifecycle(),
                        c.socketTimeout(), true, socketOwner),
                WorkerRuntime.launcher(c, workerScript, workerConfig, socket, token, environment), dispatcher);
        return new Group(name, c, supervisor);
    }

    private static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static void prepareRoot(ServerConfig config) throws IOException {
        ServerRoot.prepare(config.serverRoot(), (int) new com.sun.security.auth.module.UnixSystem().getUid());
        Files.createDirectories(config.logDirectory());
    }

    private static org.eclipse.jetty.server.Server buildJetty(ServerConfig config, SiteLoader.Plan plan,
                                                              List<Group> groups, Group hooks,
                                                              io.jwsgi.drain.Drain drain) throws IOException {
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setName("jwsgi-http");
        // Handlers block (on their worker channel): they run on virtual threads, so a slow app never starves Jetty.
        pool.setVirtualThreadsExecutor(new ResumeByFillInterest(
                VirtualThreads.getNamedVirtualThreadsExecutor("jwsgi-request-")));
        org.eclipse.jetty.server.Server jetty = new org.eclipse.jetty.server.Server(pool);

        HttpConfiguration http = new HttpConfiguration();
        if (config.responseBufferSize() > 0) {
            http.setOutputBufferSize(config.responseBufferSize());
        }
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // Paths Apache serves and a WSGI app may want: "//", "%25", "%5C", bytes that are not UTF-8. Still refused:
        // an encoded "/" (%2F, which Apache also refuses by default) and encoded dot segments.
        http.setUriCompliance(UriCompliance.DEFAULT.with("jwsgi",
                UriCompliance.Violation.AMBIGUOUS_EMPTY_SEGMENT, UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING,
                UriCompliance.Violation.BAD_UTF8_ENCODING, UriCompliance.Violation.TRUNCATED_UTF8_ENCODING,
                UriCompliance.Violation.SUSPICIOUS_PATH_CHARACTERS));
        // Strict RFC 9112 framing: Jetty's RFC9110 mode still accepts a bare LF as a line ending, which a proxy in
        // front may parse differently (request smuggling); refused here. docs/http-parsing.md lists what Jetty
        // enforces and what it does not yet.
        http.setHttpCompliance(HttpCompliance.RFC9110.without("jwsgi-strict",
                HttpCompliance.Violation.LF_HEADER_TERMINATION));
        // --trust-proxy-header / --trust-proxy (docs/behind-a-proxy.md): before the listeners copy the configuration.
        if (config.proxyTrust().enabled()) http.addCustomizer(new TrustedProxies(config.proxyTrust()));
        // --proxy-protocol: what a v2 header says of the TLS the balancer terminated (docs/behind-a-proxy.md).
        if (config.proxyProtocol().enabled()) http.addCustomizer(new io.jwsgi.edge.ProxiedTls());
        // Request-head limits, the rules Jetty's parser lacks, and the read timeouts (docs/reliability.md): on every
        // HTTP/1.1 listener, plain and TLS.
        RequestLimits limits = config.requestLimits();
        http.setRequestHeaderSize(Math.max(64 * 1024, limits.limitRequestLine() + limits.limitRequestFieldSize() + 4));
        ReadTimeouts readTimeouts = new ReadTimeouts(limits);
        jetty.addBean(readTimeouts);
        ServerConnector connector = plainListener(jetty, http, readTimeouts, config, config.host(), config.port());
        if (config.operations().socketActivation()) {
            // systemd bound the socket (LISTEN_FDS): serve on it instead of binding --host/--port.
            java.nio.channels.ServerSocketChannel inherited = io.jwsgi.ops.SocketActivation.inheritedSocket();
            inherited.configureBlocking(true);
            connector.open(inherited);
        }
        jetty.addConnector(connector);
        if (plan != null) {
            // A configuration file's further Listen directives: the same HTTP/1.1 (and h2c) listener on each.
            for (io.jwsgi.site.Site.Listen listen : plan.listens()) {
                jetty.addConnector(plainListener(jetty, http, readTimeouts, config, listen.host(), listen.port()));
            }
        }
        Listeners.addHttps(jetty, connector, http, config.protocols(),
                secure -> RequestIntake.connectionFactory(secure, readTimeouts, config.registeredMethods()));
        // --https-port, --http2 (docs/tls.md); then --proxy-protocol in front of every listener, before TLS.
        if (config.proxyProtocol().enabled()) {
            io.jwsgi.edge.ProxyProtocolGate.install(jetty, config.proxyProtocol().peers());
        }

        Map<String, String> extra = new LinkedHashMap<>(config.setenv());
        for (String name : config.passenv()) {
            String value = System.getenv(name);
            if (value != null) extra.put(name, value);
        }
        io.jwsgi.auth.AuthGate gate = hooks == null ? null : new io.jwsgi.auth.AuthGate(
                new io.jwsgi.auth.Hooks(hooks.dispatcher(), io.jwsgi.frontend.Environ::writeForHook),
                new io.jwsgi.auth.DigestNonces());
        Handler wsgi;
        Map<String, io.jwsgi.ops.RequestMetrics> perGroup = new LinkedHashMap<>();
        // start-server's application, with --map-head-to-get, --error-override and --error-document around it.
        Handler express = plan != null && !plan.express() ? null : io.jwsgi.frontend.express.ExpressRequests.around(
                config.express(), config.content(), VirtualThreads.getExecutor(pool),
                new WsgiHandler(groups.getFirst().dispatcher(),
                new WsgiHandler.Settings(config.mountPoint(), config.headerBufferSize(), config.limitRequestBody(),
                        extra, config.socketTimeout(), config.keepAliveTimeout()), VirtualThreads.getExecutor(pool)));
        if (plan == null) {
            wsgi = express;
        } else {
            // One WSGI handler per process group, each with its group's own timeouts; the site handler routes.
            // With --include-file, what no mount of the file takes goes on to start-server's application.
            // Each group's requests are counted on their own too (the metrics' group label).
            Map<String, Handler> byName = new LinkedHashMap<>();
            for (Group g : express == null ? groups : groups.subList(1, groups.size())) {
                ServerConfig c = g.config();
                io.jwsgi.ops.RequestMetrics counted = new io.jwsgi.ops.RequestMetrics();
                perGroup.put(g.name(), counted);
                byName.put(g.name(), new io.jwsgi.ops.MeteredHandler(new WsgiHandler(g.dispatcher(),
                        new WsgiHandler.Settings("", c.headerBufferSize(), config.limitRequestBody(), Map.of(),
                                c.socketTimeout(), config.keepAliveTimeout()), VirtualThreads.getExecutor(pool)),
                        counted));
            }
            io.jwsgi.frontend.SiteHandler site = new io.jwsgi.frontend.SiteHandler(plan.router(), plan.site().hosts(),
                    byName, System.getenv(), config.socketTimeout(), config.keepAliveTimeout());
            if (gate != null) site.withAuth(gate);
            wsgi = express == null ? site : new Handler.Sequence(site.passOnUnrouted(), express);
        }
        // --max-clients bounds the requests being handled (Apache's MaxRequestWorkers), not connections:
        // idle keep-alive connections must never lock new clients out.
        // Requests to the WSGI application are counted for the status page and metrics (docs/operations.md).
        io.jwsgi.ops.RequestMetrics requests = new io.jwsgi.ops.RequestMetrics();
        Handler app = new io.jwsgi.ops.MeteredHandler(wsgi, requests);
        // Proxied mount points and virtual hosts first (Apache's ProxyPass wins over Alias), then static files
        // (--document-root, --url-alias) in front of the app, and --compress-responses around all of them; each is
        // absent from the tree unless configured (docs/proxying.md, docs/static-files.md).
        Handler files = StaticFiles.around(config.content(), config.socketTimeout(), config.keepAliveTimeout(), app);
        Handler proxied = ReverseProxy.inFrontOf(files, config.proxy(), config.hostName());
        boolean inline = files == app && proxied == files;
        if (config.authHooks().enabled()) {
            // --host-access-script, --auth-user-script: mod_wsgi-express's <Location /> (docs/auth-hooks.md).
            proxied = new io.jwsgi.auth.AuthHandler(config.authHooks(), config.hostName(), config.port(), gate,
                    VirtualThreads.getExecutor(pool), io.jwsgi.frontend.InlineDispatch::onSelectorThread, proxied);
        }
        Handler site = ResponseCompression.around(config.content(), proxied);
        Handler maxClients = new io.jwsgi.frontend.MaxClients(config.maxClients(), config.socketTimeout(),
                VirtualThreads.getExecutor(pool), site);
        // Status page, metrics and health check (docs/operations.md) answer before --max-clients applies, after the
        // HTTPS rules (--https-only, client certificates); the intake (read timeouts, small bodies read whole before
        // a worker thread is taken) comes first of all.
        // --server-name's virtual host (docs/virtual-hosts.md) sorts requests by Host before all of these.
        // Requests that cannot block run on the selector thread, the rest on virtual threads (docs/performance.md).
        jetty.setHandler(new io.jwsgi.frontend.InlineDispatch(VirtualThreads.getExecutor(pool), inline,
                new RequestIntake(readTimeouts, config.limitRequestBody(), new GracefulHandler(
                new io.jwsgi.drain.DrainHandler(drain, io.jwsgi.frontend.VirtualHost.around(config.serverNames(),
                        config.proxy().virtualHosts().stream().map(v -> v.host()).toList(),
                        Listeners.wrap(new io.jwsgi.ops.OperationsHandler(maxClients, config.operations(),
                                () -> groups.stream().map(g -> g.supervisor().status()).toList(), requests, perGroup,
                                config.version(), drain::draining), config.protocols())))))));
        // Error pages (400 for a malformed request, …) say the status and nothing about the server's internals.
        ErrorHandler errors = new ErrorHandler();
        errors.setShowStacks(false);
        errors.setShowCauses(false);
        errors.setShowMessageInTitle(false);
        jetty.setErrorHandler(errors);
        jetty.setStopTimeout(config.shutdownTimeout().toMillis());
        if (config.accessLog()) jetty.setRequestLog(accessLog(config));
        return jetty;
    }

    /** An HTTP/1.1 (and h2c) listener on host:port with the front end's backlog and socket timeout. */
    private static ServerConnector plainListener(org.eclipse.jetty.server.Server jetty, HttpConfiguration http,
                                                 ReadTimeouts readTimeouts, ServerConfig config, String host, int port) {
        ServerConnector listener = new ServerConnector(jetty,
                Listeners.plain(RequestIntake.connectionFactory(http, readTimeouts, config.registeredMethods()), http,
                        config.protocols()));
        listener.setHost(host);
        listener.setPort(port);
        listener.setAcceptQueueSize(config.serverBacklog());
        listener.setIdleTimeout(config.socketTimeout().toMillis());
        // --reuse-port (docs/scaling-out.md): a new server binds beside this one while it drains.
        listener.setReusePort(config.operations().reusePort());
        return listener;
    }

    /**
     * The access log (docs/logging.md). With --log-to-terminal it goes to standard output and the error log to
     * standard error, as mod_wsgi-express does; otherwise to its file, rotated with --rotate-logs.
     */
    private static RequestLog accessLog(ServerConfig config) {
        RequestLog.Writer writer;
        if (config.logToTerminal()) {
            writer = line -> System.out.println(line);
        } else {
            Path path = config.logDirectory().resolve(config.accessLogName());
            LogRotation rotation = config.logRotation();
            try {
                RotatingFile file = rotation.enabled() ? new RotatingFile(path, rotation.maxBytes(), rotation.maxFiles())
                        : RotatingFile.plain(path);
                writer = file::writeLine;
            } catch (IOException e) {
                throw new ConfigException("cannot open the access log " + path + ": " + e.getMessage());
            }
        }
        return new AccessLog(AccessLogFormat.parse(config.accessLogFormat()), writer, config.hostName(),
                java.time.ZoneId.systemDefault());
    }

    private void startJetty(SiteLoader.Plan plan) throws IOException {
        openConnectors();
        try {
            jetty.start();
        } catch (Exception e) {
            stopQuietly();
            throw new IOException("front end failed to start: " + e, e);
        }
        connector = (ServerConnector) jetty.getConnectors()[0];
        // The worker channels are read by the first listener's selectors.
        EventLoop loop = EventLoop.of(connector);
        for (WsgiHandler wsgi : jetty.getDescendants(WsgiHandler.class)) wsgi.useEventLoop(loop);
    }

    /** Binds every listener before starting, so a port that cannot be had is reported with its own option. */
    private void openConnectors() {
        for (Connector c : jetty.getConnectors()) {
            if (!(c instanceof ServerConnector listener)) continue;
            try {
                listener.open();
            } catch (IOException e) {
                for (Connector other : jetty.getConnectors()) {
                    if (other instanceof ServerConnector opened) opened.close();
                }
                boolean https = Listeners.HTTPS.equals(listener.getName());
                throw new ConfigException("cannot listen on " + (config.host() == null ? "*" : config.host()) + ":"
                        + listener.getPort() + ": " + e.getMessage() + " (is another server using the port? see "
                        + (https ? "--https-port" : "--port") + ")");
            }
        }
    }

    private static void printBanner(ServerConfig c, SiteLoader.Plan plan, Server s, Path errorLog) {
        List<String> lines = new ArrayList<>(List.of(
                "Server URL         : " + s.url()
                        + (s.httpsUrl() == null ? "" : "\nServer URL (HTTPS) : " + s.httpsUrl())
                        + (c.operations().serverStatus() ? "\nServer Status      : " + s.url()
                                + io.jwsgi.config.Operations.SERVER_STATUS_PATH.substring(1) : ""),
                "Server Root        : " + c.serverRoot(),
                "Error Log File     : " + (errorLog == null ? "(standard error)" : errorLog),
                "Operating Mode     : daemon",
                "Python Executable  : " + c.python()));
        if (plan == null || plan.express()) {
            lines.add("Processes          : " + c.processes());
            lines.add("Threads            : " + c.threads());
            lines.add("Entry Point        : " + (c.entryPoint() == null ? "(built-in welcome page)" : c.entryPoint()));
        }
        if (plan != null) {
            lines.add("Configuration File : " + plan.file());
            for (SiteLoader.Group g : plan.groups()) {
                lines.add("Process Group      : " + g.group().name() + " (processes " + g.config().processes()
                        + ", threads " + g.config().threads() + ")");
            }
        }
        String banner = String.join("\n", lines);
        System.out.println(banner);
        System.out.flush();
        startupLog(c, banner);
    }

    private static int startupFailure(ServerConfig config, String message, int exitCode) {
        Logging.terminal().println("jwsgi: " + message);
        startupLog(config, "jwsgi: " + message);
        return exitCode;
    }

    /** --startup-log: what start-up printed, also kept in {@code <log-directory>/<startup-log-name>}. */
    private static void startupLog(ServerConfig c, String text) {
        if (!c.startupLog()) return;
        try {
            Files.createDirectories(c.logDirectory());
            Files.writeString(c.logDirectory().resolve(c.startupLogName()), text + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("jwsgi: cannot write the startup log: " + e.getMessage());
        }
    }

    public int port() {
        return connector.getLocalPort();
    }

    public String url() {
        String host = config.serverNames().enabled() ? config.serverNames().serverName()
                : config.host() == null || config.host().isEmpty() || config.host().equals("0.0.0.0") ? "localhost" : config.host();
        return "http://" + host + ":" + port() + "/";
    }

    /** The HTTPS listener's bound port, or null without --https-port. */
    public Integer httpsPort() {
        for (Connector c : jetty.getConnectors()) {
            if (Listeners.HTTPS.equals(c.getName()) && c instanceof ServerConnector https) return https.getLocalPort();
        }
        return null;
    }

    /** The server's primary group: the group of the server root it just created. */
    private static String ownGroup(Path serverRoot) {
        try {
            return Files.readAttributes(serverRoot, java.nio.file.attribute.PosixFileAttributes.class).group().getName();
        } catch (IOException e) {
            return null;
        }
    }

    /** The HTTPS listener's URL, or null without --https-port. */
    public String httpsUrl() {
        for (Connector c : jetty.getConnectors()) {
            if (Listeners.HTTPS.equals(c.getName()) && c instanceof ServerConnector https) {
                return url().replaceFirst("^http://(.*):\\d+/$", "https://$1:" + https.getLocalPort() + "/");
            }
        }
        return null;
    }

    public GroupDispatcher dispatcher() {
        return groups.getFirst().dispatcher();
    }

    /**
     * SIGHUP: every group's workers are replaced by new ones (new code) and the HTTPS certificates read again; systemd
     * hears RELOADING=1 first and READY=1 once every slot has a new process that is ready.
     */
    private void reload() {
        java.util.Set<Long> old = new java.util.HashSet<>();
        for (Group g : groups) for (var p : g.supervisor().status().workers()) old.add(p.pid());
        notify.reloading("reloading: new worker processes starting");
        for (Group g : groups) g.supervisor().reload();
        Listeners.reloadCertificates(jetty, config.protocols()); // docs/tls.md
        if (!notify.enabled()) return;
        while (!stopping.get()) {
            if (groups.stream().allMatch(g -> replaced(g.supervisor().status(), old))) {
                notify.ready(serviceStatus());
                return;
            }
            try {
                Thread.sleep(100); // polls a lock-free snapshot; only while a reload is announced to systemd
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Every slot of the group holds a ready process that was not there before the reload. */
    private static boolean replaced(io.jwsgi.daemon.GroupStatus status, java.util.Set<Long> old) {
        long fresh = status.workers().stream()
                .filter(p -> !p.retiring() && p.state().equals("ready") && !old.contains(p.pid())).count();
        return fresh >= status.processes();
    }

    /** systemd's STATUS= line while serving (systemctl status shows it). */
    private String serviceStatus() {
        int processes = groups.stream().mapToInt(g -> g.supervisor().status().processes()).sum();
        return "serving " + url() + " with " + processes + " worker process" + (processes == 1 ? "" : "es");
    }

    /** WATCHDOG=1 every WATCHDOG_USEC/2 while the server runs, when systemd watches it (WatchdogSec=). */
    private void startWatchdog() {
        Duration every = notify.watchdogInterval();
        if (every == null) return;
        Thread.ofPlatform().daemon().name("jwsgi-systemd-watchdog").start(() -> {
            io.jwsgi.ops.SystemdNotify n = notify;
            try {
                while (stopped.getCount() > 0) {
                    n.watchdog();
                    if (stopped.await(every.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)) return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        log.info("systemd watchdog on interval_ms={}", every.toMillis());
    }


    /**
     * Graceful stop: the front end drains (health check 503, --drain-delay, then in-flight requests get
     * --shutdown-timeout; docs/lifecycle.md), then every worker exits (SIGKILL past shutdown-timeout).
     */
    public void stop() {
        if (!stopping.compareAndSet(false, true)) {
            awaitStopped();
            return;
        }
        try {
            log.info("server stopping");
            notify.stopping("stopping: draining, then the worker processes exit");
            // The front end drains first (docs/lifecycle.md); at shutdown-timeout the dispatchers give up on what the
            // workers still run, so that every such request is answered and logged before the workers are stopped.
            Duration left = drain.drain(jetty, () -> groups.stream().mapToInt(g -> g.dispatcher().cutOff()).sum(),
                    serving);
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (Group g : groups) all.add(g.supervisor().stop(left));
            for (Supervisor service : services) all.add(service.stop());
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
            drain.close(jetty); // after the workers: Jetty's selectors read their channels
            log.info("server stopped");
        } finally {
            stopped.countDown();
        }
    }

    private void stopQuietly() {
        try {
            jetty.stop();
        } catch (Exception e) {
            log.warn("front end stop failed error={}", e.toString());
        }
    }

    public void awaitStopped() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
