package io.jwsgi.config;

/** How the entry point is loaded. */
public enum ApplicationType {
    /** A file executed as a module named {@code __wsgi__} (mod_wsgi-express {@code script}). */
    SCRIPT,
    /** An importable module name. */
    MODULE,
    /** No entry point was given: the server serves its built-in welcome page (mod_wsgi's default.wsgi). */
    WELCOME;

    /** The spelling used on the command line. */
    public String optionValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
