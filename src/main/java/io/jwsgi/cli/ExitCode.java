package io.jwsgi.cli;

/** The process exit statuses of {@code jwsgi}, as documented in {@code start-server --help}. */
public enum ExitCode {
    OK(0, "the server ran and was stopped normally"),
    INTERNAL_ERROR(1, "internal error (a bug in jwsgi; the message and stack trace are on stderr)"),
    USAGE(2, "usage or configuration error; nothing was started"),
    WORKER_BOOT_FAILURE(3, "the Python worker processes could not be started"),
    APPLICATION_LOAD_FAILURE(4, "the WSGI application could not be loaded");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }
}
