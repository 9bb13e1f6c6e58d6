package io.jwsgi;

import io.jwsgi.config.ServerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The error log: SLF4J's simple binding, configured through its system properties before the first logger
 * exists. Apache's levels map onto SLF4J's: emerg/alert/crit/error → error, warn → warn, notice/info → info,
 * debug → debug. Lines read {@code 2026-11-21 06:00:00.000 [WARN] Supervisor - worker exited group=… pid=…}.
 *
 * <p>With {@code --rotate-logs} the error log is a {@link RotatingFile} installed as {@code System.err}, which the
 * simple binding looks up on every write: everything that writes the error log (every logger, hence the
 * workers' output too, and anything the JVM itself prints to standard error) rotates with it.
 */
final class Logging {
    /** Standard error as the server was started with, for messages meant for the terminal. */
    private static final PrintStream TERMINAL = System.err;

    private Logging() {}

    static Path configure(ServerConfig c) throws IOException {
        Path file = c.logToTerminal() ? null : c.logDirectory().resolve(c.errorLogName());
        String target = file == null ? "System.err" : file.toString();
        if (file != null && c.logRotation().enabled() && System.getProperty("org.slf4j.simpleLogger.logFile") == null) {
            RotatingFile rotating = new RotatingFile(file, c.logRotation().maxBytes(), c.logRotation().maxFiles());
            System.setErr(new PrintStream(rotating, true, StandardCharsets.UTF_8));
            target = "System.err";
        }
        set("org.slf4j.simpleLogger.logFile", target);
        set("org.slf4j.simpleLogger.defaultLogLevel", switch (c.logLevel()) {
            case EMERG, ALERT, CRIT, ERROR -> "error";
            case WARN -> "warn";
            case NOTICE, INFO -> "info";
            case DEBUG -> "debug";
        });
        set("org.slf4j.simpleLogger.log.org.eclipse.jetty", c.logLevel() == io.jwsgi.config.LogLevel.DEBUG ? "info" : "warn");
        set("org.slf4j.simpleLogger.showDateTime", "true");
        set("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd HH:mm:ss.SSS");
        set("org.slf4j.simpleLogger.showThreadName", "false");
        set("org.slf4j.simpleLogger.showShortLogName", "true");
        set("org.slf4j.simpleLogger.levelInBrackets", "true");
        return file;
    }

    /** Where start-up failures are printed: the terminal, even when standard error became the error log. */
    static PrintStream terminal() {
        return TERMINAL;
    }

    private static void set(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }
}
