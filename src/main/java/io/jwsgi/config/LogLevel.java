package io.jwsgi.config;

import java.util.Locale;

/** The Apache {@code LogLevel} names mod_wsgi-express accepts, most severe first. */
public enum LogLevel {
    EMERG, ALERT, CRIT, ERROR, WARN, NOTICE, INFO, DEBUG;

    /** The spelling used on the command line and in logs. */
    public String optionValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
