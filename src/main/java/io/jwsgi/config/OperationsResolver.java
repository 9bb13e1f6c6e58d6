package io.jwsgi.config;

import static io.jwsgi.config.StartServerSettings.DRAIN_DELAY;
import static io.jwsgi.config.StartServerSettings.ENABLE_METRICS;
import static io.jwsgi.config.StartServerSettings.HEALTH_CHECK_PATH;
import static io.jwsgi.config.StartServerSettings.ISATTY;
import static io.jwsgi.config.StartServerSettings.METRICS_PATH;
import static io.jwsgi.config.StartServerSettings.PID_FILE;
import static io.jwsgi.config.StartServerSettings.REUSE_PORT;
import static io.jwsgi.config.StartServerSettings.SERVER_STATUS;
import static io.jwsgi.config.StartServerSettings.SETUP_ONLY;
import static io.jwsgi.config.StartServerSettings.SOCKET_PATH;
import static io.jwsgi.config.StartServerSettings.SOCKET_PREFIX;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Builds {@link Operations} from the arguments: the one resolver method of that record, kept out of the main one. */
final class OperationsResolver {
    /**
     * Longest UNIX socket path Linux takes: {@code sun_path} is 108 bytes with the terminating NUL. macOS allows
     * 103; Linux is the target platform.
     */
    static final int MAX_SOCKET_PATH = 107;
    /** The longest socket name the server creates in the socket directory (one socket per group). */
    static final String SOCKET_NAME = "0.sock";

    private OperationsResolver() {}

    static Operations resolve(Arguments args, Path serverRoot, Environment environment) {
        if (args.isGiven(ISATTY)) { // the launcher takes it out of the arguments before the JVM sees them
            throw new ConfigException(ISATTY.flag() + " is handled by the ./jwsgi launcher (it runs the server as its "
                    + "child); it cannot be given to the jar directly");
        }
        Path cwd = environment.cwd();
        // --socket-prefix DIR is mod_wsgi-express's later name for the same directory; --socket-path wins.
        Path givenSockets = args.isGiven(SOCKET_PATH) ? args.value(SOCKET_PATH) : args.value(SOCKET_PREFIX);
        Path socketDirectory = givenSockets != null ? cwd.resolve(givenSockets).normalize()
                : serverRoot.resolve("sockets");
        checkSocketPath(socketDirectory, givenSockets != null);
        Path pidFile = args.isGiven(PID_FILE) ? cwd.resolve(args.value(PID_FILE)).normalize()
                : serverRoot.resolve("jwsgi.pid");
        String metrics = args.isGiven(ENABLE_METRICS) ? args.value(METRICS_PATH) : null;
        String health = args.value(HEALTH_CHECK_PATH);
        boolean status = args.isGiven(SERVER_STATUS);
        checkDistinct(status ? Operations.SERVER_STATUS_PATH : null, metrics, health);
        return new Operations(status, metrics, health, socketDirectory, pidFile, args.isGiven(SETUP_ONLY),
                socketActivation(environment, ProcessHandle.current().pid()), args.isGiven(REUSE_PORT),
                args.value(DRAIN_DELAY));
    }

    /** mod_wsgi 4.6: a socket path that would be truncated is an explicit error naming the way out. */
    static void checkSocketPath(Path directory, boolean given) {
        String socket = directory.resolve(SOCKET_NAME).toString();
        int length = socket.getBytes(StandardCharsets.UTF_8).length;
        if (length > MAX_SOCKET_PATH) {
            String fix = given ? "give a shorter " + SOCKET_PATH.flag() + " DIR"
                    : "give a shorter directory with " + SOCKET_PATH.flag() + " DIR (or a shorter --server-root)";
            throw new ConfigException((given ? SOCKET_PATH.flag() : "worker socket path") + ": " + socket + " is "
                    + length + " bytes, longer than the " + MAX_SOCKET_PATH + " a UNIX socket path may have; " + fix);
        }
    }

    private static void checkDistinct(String status, String metrics, String health) {
        if (metrics != null && metrics.equals(health)) {
            throw new ConfigException(HEALTH_CHECK_PATH.flag() + ": '" + health + "' is also the metrics path");
        }
        if (status != null && (status.equals(metrics) || status.equals(health))) {
            throw new ConfigException("'" + status + "' is the status page's path; choose another metrics or "
                    + "health-check path");
        }
    }

    /**
     * systemd's protocol (sd_listen_fds): LISTEN_PID names the process the sockets are for and LISTEN_FDS how many
     * there are from fd 3 on. Anything else in LISTEN_PID means the variables were inherited by mistake: ignored,
     * as systemd's own library does. jwsgi listens on one socket, so more than one is an error.
     */
    static boolean socketActivation(Environment environment, long pid) {
        String listenPid = environment.variable("LISTEN_PID");
        String listenFds = environment.variable("LISTEN_FDS");
        if (listenPid == null || listenFds == null || !listenPid.equals(Long.toString(pid))) {
            return false;
        }
        int fds;
        try {
            fds = Integer.parseInt(listenFds);
        } catch (NumberFormatException e) {
            throw new ConfigException("LISTEN_FDS: '" + listenFds + "' is not a number");
        }
        if (fds == 0) return false;
        if (fds != 1) {
            throw new ConfigException("LISTEN_FDS: " + fds + " sockets passed; jwsgi serves on exactly one");
        }
        return true;
    }
}
