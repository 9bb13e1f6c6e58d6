package io.jwsgi.config;

/**
 * What Apache's {@code ErrorDocument CODE ACTION} answers an error status with, told apart as Apache's core does once
 * the quotes are gone: text with a space is a message, a leading '/' a local path, {@code scheme:} a URL,
 * {@code default} the reset, anything else a message. Shared by {@code --error-document} and the configuration
 * file's directive, so both accept and refuse the same things.
 *
 * @param kind  how {@code value} answers
 * @param value the message, local URL path or URL, as given
 */
public record ErrorDocument(Kind kind, String value) {

    /** How an error document answers. */
    public enum Kind {
        /** The message itself is the body (text/html). */
        TEXT,
        /** A URL path of this server: its file is the body, with the error's status. */
        LOCAL,
        /** An http(s) URL: 302 to it. */
        REMOTE,
        /** {@code default}: the standard page, resetting an outer scope's document. */
        DEFAULT
    }

    /** The status an {@code ErrorDocument} names; a {@link InvalidValueException} says what is wrong with it. */
    public static int status(String code) {
        int status;
        try {
            status = Integer.parseInt(code);
        } catch (NumberFormatException e) {
            status = -1;
        }
        if (status < 400 || status > 599) {
            throw new InvalidValueException("'" + code + "' is not an error status (400 to 599)");
        }
        return status;
    }

    /** The document answering {@code status}; a {@link InvalidValueException} says what is wrong with it. */
    public static ErrorDocument of(int status, String action) {
        Kind kind;
        if (action.contains(" ")) kind = Kind.TEXT;
        else if (action.startsWith("/")) kind = Kind.LOCAL;
        else if (action.matches("[A-Za-z][A-Za-z0-9+.-]*:.*")) kind = Kind.REMOTE;
        else if (action.equalsIgnoreCase("default")) kind = Kind.DEFAULT;
        else kind = Kind.TEXT;
        if (action.contains("%{")) {
            throw new InvalidValueException("expressions (%{...}) are not supported; write the text, path or URL "
                    + "itself");
        }
        if (kind == Kind.REMOTE && status == 401) {
            throw new InvalidValueException("401 with a full URL: Apache ignores it (the redirect would lose the"
                    + " authentication challenge); use a local path or a message");
        }
        if (kind == Kind.REMOTE && !action.regionMatches(true, 0, "http://", 0, 7)
                && !action.regionMatches(true, 0, "https://", 0, 8)) {
            throw new InvalidValueException("'" + action + "' is neither an http(s) URL nor a local path starting "
                    + "with '/'");
        }
        return new ErrorDocument(kind, action);
    }
}
