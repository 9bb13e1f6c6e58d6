package io.jwsgi;

import io.jwsgi.config.ServerConfig;
import java.nio.file.Path;

/**
 * The error log: SLF4J's simple binding, configured through its system properties before the first logger
 * exists. Apache's levels map onto SLF4J's: emerg/alert/crit/error → error, warn → warn, notice/info → info,
 * debug → debug. Lines read {@code 2026-11-21 06:00:00.000 [WARN] Supervisor - worker exited group=… pid=…}.
 */
final class Logging {
    private Logging() {}

    static Path configure(ServerConfig c) {
        Path file = c.logToTerminal() ? null : c.logDirectory().resolve(c.errorLogName());
        set("org.slf4j.simpleLogger.logFile", file == null ? "System.err" : file.toString());
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

    private static void set(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }
}
