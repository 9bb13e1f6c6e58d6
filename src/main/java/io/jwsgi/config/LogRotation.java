package io.jwsgi.config;

import static io.jwsgi.config.StartServerSettings.LOG_TO_TERMINAL;
import static io.jwsgi.config.StartServerSettings.MAX_LOG_FILES;
import static io.jwsgi.config.StartServerSettings.MAX_LOG_SIZE;
import static io.jwsgi.config.StartServerSettings.ROTATE_LOGS;

/**
 * Size-based rotation of the error log and the access log ({@code --rotate-logs}): a file that has reached
 * {@code maxBytes} is renamed {@code NAME.1} at the next line boundary, older files shift up one number, and
 * only {@code maxFiles} rotated files are kept.
 *
 * @param enabled  {@code --rotate-logs} given, and the logs go to files (never with {@code --log-to-terminal})
 * @param maxBytes {@code --max-log-size} in bytes
 * @param maxFiles {@code --max-log-files}: rotated files kept per log
 */
public record LogRotation(boolean enabled, long maxBytes, int maxFiles) {

    public static LogRotation none() {
        return new LogRotation(false, 5L << 20, 10);
    }

    static LogRotation resolve(Arguments args) {
        int megabytes = args.value(MAX_LOG_SIZE);
        return new LogRotation(args.isGiven(ROTATE_LOGS) && !args.isGiven(LOG_TO_TERMINAL),
                (long) megabytes << 20, args.value(MAX_LOG_FILES));
    }
}
