package io.jwsgi.config;

import static io.jwsgi.config.Setting.Section.APPLICATION;
import static io.jwsgi.config.Setting.Section.AUTH;
import static io.jwsgi.config.Setting.Section.CONTENT;
import static io.jwsgi.config.Setting.Section.DAEMON;
import static io.jwsgi.config.Setting.Section.DEBUGGING;
import static io.jwsgi.config.Setting.Section.HTTPS;
import static io.jwsgi.config.Setting.Section.IGNORED;
import static io.jwsgi.config.Setting.Section.LOGGING;
import static io.jwsgi.config.Setting.Section.PROXY;
import static io.jwsgi.config.Setting.Section.OPERATIONS;
import static io.jwsgi.config.Setting.Section.PYTHON;
import static io.jwsgi.config.Setting.Section.SERVER;
import static io.jwsgi.config.Setting.Section.TRUST;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The catalogue: every {@code start-server} option, each declared once. Names and defaults are mod_wsgi-express's
 * ({@code src/express/options.py}) unless the help says otherwise; {@code --python} is jwsgi's own, standing in
 * for the interpreter mod_wsgi was compiled against.
 *
 * <p>Parsing ({@link Arguments}), {@link ServerConfig}, {@code start-server --help} and {@code docs/settings.md}
 * all read this list; adding an option here is the whole job of declaring it.
 */
public final class StartServerSettings {
    private StartServerSettings() {}

    // Application

    public static final Setting<String> ENTRY_POINT = Setting.of(APPLICATION, "entry-point", "FILE|MODULE",
                    ValueType.text())
            .withHelp("The WSGI application: a script path (--application-type script) or a module name "
                    + "(--application-type module). Same as the SCRIPT argument, and wins over it. Without either, "
                    + "a welcome page is served.");

    public static final Setting<ApplicationType> APPLICATION_TYPE = Setting.of(APPLICATION, "application-type",
                    "script|module", ValueType.choice(ApplicationType.SCRIPT, ApplicationType.MODULE))
            .withDefault("script")
            .withHelp("How the entry point is loaded: script = a Python file run as a module named __wsgi__; "
                    + "module = an importable module name.");

    public static final Setting<String> CALLABLE_OBJECT = Setting.of(APPLICATION, "callable-object", "NAME",
                    ValueType.text())
            .withDefault("application")
            .withHelp("Name of the WSGI callable in the entry point.");

    public static final Setting<String> MOUNT_POINT = Setting.of(APPLICATION, "mount-point", "URL",
                    ValueType.text().check(v -> v.startsWith("/"), v -> "'" + v + "' does not start with '/'"))
            .withDefault("/")
            .withHelp("URL prefix the application is mounted at: it becomes SCRIPT_NAME, the rest of the path "
                    + "PATH_INFO. A trailing '/' is dropped.");

    public static final Setting<Path> WORKING_DIRECTORY = Setting.of(APPLICATION, "working-directory", "DIR",
                    ValueType.path())
            .withComputedDefault("current directory")
            .withHelp("Current directory of the worker processes, also put first on sys.path.");

    public static final Setting<Path> PYTHON_PATH = Setting.of(APPLICATION, "python-path", "DIR", ValueType.path())
            .asRepeatable()
            .withHelp("Directory to add to sys.path in the workers (as mod_wsgi's python-path=, which uses "
                    + "site.addsitedir, so .pth files in it are processed).");

    public static final Setting<Map.Entry<String, String>> SETENV = Setting.of(APPLICATION, "setenv", "KEY VALUE",
                    ValueType.pair())
            .asRepeatable()
            .withHelp("Add KEY with VALUE to every request's WSGI environ (Apache SetEnv). A repeated KEY keeps "
                    + "the last VALUE. HTTPS also decides wsgi.url_scheme, as in mod_wsgi: on or 1 "
                    + "means https, anything else http (for an application behind a TLS-terminating proxy).");

    public static final Setting<Path> INCLUDE_FILE = Setting.of(APPLICATION, "include-file", "FILE",
                    ValueType.path())
            .asRepeatable()
            .withHelp("Apache-style configuration directives to add (docs/configuration.md): more WSGIScriptAlias "
                    + "mounts and the WSGIDaemonProcess groups they run in, Alias, Redirect, access rules. Requests "
                    + "none of them match go to the application, as in mod_wsgi-express.");

    public static final Setting<String> PASSENV = Setting.of(APPLICATION, "passenv", "KEY", ValueType.text())
            .asRepeatable()
            .withHelp("Copy the server's environment variable KEY into every request's WSGI environ "
                    + "(Apache PassEnv).");

    public static final Setting<String> APPLICATION_GROUP = Setting.of(APPLICATION, "application-group", "NAME",
                    ValueType.text().check(v -> v.equals("%{GLOBAL}"),
                            v -> "only %{GLOBAL} (the main interpreter) is supported; sub-interpreters are not, got '"
                                    + v + "'"))
            .withDefault("%{GLOBAL}")
            .withHelp("Python interpreter the application runs in. Only %{GLOBAL}, the main interpreter (the "
                    + "mod_wsgi-express default, and what C extensions such as NumPy need), is supported.");

    // Python

    public static final Setting<String> PYTHON_EXECUTABLE = Setting.of(PYTHON, "python", "PATH", ValueType.text())
            .withComputedDefault("python3 on PATH, or VENV/bin/python3 with --python-home")
            .withHelp("Python interpreter that runs the workers: a path, or a name looked up on PATH. "
                    + "jwsgi's own option: mod_wsgi uses the Python it was built against.");

    public static final Setting<Path> PYTHON_HOME = Setting.of(PYTHON, "python-home", "VENV", ValueType.path())
            .withHelp("Python installation or virtual environment (sys.prefix) for the workers. Without "
                    + "--python, its bin/python3 (or bin/python) is the interpreter.");

    // Server

    public static final Setting<String> HOST = Setting.of(SERVER, "host", "IP", ValueType.text())
            .withComputedDefault("all interfaces")
            .withHelp("Address to listen on. When unset, names derived from the host (server root, process "
                    + "group) use 'localhost'.");

    public static final Setting<Integer> PORT = Setting.of(SERVER, "port", "N", ValueType.port())
            .withDefault("8000")
            .withHelp("Port to listen on for HTTP. 0 lets the operating system pick a free port.");


    public static final Setting<Boolean> REUSE_PORT = Setting.flag(SERVER, "reuse-port")
            .withHelp("Bind every listener with SO_REUSEPORT, so that a new server can bind the same address and "
                    + "port while the old one still serves and drains (a rolling restart without a second port); "
                    + "the kernel spreads new connections over all the servers bound. Every server sharing the "
                    + "port must set it, and run as the same user. No effect on a socket passed by systemd "
                    + "(LISTEN_FDS), which is already shared. jwsgi's own option; docs/scaling-out.md.");

    public static final Setting<Path> SERVER_ROOT = Setting.of(SERVER, "server-root", "DIR", ValueType.path())
            .withComputedDefault("$TMPDIR or /tmp, then /jwsgi-<host>:<port>:<uid>")
            .withHelp("Directory for the server's generated files, sockets and (by default) logs.");

    public static final Setting<Integer> SERVER_BACKLOG = Setting.of(SERVER, "server-backlog", "N",
                    ValueType.wholeNumber(1))
            .withDefault("500")
            .withHelp("Length of the listen queue of the HTTP socket.");

    public static final Setting<Integer> MAX_CLIENTS = Setting.of(SERVER, "max-clients", "N",
                    ValueType.wholeNumber(1))
            .withComputedDefault("computed: 10 + max(10, int(1.5 * processes * threads))")
            .withHelp("Most requests the front end handles at once (Apache's MaxRequestWorkers); more wait "
                    + "in the front end until one finishes. Idle keep-alive connections do not count. Must be at "
                    + "least processes * threads (mod_wsgi-express raises smaller values silently; jwsgi refuses "
                    + "them).");


    public static final Setting<Duration> KEEP_ALIVE_TIMEOUT = Setting.of(SERVER, "keep-alive-timeout", "SECONDS",
                    ValueType.seconds())
            .withDefault("2")
            .withHelp("Seconds an idle keep-alive connection is held open after a response; 0 turns keep-alive off "
                    + "(every response closes its connection).");

    public static final Setting<Duration> SOCKET_TIMEOUT = Setting.of(SERVER, "socket-timeout", "SECONDS",
                    ValueType.seconds())
            .withDefault("60")
            .withHelp("Seconds a read from or write to the client may block before the connection is closed "
                    + "(Apache's Timeout); also the longest a request waits for the next bytes from its worker before it is "
                    + "answered with 504.");

    public static final Setting<Long> LIMIT_REQUEST_BODY = Setting.of(SERVER, "limit-request-body", "BYTES",
                    ValueType.longNumber(0))
            .withDefault("10485760")
            .withHelp("Largest request body accepted, in bytes; larger requests are refused with 413. 0 means "
                    + "no limit.");

    // HTTPS and HTTP/2 (docs/tls.md)

    public static final Setting<Boolean> HTTP2 = Setting.flag(HTTPS, "http2")
            .withHelp("Speak HTTP/2 as well as HTTP/1.1: h2 over TLS (negotiated with ALPN) on the HTTPS port, and "
                    + "h2c (prior knowledge or Upgrade: h2c) on the plain HTTP port.");

    public static final Setting<Integer> HTTPS_PORT = Setting.of(HTTPS, "https-port", "N", ValueType.port())
            .withHelp("Also listen for HTTPS on this port (0 lets the operating system pick one). Needs "
                    + "--ssl-certificate-file and --ssl-certificate-key-file (or --ssl-certificate); every other "
                    + "SSL option needs this one.");

    public static final Setting<Path> SSL_CERTIFICATE_FILE = Setting.of(HTTPS, "ssl-certificate-file", "FILE",
                    ValueType.path())
            .withHelp("PEM file with the server certificate, optionally followed by its intermediate certificates "
                    + "(certbot's fullchain.pem).");

    public static final Setting<Path> SSL_CERTIFICATE_KEY_FILE = Setting.of(HTTPS, "ssl-certificate-key-file",
                    "FILE", ValueType.path())
            .withHelp("PEM file with the certificate's private key, unencrypted: PKCS#8 (BEGIN PRIVATE KEY, "
                    + "certbot's privkey.pem), or BEGIN RSA PRIVATE KEY, or BEGIN EC PRIVATE KEY.");

    public static final Setting<Path> SSL_CERTIFICATE = Setting.of(HTTPS, "ssl-certificate", "STEM",
                    ValueType.path())
            .withHelp("Shorthand for --ssl-certificate-file STEM.crt --ssl-certificate-key-file STEM.key; an "
                    + "explicit file option wins over it.");

    public static final Setting<Path> SSL_CERTIFICATE_CHAIN_FILE = Setting.of(HTTPS, "ssl-certificate-chain-file",
                    "FILE", ValueType.path())
            .withHelp("PEM file with intermediate CA certificates sent after the server certificate (Apache's "
                    + "SSLCertificateChainFile); not needed when the certificate file already holds the chain.");

    public static final Setting<Path> SSL_CA_CERTIFICATE_FILE = Setting.of(HTTPS, "ssl-ca-certificate-file", "FILE",
                    ValueType.path())
            .withHelp("PEM file with the CA certificates client certificates must be issued by (directly, "
                    + "SSLVerifyDepth 1). With it, the whole site requires a client certificate unless "
                    + "--ssl-verify-client names the URLs that do; a request without one is answered 403.");

    public static final Setting<String> SSL_VERIFY_CLIENT = Setting.of(HTTPS, "ssl-verify-client", "URL",
                    ValueType.text().check(v -> v.startsWith("/"), v -> "'" + v + "' does not start with '/'"))
            .asRepeatable()
            .withHelp("URL prefix that requires a client certificate (Apache <Location> matching: a plain prefix "
                    + "of the path); only these do. Plain-HTTP requests to them are refused too.");

    public static final Setting<Boolean> SSL_ENVIRONMENT = Setting.flag(HTTPS, "ssl-environment")
            .withHelp("Put mod_ssl's standard SSL_* variables (protocol, cipher, client certificate names, ...) in "
                    + "the environ of HTTPS requests.");

    public static final Setting<Boolean> HTTPS_ONLY = Setting.flag(HTTPS, "https-only")
            .withHelp("Redirect every plain-HTTP request to the same path and query on the HTTPS port (308, which "
                    + "keeps the method and body).");

    public static final Setting<String> HSTS_POLICY = Setting.of(HTTPS, "hsts-policy", "PARAMS", ValueType.text())
            .withHelp("Strict-Transport-Security header value sent on HTTPS responses, e.g. 'max-age=31536000; "
                    + "includeSubDomains'. Needs --https-only, as in mod_wsgi-express.");

    // Client limits: Apache's LimitRequest* directives and mod_reqtimeout's RequestReadTimeout (mod_wsgi-express's
    // --header-timeout ... --body-min-rate). One block, resolved into RequestLimits.

    public static final Setting<Integer> LIMIT_REQUEST_LINE = Setting.of(SERVER, "limit-request-line", "BYTES",
                    ValueType.wholeNumber(64))
            .withDefault("8190")
            .withHelp("Longest request line (method, target, version and CRLF) accepted, in bytes; longer is refused with "
                    + "414 and the connection closed. Apache's LimitRequestLine; mod_wsgi-express has no option.");

    public static final Setting<Integer> LIMIT_REQUEST_FIELD_SIZE = Setting.of(SERVER, "limit-request-field-size",
                    "BYTES", ValueType.wholeNumber(64))
            .withDefault("8190")
            .withHelp("Longest request header field line (with its CRLF) accepted, in bytes; longer is refused with 431. "
                    + "Apache's LimitRequestFieldSize (which does not count the CRLF).");

    public static final Setting<Integer> LIMIT_REQUEST_FIELDS = Setting.of(SERVER, "limit-request-fields", "N",
                    ValueType.wholeNumber(1))
            .withDefault("100")
            .withHelp("Most request header fields accepted; more are refused with 431. Apache's LimitRequestFields.");

    public static final Setting<Boolean> REGISTERED_METHODS = Setting.flag(SERVER, "registered-methods")
            .withHelp("Answer 501 Not Implemented, before the application, to a request whose method Apache does not "
                    + "register: GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH and the WebDAV and DeltaV "
                    + "methods (PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK, VERSION-CONTROL, REPORT, ...); "
                    + "--register-method adds more. Apache's HttpProtocolOptions RegisteredMethods. Off by default "
                    + "(Apache's LenientMethods): any method that is a token reaches the application.");

    public static final Setting<String> REGISTER_METHOD = Setting.of(SERVER, "register-method", "METHOD",
                    ValueType.text().check(StartServerSettings::isToken,
                            v -> "'" + v + "' is not a method name (an HTTP token such as MKCALENDAR)"))
            .asRepeatable()
            .withHelp("With --registered-methods, one more method to serve, such as CalDAV's MKCALENDAR (method "
                    + "names are case-sensitive). jwsgi's own option.");

    public static final Setting<Duration> HEADER_TIMEOUT = Setting.of(SERVER, "header-timeout", "SECONDS",
                    ValueType.seconds())
            .withDefault("15")
            .withHelp("Seconds a client has to send a complete request head (from the connection's start, or from "
                    + "the first byte of a later request on it); it then gets 408 and the connection is closed. "
                    + "mod_reqtimeout's header=. 0 turns the header timeout off.");

    public static final Setting<Duration> HEADER_MAX_TIMEOUT = Setting.of(SERVER, "header-max-timeout", "SECONDS",
                    ValueType.seconds())
            .withDefault("30")
            .withHelp("The header timeout grows by one second for every --header-min-rate bytes received, up to this "
                    + "many seconds. 0 means no maximum.");

    public static final Setting<Integer> HEADER_MIN_RATE = Setting.of(SERVER, "header-min-rate", "BYTES",
                    ValueType.wholeNumber(0))
            .withDefault("500")
            .withHelp("Bytes of the request head that earn one more second of --header-timeout (mod_reqtimeout's "
                    + "MinRate). 0: the header timeout never grows.");

    public static final Setting<Duration> BODY_TIMEOUT = Setting.of(SERVER, "body-timeout", "SECONDS",
                    ValueType.seconds())
            .withDefault("15")
            .withHelp("Seconds the server may spend waiting for a request body's bytes; then 408 (or an aborted "
                    + "connection once the response started) and the application's wsgi.input read fails. Time the "
                    + "application spends not reading is not counted. 0 turns the body timeout off.");

    public static final Setting<Duration> BODY_MAX_TIMEOUT = Setting.of(SERVER, "body-max-timeout", "SECONDS",
                    ValueType.seconds())
            .withDefault("0")
            .withHelp("The body timeout grows by one second for every --body-min-rate bytes received, up to this many "
                    + "seconds. 0 means no maximum.");

    public static final Setting<Integer> BODY_MIN_RATE = Setting.of(SERVER, "body-min-rate", "BYTES",
                    ValueType.wholeNumber(0))
            .withDefault("500")
            .withHelp("Bytes of request body that earn one more second of --body-timeout. 0: the body timeout never "
                    + "grows.");

    // Worker processes

    public static final Setting<Integer> PROCESSES = Setting.of(DAEMON, "processes", "N", ValueType.wholeNumber(1))
            .withDefault("1")
            .withHelp("Number of worker processes. Giving this option at all, even as 1, sets "
                    + "wsgi.multiprocess to True (as mod_wsgi does).");

    public static final Setting<Integer> THREADS = Setting.of(DAEMON, "threads", "N", ValueType.wholeNumber(1))
            .withDefault("5")
            .withHelp("Request threads in each worker process.");

    public static final Setting<String> PROCESS_GROUP = Setting.of(DAEMON, "process-group", "NAME",
                    ValueType.text())
            .withComputedDefault("<host>:<port>")
            .withHelp("Name of the worker process group, shown in process titles and logs.");

    public static final Setting<Integer> DAEMON_BACKLOG = Setting.of(DAEMON, "daemon-backlog", "N",
                    ValueType.wholeNumber(1))
            .withDefault("100")
            .withHelp("Most requests waiting for a free worker thread; further requests are refused at once.");

    public static final Setting<Duration> QUEUE_TIMEOUT = Setting.of(DAEMON, "queue-timeout", "SECONDS",
                    ValueType.seconds())
            .withDefault("45")
            .withHelp("Most seconds a request may wait for a free worker thread before it fails with 503 "
                    + "(mod_wsgi answers 504, and only when a worker picks the request up); 0 waits indefinitely.");

    public static final Setting<Duration> CONNECT_TIMEOUT = Setting.of(DAEMON, "connect-timeout", "SECONDS",
                    ValueType.seconds())
            .withDefault("15")
            .withHelp("Most seconds a request waits for a worker process to be available at all (none started or "
                    + "all restarting) before it fails with 503; queue-timeout bounds the wait for a busy one.");



    public static final Setting<Integer> MAXIMUM_REQUESTS = Setting.of(DAEMON, "maximum-requests", "N",
                    ValueType.wholeNumber(0))
            .withDefault("0")
            .withHelp("Requests a worker process serves before it is recycled: it stops taking requests, a "
                    + "replacement starts at once, and its active requests finish within --graceful-timeout. "
                    + "0 means never.");

    public static final Setting<Integer> MAXIMUM_REQUESTS_JITTER = Setting.of(DAEMON, "maximum-requests-jitter",
                    "N", ValueType.wholeNumber(0))
            .withDefault("0")
            .withHelp("Each worker process's limit is --maximum-requests plus a random 0..N, drawn when it starts, so "
                    + "a pool does not recycle all at once. jwsgi's own option (gunicorn's max-requests-jitter).");

    public static final Setting<Duration> RESTART_INTERVAL = Setting.of(DAEMON, "restart-interval", "SECONDS",
                    ValueType.seconds())
            .withDefault("0")
            .withHelp("Recycle a worker process this many seconds after it started (gracefully, as with "
                    + "--maximum-requests). 0 means never.");

    public static final Setting<Duration> INACTIVITY_TIMEOUT = Setting.of(DAEMON, "inactivity-timeout", "SECONDS",
                    ValueType.seconds())
            .withDefault("0")
            .withHelp("Recycle a worker process that has had no active request and no request activity for this "
                    + "many seconds; armed only once it has served a request (as mod_wsgi). 0 means never.");

    public static final Setting<Duration> GRACEFUL_TIMEOUT = Setting.of(DAEMON, "graceful-timeout", "SECONDS",
                    ValueType.seconds())
            .withDefault("15")
            .withHelp("Seconds a recycled worker process (maximum-requests, restart-interval, inactivity, memory or "
                    + "CPU limit, request-timeout) is given to finish its active requests before it is asked to "
                    + "exit (SIGTERM, then --shutdown-timeout).");

    public static final Setting<Duration> EVICTION_TIMEOUT = Setting.of(DAEMON, "eviction-timeout", "SECONDS",
                    ValueType.seconds())
            .withDefault("0")
            .withHelp("Seconds worker processes are given to finish their requests after a graceful restart "
                    + "(SIGUSR1 to the server). 0 means --graceful-timeout.");

    public static final Setting<Duration> REQUEST_TIMEOUT = Setting.of(DAEMON, "request-timeout", "SECONDS",
                    ValueType.seconds())
            .withDefault("60")
            .withHelp("A request running longer is answered with 504, every thread's Python stack is dumped to the "
                    + "error log and its process recycled. With --threads above 1 the measure is the total run time "
                    + "of the process's active requests divided by the thread count (mod_wsgi 4.x). 0 means never.");

    public static final Setting<Duration> INTERRUPT_TIMEOUT = Setting.of(DAEMON, "interrupt-timeout", "SECONDS",
                    ValueType.seconds())
            .withDefault("0")
            .withHelp("With a value above 0, a request past --request-timeout first gets mod_wsgi.RequestTimeout "
                    + "raised in its own thread (answered 504; the process keeps serving); only if it is still "
                    + "running this many seconds later is the process recycled. jwsgi's own option.");

    public static final Setting<Duration> STARTUP_TIMEOUT = Setting.of(DAEMON, "startup-timeout", "SECONDS",
                    ValueType.seconds())
            .withDefault("15")
            .withHelp("A worker process not ready (application loaded, every thread connected) this many seconds "
                    + "after it started is killed and replaced. 0 means wait indefinitely.");

    public static final Setting<Duration> DEADLOCK_TIMEOUT = Setting.of(DAEMON, "deadlock-timeout", "SECONDS",
                    ValueType.seconds())
            .withDefault("60")
            .withHelp("A worker process whose heartbeat (sent by a thread that must hold the Python GIL) stops for "
                    + "this many seconds is killed (SIGKILL) and replaced. 0 means never.");

    public static final Setting<Long> MEMORY_LIMIT = Setting.of(DAEMON, "memory-limit", "BYTES",
                    ValueType.longNumber(0))
            .withDefault("0")
            .withHelp("Per worker process: its data segment limit (RLIMIT_DATA, set before the application loads; "
                    + "enforced by Linux 4.7 and later, ignored by macOS), and beyond mod_wsgi a graceful recycle once "
                    + "its resident memory (VmRSS, checked every second; Linux only) passes it. 0 means no limit.");

    public static final Setting<Long> VIRTUAL_MEMORY_LIMIT = Setting.of(DAEMON, "virtual-memory-limit", "BYTES",
                    ValueType.longNumber(0))
            .withDefault("0")
            .withHelp("Per worker process: its address space limit (RLIMIT_AS), set before the application loads; "
                    + "an allocation beyond it fails with MemoryError. Ignored on macOS. 0 means no limit.");

    public static final Setting<Integer> CPU_TIME_LIMIT = Setting.of(DAEMON, "cpu-time-limit", "SECONDS",
                    ValueType.wholeNumber(0))
            .withDefault("0")
            .withHelp("Per worker process: CPU seconds (RLIMIT_CPU) after which it is recycled gracefully (it gets "
                    + "SIGXCPU and asks to be retired). 0 means no limit.");

    public static final Setting<String> USER = Setting.of(DAEMON, "user", "NAME", ValueType.text())
            .withComputedDefault("the user running the server")
            .withHelp("User the worker processes run as. Only when the server is started as root (the worker "
                    + "drops privileges before loading anything; any failure stops that worker). Ignored, with a "
                    + "warning, otherwise.");

    public static final Setting<String> GROUP = Setting.of(DAEMON, "group", "NAME", ValueType.text())
            .withComputedDefault("the primary group of --user")
            .withHelp("Group the worker processes run as; only when started as root.");

    public static final Setting<List<String>> SUPPLEMENTARY_GROUPS = Setting.of(DAEMON, "supplementary-groups",
                    "GROUP,...", ValueType.commaList())
            .withHelp("Comma-separated supplementary groups of the worker processes; only when started as root.");

    public static final Setting<String> UMASK = Setting.of(DAEMON, "umask", "0NNN", ValueType.octalMask())
            .withComputedDefault("inherited")
            .withHelp("File mode creation mask of the worker processes, in octal (0022).");

    public static final Setting<String> LANG = Setting.of(DAEMON, "lang", "NAME", ValueType.text())
            .withComputedDefault("--locale, or C.UTF-8 when the inherited locale is C, POSIX or unset")
            .withHelp("LANG in the worker processes' environment.");

    public static final Setting<String> LOCALE = Setting.of(DAEMON, "locale", "NAME", ValueType.text())
            .withComputedDefault("--lang")
            .withHelp("LC_ALL in the worker processes' environment.");

    public static final Setting<String> PYTHON_HASH_SEED = Setting.of(DAEMON, "python-hash-seed", "random|N",
                    ValueType.hashSeed())
            .withHelp("PYTHONHASHSEED of the worker processes: random, or 0 to 4294967295 (mod_wsgi's "
                    + "WSGIPythonHashSeed). Unset inherits the server's environment.");

    public static final Setting<Boolean> DONT_WRITE_BYTECODE = Setting.flag(DAEMON, "dont-write-bytecode")
            .withHelp("Workers do not write .pyc files (PYTHONDONTWRITEBYTECODE=1; mod_wsgi's "
                    + "WSGIDontWriteBytecode).");

    public static final Setting<String> PROCESS_NAME = Setting.of(DAEMON, "process-name", "NAME", ValueType.text())
            .withComputedDefault("(wsgi:<process-group>)")
            .withHelp("Name the worker processes show in ps -o comm and top (mod_wsgi's display-name): the kernel's "
                    + "process name, at most 15 characters. Linux only; ignored elsewhere.");

    public static final Setting<Boolean> RELOAD_ON_CHANGES = Setting.flag(DAEMON, "reload-on-changes")
            .withHelp("Recycle the worker processes when the file of any loaded Python module changes "
                    + "(checked about every second). Touching the WSGI script always recycles its group.");

    public static final Setting<Map.Entry<String, String>> SERVICE_SCRIPT = Setting.of(DAEMON, "service-script",
                    "NAME PATH", ValueType.pair())
            .asRepeatable()
            .withHelp("Run the Python script PATH in a supervised process of its own named NAME, with no request "
                    + "threads: restarted when it exits, stopped with SIGTERM (SystemExit in the script) when the "
                    + "server stops.");

    public static final Setting<Map.Entry<String, String>> SERVICE_USER = Setting.of(DAEMON, "service-user",
                    "NAME USER", ValueType.pair())
            .asRepeatable()
            .withComputedDefault("--user")
            .withHelp("User the --service-script NAME process runs as; only when started as root.");

    public static final Setting<Map.Entry<String, String>> SERVICE_GROUP = Setting.of(DAEMON, "service-group",
                    "NAME GROUP", ValueType.pair())
            .asRepeatable()
            .withComputedDefault("--group")
            .withHelp("Group the --service-script NAME process runs as; only when started as root.");

    public static final Setting<Map.Entry<String, String>> SERVICE_LOG_FILE = Setting.of(DAEMON, "service-log-file",
                    "NAME FILE", ValueType.pair())
            .asRepeatable()
            .withComputedDefault("the error log")
            .withHelp("Append the output of the --service-script NAME process to FILE (relative to the log "
                    + "directory) instead of the error log.");

    public static final Setting<Duration> SHUTDOWN_TIMEOUT = Setting.of(DAEMON, "shutdown-timeout", "SECONDS",
                    ValueType.seconds())
            .withDefault("5")
            .withHelp("Seconds a stopping worker is given to finish before it is killed. When the server stops "
                    + "(SIGTERM), the requests still running once the listener has closed (after --drain-delay) get "
                    + "this long; those left after it are answered 503 and logged, and the workers get what remains "
                    + "(at least a second) before SIGKILL.");


    public static final Setting<Integer> HEADER_BUFFER_SIZE = Setting.of(DAEMON, "header-buffer-size", "BYTES",
                    ValueType.wholeNumber(0).check(v -> v == 0 || v >= 8192,
                            v -> "must be 0 (meaning 32768) or at least 8192, got " + v))
            .withDefault("0")
            .withHelp("Largest response head (status line and every header) accepted from the application; more is "
                    + "answered with 500 and one error-log line. 0 means 32768. mod_wsgi bounds each line instead; "
                    + "bounding the whole head is stricter.");


    public static final Setting<Integer> RESPONSE_BUFFER_SIZE = Setting.of(DAEMON, "response-buffer-size", "BYTES",
                    ValueType.wholeNumber(0))
            .withDefault("0")
            .withHelp("Response bytes the front end buffers before writing to the client (Jetty's output buffer); "
                    + "0 means Jetty's default (32768).");

    // Name-based virtual host (docs/virtual-hosts.md)

    public static final Setting<String> SERVER_NAME = Setting.of(SERVER, "server-name", "HOST",
                    ValueType.text().check(ServerNames::isHostName,
                            v -> "'" + v + "' is not a host name (letters, digits, '-', '_' and dots; no port)"))
            .withHelp("Serve only requests whose Host (port aside) is HOST or a --server-alias, as a name-based "
                    + "virtual host. When HOST starts with 'www.', requests for the bare domain are redirected "
                    + "(301) to HOST, path and query kept. Any other Host is refused with 403 (mod_wsgi-express's "
                    + "catch-all virtual host), unless --allow-localhost. The start-up banner's URL uses HOST.");

    public static final Setting<String> SERVER_ALIAS = Setting.of(SERVER, "server-alias", "HOST",
                    ValueType.text().check(ServerNames::isHostPattern,
                            v -> "'" + v + "' is not a host name or wildcard pattern such as *.example.com"))
            .asRepeatable()
            .withHelp("Another Host served as --server-name (Apache's ServerAlias): '*' matches any run of "
                    + "characters, '?' any one character, so *.example.com matches every subdomain. Needs "
                    + "--server-name.");

    public static final Setting<Boolean> ALLOW_LOCALHOST = Setting.flag(SERVER, "allow-localhost")
            .withHelp("With --server-name, still serve clients connecting from the loopback interface whatever Host "
                    + "they send (mod_wsgi-express: Require host localhost in the catch-all virtual host); other "
                    + "clients with an unknown Host keep getting 403. Needs --server-name.");

    // Reverse proxy (docs/proxying.md)

    public static final Setting<Map.Entry<String, String>> PROXY_MOUNT_POINT = Setting.of(PROXY,
                    "proxy-mount-point", "URL-PATH URL", ValueType.pair())
            .asRepeatable()
            .withHelp("Proxy requests under URL-PATH to URL (http://host[:port][/path], or unix:/socket|http://host"
                    + "[/path] for a backend on a UNIX socket): URL-PATH is replaced by the URL's path, the query "
                    + "kept; WebSocket upgrades are tunnelled; Location headers pointing at URL are mapped back; "
                    + "URL-PATH itself redirects to URL-PATH/. The longest matching URL-PATH wins.");

    public static final Setting<Map.Entry<String, String>> PROXY_URL_ALIAS = Setting.of(PROXY,
                    "proxy-url-alias", "URL-PATH URL", ValueType.pair())
            .asRepeatable()
            .withHelp("Same as --proxy-mount-point (mod_wsgi-express's older name, kept for old command lines).");

    public static final Setting<Map.Entry<String, String>> PROXY_VIRTUAL_HOST = Setting.of(PROXY,
                    "proxy-virtual-host", "HOSTNAME URL", ValueType.pair())
            .asRepeatable()
            .withHelp("Proxy every request whose Host is HOSTNAME (any port) to URL (as for --proxy-mount-point), "
                    + "path and query appended; checked before the mount points and the application.");

    public static final Setting<Duration> PROXY_TIMEOUT = Setting.of(PROXY, "proxy-timeout", "SECONDS",
                    ValueType.seconds())
            .withComputedDefault("--socket-timeout")
            .withHelp("Seconds a proxied request waits for the backend's next bytes before it is answered with 504 "
                    + "(or cut, once the response has started); also how long a tunnelled WebSocket may stay idle "
                    + "(Apache's ProxyTimeout).");

    // Static files and compression (docs/static-files.md)

    public static final Setting<Path> DOCUMENT_ROOT = Setting.of(CONTENT, "document-root", "DIR", ValueType.path())
            .withHelp("Directory of static files served in front of the application: a request for a file "
                    + "that exists there is answered from it (GET and HEAD; other methods get 405), everything else "
                    + "goes to the application. "
                    + "mod_wsgi-express defaults to an empty <server-root>/htdocs; without this option jwsgi has no "
                    + "document root at all, so application requests pay nothing for it.");

    public static final Setting<String> DIRECTORY_INDEX = Setting.of(CONTENT, "directory-index", "FILE",
                    ValueType.text().check(v -> !v.contains("/") && !v.equals(".") && !v.equals(".."),
                            v -> "'" + v + "' is not a file name"))
            .withHelp("File served for a URL naming a directory of the document root or of a --url-alias "
                    + "(Apache DirectoryIndex, e.g. index.html). With it, directories of the document root are "
                    + "served (403 when the file is missing) instead of going to the application.");

    public static final Setting<Map.Entry<String, String>> URL_ALIAS = Setting.of(CONTENT, "url-alias", "URL PATH",
                    ValueType.pair().check(p -> p.getKey().startsWith("/"),
                            p -> "URL '" + p.getKey() + "' does not start with '/'"))
            .asRepeatable()
            .withHelp("Serve the file or directory PATH at URL (Apache Alias). Requests under it never reach the "
                    + "application: a missing file is a 404. Longer URLs win over shorter ones.");

    public static final Setting<Boolean> ENABLE_SENDFILE = Setting.flag(CONTENT, "enable-sendfile")
            .withHelp("Send static files from memory-mapped pages straight to the socket (Jetty's file mapping, "
                    + "its zero-copy path) instead of through the content cache and read buffers.");

    public static final Setting<Boolean> COMPRESS_RESPONSES = Setting.flag(CONTENT, "compress-responses")
            .withHelp("Compress text/*, JSON, JavaScript and XML responses, from the application and static "
                    + "files alike, with gzip, or brotli when the client's Accept-Encoding prefers it. Range "
                    + "responses and bodies that already have a Content-Encoding are sent as they are.");

    // Logging

    public static final Setting<Path> LOG_DIRECTORY = Setting.of(LOGGING, "log-directory", "DIR", ValueType.path())
            .withComputedDefault("server root")
            .withHelp("Directory the log files are written to.");

    public static final Setting<Boolean> LOG_TO_TERMINAL = Setting.flag(LOGGING, "log-to-terminal")
            .withHelp("Write the error log to stderr and the access log to stdout instead of to files.");

    public static final Setting<LogLevel> LOG_LEVEL = Setting.of(LOGGING, "log-level",
                    "emerg|alert|crit|error|warn|notice|info|debug", ValueType.choice(LogLevel.values()))
            .withDefault("warn")
            .withHelp("Least severe message written to the error log.");

    public static final Setting<String> ERROR_LOG_NAME = Setting.of(LOGGING, "error-log-name", "NAME",
                    ValueType.text())
            .withDefault("error_log")
            .withHelp("File name of the error log in the log directory.");

    public static final Setting<Boolean> ACCESS_LOG = Setting.flag(LOGGING, "access-log")
            .withHelp("Write an access log.");

    public static final Setting<String> ACCESS_LOG_FORMAT = Setting.of(LOGGING, "access-log-format", "FORMAT",
                    ValueType.text().check(format -> AccessLogFormat.parse(format) != null, format -> format))
            .withDefault("common")
            .withHelp("Access log format: common, combined, json (one JSON object per line, fields in "
                    + "docs/logging.md), or an Apache LogFormat string such as '%h %l %u %t \"%r\" %>s %b %D'.");

    public static final Setting<String> ACCESS_LOG_NAME = Setting.of(LOGGING, "access-log-name", "NAME",
                    ValueType.text())
            .withDefault("access_log")
            .withHelp("File name of the access log in the log directory.");

    public static final Setting<Boolean> STARTUP_LOG = Setting.flag(LOGGING, "startup-log")
            .withHelp("Write messages from server startup to a separate startup log.");

    public static final Setting<String> STARTUP_LOG_NAME = Setting.of(LOGGING, "startup-log-name", "NAME",
                    ValueType.text())
            .withDefault("startup_log")
            .withHelp("File name of the startup log in the log directory.");

    // Log rotation and trusted proxies (docs/logging.md, docs/behind-a-proxy.md)

    public static final Setting<Boolean> ROTATE_LOGS = Setting.flag(LOGGING, "rotate-logs")
            .withHelp("Rotate the error log and the access log by size: a file that reaches --max-log-size is "
                    + "renamed NAME.1 (older ones shift to NAME.2, ...) and a new one started. Not with "
                    + "--log-to-terminal.");

    public static final Setting<Integer> MAX_LOG_SIZE = Setting.of(LOGGING, "max-log-size", "MB",
                    ValueType.wholeNumber(1))
            .withDefault("5")
            .withHelp("With --rotate-logs, the size in megabytes (2^20 bytes) at which a log file is rotated.");

    public static final Setting<Integer> MAX_LOG_FILES = Setting.of(LOGGING, "max-log-files", "N",
                    ValueType.wholeNumber(1))
            .withDefault("10")
            .withHelp("With --rotate-logs, rotated files kept per log (NAME.1 to NAME.N); older ones are deleted. "
                    + "jwsgi's own option: mod_wsgi-express's rotatelogs keeps every file.");

    public static final Setting<String> TRUST_PROXY_HEADER = Setting.of(TRUST, "trust-proxy-header", "NAME",
                    ValueType.text())
            .asRepeatable()
            .withHelp("A forwarded header to honour from a trusted proxy (X-Forwarded-For, X-Client-IP, X-Real-IP, "
                    + "X-Forwarded-Proto, X-Forwarded-Scheme, X-Scheme, X-Forwarded-HTTPS, X-Forwarded-SSL, X-HTTPS, "
                    + "X-Forwarded-Host, X-Host, X-Forwarded-Server, X-Forwarded-Port, X-Script-Name, "
                    + "X-Forwarded-Script-Name). Once any is given, every one of these headers that is not honoured "
                    + "is removed before the application sees the request.");

    public static final Setting<String> TRUST_PROXY = Setting.of(TRUST, "trust-proxy", "IP|CIDR", ValueType.text())
            .asRepeatable()
            .withComputedDefault("every peer, when only --trust-proxy-header is given (mod_wsgi's rule)")
            .withHelp("Address or network (127.0.0.1, 10.0.0.0/8, ::1, fd00::/8) of a proxy whose forwarded headers "
                    + "are honoured; X-Forwarded-For is walked back through these to the client.");
    public static final Setting<Boolean> PROXY_PROTOCOL = Setting.flag(TRUST, "proxy-protocol")
            .withHelp("Every connection to the HTTP and HTTPS ports starts with a PROXY protocol header (v1 text or "
                    + "v2 binary, HAProxy's send-proxy and send-proxy-v2), before TLS on the HTTPS port: the client "
                    + "address and port it carries become REMOTE_ADDR and REMOTE_PORT, and v2's TLS information what "
                    + "the balancer terminated. Needs --trust-proxy: a connection from any other peer, or without a "
                    + "valid header, is closed. mod_remoteip's RemoteIPProxyProtocol.");

    // Access and authentication hooks (docs/auth-hooks.md): mod_wsgi-express's <Location /> with the WSGI*Script
    // directives, run in the hook process group.

    public static final Setting<Path> HOST_ACCESS_SCRIPT = Setting.of(AUTH, "host-access-script", "PATH",
                    ValueType.path())
            .withHelp("Python script whose allow_access(environ, host) decides, for every request, whether the client "
                    + "may have the site: True or None lets it in, False is a 403 (WSGIAccessScript on <Location />).");

    public static final Setting<Path> AUTH_USER_SCRIPT = Setting.of(AUTH, "auth-user-script", "PATH",
                    ValueType.path())
            .withHelp("Python script that authenticates every request (WSGIAuthUserScript with Require valid-user on "
                    + "<Location />): check_password(environ, user, password) for --auth-type Basic, "
                    + "get_realm_hash(environ, user, realm) for Digest. The realm is HOST:PORT.");

    public static final Setting<String> AUTH_TYPE = Setting.of(AUTH, "auth-type", "Basic|Digest",
                    ValueType.text().check(v -> v.equalsIgnoreCase("basic") || v.equalsIgnoreCase("digest"),
                            v -> "'" + v + "' is not Basic or Digest"))
            .withDefault("Basic")
            .withHelp("HTTP authentication scheme of --auth-user-script: Basic, or Digest (RFC 7616, MD5, qop=auth; "
                    + "nonces expire after 300 seconds and a replayed nonce count is refused).");

    public static final Setting<Path> AUTH_GROUP_SCRIPT = Setting.of(AUTH, "auth-group-script", "PATH",
                    ValueType.path())
            .withHelp("Python script whose groups_for_user(environ, user) lists the groups of an authenticated user; "
                    + "only members of --auth-group are let in (Require wsgi-group). Needs --auth-user-script.");

    public static final Setting<String> AUTH_GROUP = Setting.of(AUTH, "auth-group", "NAME", ValueType.text())
            .withDefault("wsgi")
            .withHelp("The group --auth-group-script must list for a user to be let in.");

    // Status, metrics and control (docs/operations.md)

    public static final Setting<Boolean> SERVER_STATUS = Setting.flag(OPERATIONS, "server-status")
            .withHelp("Serve a status page at /server-status: per worker process its state, busy and idle threads, "
                    + "requests served and uptime, the queue and the restarts; HTML, or plain 'Key: value' lines "
                    + "with ?auto (as Apache's mod_status). Only to clients on the loopback interface (mod_wsgi-express: "
                    + "Require host localhost); others get 403.");

    public static final Setting<Boolean> ENABLE_METRICS = Setting.flag(OPERATIONS, "enable-metrics")
            .withHelp("Serve Prometheus metrics (text exposition format) at --metrics-path: requests by status "
                    + "class, a latency histogram, queue depth, busy threads, worker restarts by reason, worker "
                    + "resident memory. Served to any client. jwsgi's own option.");

    public static final Setting<String> METRICS_PATH = Setting.of(OPERATIONS, "metrics-path", "URL",
                    ValueType.text().check(v -> v.startsWith("/"), v -> "'" + v + "' does not start with '/'"))
            .withDefault("/metrics")
            .withHelp("URL path of the metrics with --enable-metrics. jwsgi's own option.");

    public static final Setting<String> HEALTH_CHECK_PATH = Setting.of(OPERATIONS, "health-check-path", "URL",
                    ValueType.text().check(v -> v.startsWith("/"), v -> "'" + v + "' does not start with '/'"))
            .withHelp("URL path answered by the server itself for load balancers: 200 while at least one worker "
                    + "process is ready to take requests, 503 otherwise. Served to any client. jwsgi's own option.");

    public static final Setting<Duration> DRAIN_DELAY = Setting.of(OPERATIONS, "drain-delay", "SECONDS",
                    ValueType.seconds())
            .withDefault("0")
            .withHelp("Seconds the server keeps accepting new connections after SIGTERM, while its health check "
                    + "already answers 503 and every response says 'Connection: close'; then the listener closes and "
                    + "the requests still running get --shutdown-timeout to finish. Set it to how long the load "
                    + "balancer needs to notice (HAProxy: inter x fall; Kubernetes: endpoint propagation, a few "
                    + "seconds), so no client is refused while it still sends here. jwsgi's own option.");

    public static final Setting<Path> SOCKET_PATH = Setting.of(OPERATIONS, "socket-path", "DIR", ValueType.path())
            .withComputedDefault("<server-root>/sockets")
            .withHelp("Directory of the UNIX sockets the worker processes connect to (mod_wsgi-express 4.6's "
                    + "--socket-path, later --socket-prefix). A socket path must fit in 107 bytes: when the server "
                    + "root is too deep, start-up says so and this gives a shorter directory.");

    public static final Setting<Path> PID_FILE = Setting.of(OPERATIONS, "pid-file", "FILE", ValueType.path())
            .withComputedDefault("<server-root>/jwsgi.pid")
            .withHelp("File the server writes its process id to once it is ready, and removes when it stops "
                    + "(the control script of setup-server reads it).");

    public static final Setting<Boolean> SETUP_ONLY = Setting.flag(OPERATIONS, "setup-only")
            .withHelp("Write the server root and its control script (as setup-server) and exit without starting.");

    public static final Setting<Boolean> ISATTY = Setting.flag(OPERATIONS, "isatty")
            .withHelp("Interactive terminal mode (mod_wsgi-express 4.6): the ./jwsgi launcher runs the server as a "
                    + "child in a process group of its own instead of exec'ing it, forwards SIGINT, SIGTERM, SIGHUP and "
                    + "SIGUSR1 to it and ignores SIGWINCH, so Ctrl-C reaches only the server, which then stops its "
                    + "workers in order. Handled by the launcher; refused when the jar is run directly.");

    // mod_wsgi-express options (issue 13 part 3): first those that act here, then the Apache-only ones, accepted
    // with one warning line each (ExpressOptions.ignored); every option of mod_wsgi-express is in the catalogue.

    public static final Setting<Boolean> CHUNKED_REQUEST = Setting.flag(APPLICATION, "chunked-request")
            .withHelp("Accept request bodies sent with Transfer-Encoding: chunked (WSGIChunkedRequest On). start-server "
                    + "always does (wsgi.input ends where the body ends); mod_wsgi-express answers 411 without this "
                    + "option. A configuration file's mounts follow WSGIChunkedRequest.");

    public static final Setting<String> MAP_HEAD_TO_GET = Setting.of(APPLICATION, "map-head-to-get", "Off|On|Auto",
                    ValueType.text().check(v -> v.equalsIgnoreCase("off") || v.equalsIgnoreCase("on")
                            || v.equalsIgnoreCase("auto"), v -> "'" + v + "' is not Off, On or Auto"))
            .withDefault("Auto")
            .withHelp("WSGIMapHEADToGET: with On, the application sees a HEAD request as GET (REQUEST_METHOD) and the "
                    + "front end drops the body, for applications that answer HEAD wrongly. Auto (mod_wsgi: map only "
                    + "when an Apache output filter needs the body) and Off pass HEAD through: jwsgi has no such "
                    + "filters.");

    public static final Setting<Map.Entry<String, String>> ERROR_DOCUMENT = Setting.of(APPLICATION, "error-document",
                    "STATUS DOCUMENT", ValueType.pair())
            .asRepeatable()
            .withHelp("Apache's ErrorDocument for the front end's own errors with STATUS (400-599: no free worker "
                    + "thread, a timeout, a lost worker, and with --error-override the application's): a message "
                    + "(text with a space), a URL path of a file under --document-root or a --url-alias (served with "
                    + "the status), or an http(s) URL (302 to it).");

    public static final Setting<Boolean> ERROR_OVERRIDE = Setting.flag(APPLICATION, "error-override")
            .withHelp("WSGIErrorOverride On: an error response of the application (status 400 and above) is replaced "
                    + "by the front end's page for that status (its --error-document, else the standard page); the "
                    + "status is kept.");

    public static final Setting<Boolean> DISABLE_RELOADING = Setting.flag(DAEMON, "disable-reloading")
            .withHelp("WSGIScriptReloading Off: touching the WSGI script no longer recycles the worker processes.");

    public static final Setting<Boolean> DIRECTORY_LISTING = Setting.flag(CONTENT, "directory-listing")
            .withHelp("Options +Indexes: a directory of --document-root or of a --url-alias without its "
                    + "--directory-index file is answered with a listing of its files instead of 403. With "
                    + "--document-root, directories are then served rather than passed to the application.");

    public static final Setting<Path> MIME_TYPES = Setting.of(CONTENT, "mime-types", "FILE", ValueType.path())
            .withHelp("A mime.types file (lines 'type ext ...', as Apache's TypesConfig and /etc/mime.types): its "
                    + "types win over the built-in table for static files.");

    public static final Setting<Integer> SSL_PORT = Setting.of(HTTPS, "ssl-port", "N", ValueType.port())
            .withHelp("Same as --https-port (mod_wsgi-express's older name, kept for old command lines).");

    public static final Setting<Path> SOCKET_PREFIX = Setting.of(OPERATIONS, "socket-prefix", "DIR",
                    ValueType.path())
            .withHelp("Same as --socket-path: the directory of the worker processes' UNIX sockets "
                    + "(mod_wsgi-express's WSGISocketPrefix DIR/wsgi).");

    public static final Setting<Path> PYTHON_EGGS = Setting.of(PYTHON, "python-eggs", "DIR", ValueType.path())
            .withHelp("Egg cache directory of the workers: PYTHON_EGG_CACHE, as WSGIPythonEggs sets it (read by "
                    + "pkg_resources for zipped eggs).");

    public static final Setting<String> PYTHON_WARNINGS = Setting.of(PYTHON, "python-warnings", "SPEC",
                    ValueType.text())
            .asRepeatable()
            .withHelp("A warnings filter for the workers, as python -W takes it (ignore::DeprecationWarning); "
                    + "several are joined into PYTHONWARNINGS, as WSGIPythonWarnings does.");

    public static final Setting<Duration> SWITCH_INTERVAL = Setting.of(PYTHON, "switch-interval", "SECONDS",
                    ValueType.seconds().check(d -> !d.isZero(), d -> "must be above 0"))
            .withComputedDefault("Python's own, 0.005")
            .withHelp("sys.setswitchinterval() in the workers before the application loads: how often a thread "
                    + "holding the GIL is asked to let another run (WSGISwitchInterval).");

    public static final Setting<Boolean> ORPHAN_INTERPRETER = Setting.flag(PYTHON, "orphan-interpreter")
            .withHelp("WSGIDestroyInterpreter Off: a stopping worker publishes process_stopping "
                    + "(mod_wsgi.subscribe_shutdown) and exits without shutting Python down, so its atexit handlers "
                    + "do not run (without this option they do; the interpreter is never finalised either way).");

    public static final Setting<Path> ENVVARS_SCRIPT = Setting.of(PYTHON, "envvars-script", "FILE",
                    ValueType.path())
            .withComputedDefault("<server-root>/envvars when that file exists")
            .withHelp("A POSIX shell script sourced (/bin/sh) at start-up, as apachectl sources envvars: the "
                    + "variables it exports or changes reach the worker processes' environment.");

    public static final Setting<Boolean> SERVER_METRICS = Setting.flag(OPERATIONS, "server-metrics")
            .withHelp("WSGIServerMetrics On: mod_wsgi.server_metrics() returns the worker process's scoreboard "
                    + "(its threads, their request counts and current requests) instead of None.");

    public static final Setting<Duration> SLOW_REQUESTS = Setting.of(OPERATIONS, "slow-requests", "SECONDS",
                    ValueType.seconds().check(d -> !d.isZero(), d -> "must be above 0"))
            .withHelp("Write a 'slow request' line (method, path, seconds, status) to the error log for every request "
                    + "whose application call took longer (mod_wsgi 6's WSGISlowRequests reports them to its "
                    + "telemetry service).");

    // Accepted and ignored, with one warning line each saying what jwsgi does instead: mod_wsgi-express options
    // for Apache itself, or for mechanisms jwsgi replaces. The help is the warning.

    private static final ValueType<String> FRACTION = ValueType.text().check(
            v -> v.matches("(0(\\.\\d+)?|1(\\.0*)?|\\.\\d+)"), v -> "'" + v + "' is not a fraction from 0 to 1");

    public static final Setting<String> INITIAL_WORKERS = ignored(Setting.of(IGNORED, "initial-workers", "FRACTION",
            FRACTION), "Apache's StartServers: the front end has no child processes to pre-start; requests run on "
            + "virtual threads, up to --max-clients at once.");

    public static final Setting<String> MINIMUM_SPARE_WORKERS = ignored(Setting.of(IGNORED, "minimum-spare-workers",
            "FRACTION", FRACTION), "Apache's MinSpareThreads: the front end keeps no spare threads (virtual "
            + "threads, one per request).");

    public static final Setting<String> MAXIMUM_SPARE_WORKERS = ignored(Setting.of(IGNORED, "maximum-spare-workers",
            "FRACTION", FRACTION), "Apache's MaxSpareThreads: the front end keeps no spare threads (virtual "
            + "threads, one per request).");

    public static final Setting<String> SERVER_MPM = ignored(Setting.of(IGNORED, "server-mpm", "NAME",
                    ValueType.text()).asRepeatable(),
            "Apache's MPM: the front end is Jetty, one process with virtual threads.");

    public static final Setting<Path> HTTPD_EXECUTABLE = ignored(Setting.of(IGNORED, "httpd-executable", "FILE",
            ValueType.path()), "the Apache binary; jwsgi is the server.");

    public static final Setting<Path> MODULES_DIRECTORY = ignored(Setting.of(IGNORED, "modules-directory", "DIR",
            ValueType.path()), "Apache's modules: jwsgi loads none.");

    public static final Setting<Path> SHELL_EXECUTABLE = ignored(Setting.of(IGNORED, "shell-executable", "FILE",
            ValueType.path()), "the shell of Apache's apachectl; setup-server's control script runs under /bin/sh.");

    public static final Setting<Path> ROTATELOGS_EXECUTABLE = ignored(Setting.of(IGNORED, "rotatelogs-executable",
            "FILE", ValueType.path()), "Apache's rotatelogs: --rotate-logs rotates inside the server.");

    public static final Setting<Boolean> EMBEDDED_MODE = ignored(Setting.flag(IGNORED, "embedded-mode"),
            "Python in the Apache children: start-server runs the application in its worker processes "
            + "(--processes, --threads), as in daemon mode.");

    public static final Setting<Boolean> ENABLE_DOCS = ignored(Setting.flag(IGNORED, "enable-docs"),
            "mod_wsgi's bundled documentation at /__wsgi__/docs: not shipped; jwsgi's docs/ directory has its own.");

    public static final Setting<Boolean> FREE_THREADING = ignored(Setting.flag(IGNORED, "free-threading"),
            "WSGIFreeThreading: the workers run the interpreter --python names as it is; give a free-threaded "
            + "build (python3.13t) to run without the GIL.");

    public static final Setting<Boolean> WITH_PHP5 = ignored(Setting.flag(IGNORED, "with-php5"),
            "PHP 5 through mod_php: jwsgi runs no PHP.");

    public static final Setting<Boolean> VERBOSE_DEBUGGING = ignored(Setting.flag(IGNORED, "verbose-debugging"),
            "WSGIVerboseDebugging, a no-op in mod_wsgi 6 too: use --log-level debug.");

    public static final Setting<Integer> SEND_BUFFER_SIZE = ignored(Setting.of(IGNORED, "send-buffer-size", "BYTES",
            ValueType.wholeNumber(0)), "the daemon socket's send buffer; jwsgi sizes its channel buffers itself "
            + "(docs/performance.md).");

    public static final Setting<Integer> RECEIVE_BUFFER_SIZE = ignored(Setting.of(IGNORED, "receive-buffer-size",
            "BYTES", ValueType.wholeNumber(0)), "the daemon socket's receive buffer; jwsgi sizes its channel "
            + "buffers itself (docs/performance.md).");

    public static final Setting<Duration> RESPONSE_SOCKET_TIMEOUT = ignored(Setting.of(IGNORED,
            "response-socket-timeout", "SECONDS", ValueType.seconds()),
            "the daemon's timeout writing to Apache; a worker's writes are bounded by --socket-timeout.");

    public static final Setting<Integer> RESPONSE_FLUSH_DELAY = ignored(Setting.of(IGNORED, "response-flush-delay",
            "MS", ValueType.wholeNumber(0)), "mod_wsgi 6's write coalescing delay: the worker coalesces small "
            + "writes and the front end flushes what arrives at once.");

    public static final Setting<String> ERROR_LOG_FORMAT = ignored(Setting.of(IGNORED, "error-log-format", "FORMAT",
            ValueType.text()), "Apache's ErrorLogFormat: error log lines are jwsgi's 'event key=value' lines "
            + "(docs/logging.md).");

    public static final Setting<String> IGNORE_ACTIVITY = ignored(Setting.of(IGNORED, "ignore-activity", "URL",
                    ValueType.text()).asRepeatable(),
            "WSGIIgnoreActivity: every request counts as activity for --inactivity-timeout (as in a configuration "
            + "file).");

    public static final Setting<String> TELEMETRY_SERVICE = ignored(Setting.of(IGNORED, "telemetry-service", "URL",
            ValueType.text()), "mod_wsgi 6's telemetry service: use --enable-metrics (Prometheus) and "
            + "--server-status.");

    public static final Setting<Duration> TELEMETRY_INTERVAL = ignored(Setting.of(IGNORED, "telemetry-interval",
            "SECONDS", ValueType.seconds()), "mod_wsgi 6's telemetry service: use --enable-metrics (Prometheus), "
            + "which is read when scraped.");

    public static final Setting<String> TELEMETRY_OPTIONS = ignored(Setting.of(IGNORED, "telemetry-options", "ARGS",
                    ValueType.text()).asRepeatable(),
            "mod_wsgi 6's telemetry service: use --enable-metrics (Prometheus).");

    public static final Setting<Boolean> ENABLE_TELEMETRY = ignored(Setting.flag(IGNORED, "enable-telemetry"),
            "mod_wsgi 6's telemetry ingester and UI: use --enable-metrics (Prometheus) and --server-status.");

    public static final Setting<Integer> TELEMETRY_UI_PORT = ignored(Setting.of(IGNORED, "telemetry-ui-port", "N",
            ValueType.port()), "mod_wsgi 6's telemetry UI: use --server-status.");

    // Accepted by the parser but refused when given: each would change what is served in a way jwsgi cannot do,
    // and silently not doing it could expose files (a .cgi's source, what .htaccess denies).

    public static final Setting<Boolean> WITH_CGI = refused(Setting.flag(IGNORED, "with-cgi"),
            "CGI scripts are not run by jwsgi; without this refusal the document root would serve their source.");

    public static final Setting<Map.Entry<String, String>> ADD_HANDLER = refused(Setting.of(IGNORED, "add-handler",
                    "EXT SCRIPT", ValueType.pair()).asRepeatable(),
            "not supported by start-server yet: in a configuration file (--include-file or serve), AddHandler "
            + "wsgi-script .EXT with Options ExecCGI does it (docs/configuration.md).");

    public static final Setting<String> ALLOW_OVERRIDE = refused(Setting.of(IGNORED, "allow-override", "TYPE",
                    ValueType.text()).asRepeatable(),
            ".htaccess files are not read; only None is accepted (mod_wsgi-express's default).");

    public static final Setting<Path> REWRITE_RULES = refused(Setting.of(IGNORED, "rewrite-rules", "FILE",
            ValueType.path()), "mod_rewrite rules are not applied; only a file without directives (mod_wsgi-express "
            + "writes an empty one) is accepted.");

    /** The Apache-only options: accepted, ignored with a warning line (the help). */
    public static final List<Setting<?>> IGNORED_OPTIONS = List.of(INITIAL_WORKERS, MINIMUM_SPARE_WORKERS,
            MAXIMUM_SPARE_WORKERS, SERVER_MPM, HTTPD_EXECUTABLE, MODULES_DIRECTORY, SHELL_EXECUTABLE,
            ROTATELOGS_EXECUTABLE, EMBEDDED_MODE, ENABLE_DOCS, FREE_THREADING, WITH_PHP5, VERBOSE_DEBUGGING,
            SEND_BUFFER_SIZE, RECEIVE_BUFFER_SIZE, RESPONSE_SOCKET_TIMEOUT, RESPONSE_FLUSH_DELAY, ERROR_LOG_FORMAT,
            IGNORE_ACTIVITY, TELEMETRY_SERVICE, TELEMETRY_INTERVAL, TELEMETRY_OPTIONS, ENABLE_TELEMETRY,
            TELEMETRY_UI_PORT);

    /** Options parsed, then refused with the reason in their help, unless the value asks for nothing (see there). */
    public static final List<Setting<?>> REFUSED_OPTIONS = List.of(WITH_CGI, ADD_HANDLER, ALLOW_OVERRIDE,
            REWRITE_RULES);

    private static <T> Setting<T> ignored(Setting<T> setting, String insteadHelp) {
        return setting.withHelp("Ignored, with a warning: " + insteadHelp);
    }

    private static <T> Setting<T> refused(Setting<T> setting, String reason) {
        return setting.withHelp("Refused: " + reason);
    }

    // Debugging (docs/debugging.md): mod_wsgi-express's debugging family, resolved into Debugging. Every
    // --enable-* option implies --debug-mode, as in express.

    public static final Setting<Boolean> DEBUG_MODE = Setting.flag(DEBUGGING, "debug-mode")
            .withHelp("Run the application in one worker process with one thread, in the foreground, with its "
                    + "stdin and stdout on the server's terminal (so pdb and print work); nothing times out "
                    + "(request, queue, connect, socket, start-up, deadlock, inactivity), nothing recycles, "
                    + "script reloading and --reload-on-changes are off; wsgi.multiprocess is False.");

    public static final Setting<Boolean> ENABLE_DEBUGGER = Setting.flag(DEBUGGING, "enable-debugger")
            .withHelp("On an exception escaping the application (its call, the iteration of its response, or "
                    + "close()), enter pdb post-mortem on the terminal; when the debugger is left, the request "
                    + "ends with 500. Implies --debug-mode.");

    public static final Setting<Boolean> DEBUGGER_STARTUP = Setting.flag(DEBUGGING, "debugger-startup")
            .withHelp("Stop in pdb on the terminal when the worker starts, just before the application is loaded, "
                    + "so breakpoints can be set ('c' continues). Needs --enable-debugger.");

    public static final Setting<Boolean> ENABLE_COVERAGE = Setting.flag(DEBUGGING, "enable-coverage")
            .withHelp("Measure code coverage of the worker with coverage.py (Debian's python3-coverage for "
                    + "/usr/bin/python3), from before the application loads until the worker exits; then save "
                    + "the data file (.coverage) and an HTML report in --coverage-directory. Implies --debug-mode.");

    public static final Setting<Path> COVERAGE_DIRECTORY = Setting.of(DEBUGGING, "coverage-directory", "DIR",
                    ValueType.path())
            .withComputedDefault("<server-root>/htmlcov")
            .withHelp("Where --enable-coverage writes .coverage and the HTML report (created if missing).");

    public static final Setting<Boolean> ENABLE_PROFILER = Setting.flag(DEBUGGING, "enable-profiler")
            .withHelp("Profile every request with cProfile (the application's call, the iteration of its response "
                    + "and close()) and write one pstats file per request, <microseconds>-<pid>.pstats, to "
                    + "--profiler-directory (mod_wsgi-express writes one per process at exit). Implies --debug-mode.");

    public static final Setting<Path> PROFILER_DIRECTORY = Setting.of(DEBUGGING, "profiler-directory", "DIR",
                    ValueType.path())
            .withComputedDefault("<server-root>/pstats")
            .withHelp("Where --enable-profiler writes its pstats files (created if missing).");

    public static final Setting<Boolean> ENABLE_RECORDER = Setting.flag(DEBUGGING, "enable-recorder")
            .withHelp("Record every request in --recorder-directory, as mod_wsgi-express does: files named "
                    + "<microseconds>-<pid>-<count> with .iheaders (the environ), .icontent (the body), .oheaders "
                    + "(status and headers), .ocontent (the response body) and .oaexcept, .orexcept, .ofexcept "
                    + "(tracebacks from the call, the iteration, close()). Implies --debug-mode.");

    public static final Setting<Path> RECORDER_DIRECTORY = Setting.of(DEBUGGING, "recorder-directory", "DIR",
                    ValueType.path())
            .withComputedDefault("<server-root>/archive")
            .withHelp("Where --enable-recorder writes its files (created if missing).");

    public static final Setting<Boolean> ENABLE_GDB = Setting.flag(DEBUGGING, "enable-gdb")
            .withHelp("Run the worker under gdb: gdb attaches to it as it starts, before the application loads, "
                    + "and shows the C stacks of every thread when it crashes; on a terminal gdb then takes "
                    + "commands, otherwise it runs in batch mode. Implies --debug-mode.");

    public static final Setting<String> GDB_EXECUTABLE = Setting.of(DEBUGGING, "gdb-executable", "PATH",
                    ValueType.text())
            .withDefault("gdb")
            .withHelp("The gdb of --enable-gdb: a path, or a name looked up on PATH.");

    /**
     * Every option, in the order help and docs list them: by section, and within one in the order written here (so
     * a block of options added at the end still lands in its sections).
     */
    public static final List<Setting<?>> ALL = bySection(
            ENTRY_POINT, APPLICATION_TYPE, CALLABLE_OBJECT, MOUNT_POINT, WORKING_DIRECTORY, PYTHON_PATH,
            SETENV, PASSENV, APPLICATION_GROUP, INCLUDE_FILE,
            PYTHON_EXECUTABLE, PYTHON_HOME,
            HOST, PORT, REUSE_PORT,
            SERVER_NAME, SERVER_ALIAS, ALLOW_LOCALHOST,
            SERVER_ROOT, SERVER_BACKLOG, MAX_CLIENTS, KEEP_ALIVE_TIMEOUT, SOCKET_TIMEOUT,
            LIMIT_REQUEST_BODY, LIMIT_REQUEST_LINE, LIMIT_REQUEST_FIELD_SIZE, LIMIT_REQUEST_FIELDS,
            REGISTERED_METHODS, REGISTER_METHOD, HEADER_TIMEOUT,
            HEADER_MAX_TIMEOUT, HEADER_MIN_RATE, BODY_TIMEOUT, BODY_MAX_TIMEOUT, BODY_MIN_RATE,
            HTTP2, HTTPS_PORT, SSL_CERTIFICATE_FILE, SSL_CERTIFICATE_KEY_FILE, SSL_CERTIFICATE,
            SSL_CERTIFICATE_CHAIN_FILE, SSL_CA_CERTIFICATE_FILE, SSL_VERIFY_CLIENT, SSL_ENVIRONMENT, HTTPS_ONLY,
            HSTS_POLICY,
            PROCESSES, THREADS, PROCESS_GROUP, DAEMON_BACKLOG, QUEUE_TIMEOUT, CONNECT_TIMEOUT,
            MAXIMUM_REQUESTS, MAXIMUM_REQUESTS_JITTER, RESTART_INTERVAL, INACTIVITY_TIMEOUT, GRACEFUL_TIMEOUT,
            EVICTION_TIMEOUT, REQUEST_TIMEOUT, INTERRUPT_TIMEOUT, STARTUP_TIMEOUT, DEADLOCK_TIMEOUT,
            SHUTDOWN_TIMEOUT, HEADER_BUFFER_SIZE, RESPONSE_BUFFER_SIZE,
            MEMORY_LIMIT, VIRTUAL_MEMORY_LIMIT, CPU_TIME_LIMIT, USER, GROUP, SUPPLEMENTARY_GROUPS, UMASK,
            LANG, LOCALE, PYTHON_HASH_SEED, DONT_WRITE_BYTECODE, PROCESS_NAME, RELOAD_ON_CHANGES,
            SERVICE_SCRIPT, SERVICE_USER, SERVICE_GROUP, SERVICE_LOG_FILE,
            PROXY_MOUNT_POINT, PROXY_URL_ALIAS, PROXY_VIRTUAL_HOST, PROXY_TIMEOUT,
            DOCUMENT_ROOT, DIRECTORY_INDEX, URL_ALIAS, ENABLE_SENDFILE, COMPRESS_RESPONSES,
            LOG_DIRECTORY, LOG_TO_TERMINAL, LOG_LEVEL, ERROR_LOG_NAME, ACCESS_LOG, ACCESS_LOG_FORMAT,
            ACCESS_LOG_NAME, STARTUP_LOG, STARTUP_LOG_NAME,
            ROTATE_LOGS, MAX_LOG_SIZE, MAX_LOG_FILES, TRUST_PROXY_HEADER, TRUST_PROXY, PROXY_PROTOCOL,
            HOST_ACCESS_SCRIPT, AUTH_USER_SCRIPT, AUTH_TYPE, AUTH_GROUP_SCRIPT, AUTH_GROUP,
            SERVER_STATUS, ENABLE_METRICS, METRICS_PATH, HEALTH_CHECK_PATH, DRAIN_DELAY, SOCKET_PATH, PID_FILE,
            SETUP_ONLY, ISATTY,
            CHUNKED_REQUEST, MAP_HEAD_TO_GET, ERROR_DOCUMENT, ERROR_OVERRIDE, DISABLE_RELOADING, DIRECTORY_LISTING,
            MIME_TYPES, SSL_PORT, SOCKET_PREFIX, PYTHON_EGGS, PYTHON_WARNINGS, SWITCH_INTERVAL, ORPHAN_INTERPRETER,
            ENVVARS_SCRIPT, SERVER_METRICS, SLOW_REQUESTS,
            INITIAL_WORKERS, MINIMUM_SPARE_WORKERS, MAXIMUM_SPARE_WORKERS, SERVER_MPM, HTTPD_EXECUTABLE,
            MODULES_DIRECTORY, SHELL_EXECUTABLE, ROTATELOGS_EXECUTABLE, EMBEDDED_MODE, ENABLE_DOCS, FREE_THREADING,
            WITH_PHP5, VERBOSE_DEBUGGING, SEND_BUFFER_SIZE, RECEIVE_BUFFER_SIZE, RESPONSE_SOCKET_TIMEOUT,
            RESPONSE_FLUSH_DELAY, ERROR_LOG_FORMAT, IGNORE_ACTIVITY, TELEMETRY_SERVICE, TELEMETRY_INTERVAL,
            TELEMETRY_OPTIONS, ENABLE_TELEMETRY, TELEMETRY_UI_PORT,
            WITH_CGI, ADD_HANDLER, ALLOW_OVERRIDE, REWRITE_RULES,
            DEBUG_MODE, ENABLE_DEBUGGER, DEBUGGER_STARTUP, ENABLE_COVERAGE, COVERAGE_DIRECTORY, ENABLE_PROFILER,
            PROFILER_DIRECTORY, ENABLE_RECORDER, RECORDER_DIRECTORY, ENABLE_GDB, GDB_EXECUTABLE);

    private static List<Setting<?>> bySection(Setting<?>... settings) {
        // A stable sort: within a section the written order stays.
        return java.util.Arrays.stream(settings).sorted(java.util.Comparator.comparing(Setting::section)).toList();
    }

    /** RFC 9110 §5.6.2 token: what a method name may be. */
    static boolean isToken(String value) {
        if (value.isEmpty()) return false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) return false;
        }
        return true;
    }
}
