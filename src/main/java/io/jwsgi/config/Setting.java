package io.jwsgi.config;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One option, declared once: the command-line parser, {@code start-server --help} and {@code docs/settings.md}
 * are all generated from these records (see {@link StartServerSettings}).
 *
 * @param name         the setting's name, {@code processes}; the flag is {@code --processes}, the Java accessor
 *                     {@code processes()}, the log key {@code processes=}
 * @param section      where help groups it
 * @param metavar      placeholder for the value in help, {@code N}; null for an on/off flag
 * @param type         parser and validator for the words after the flag
 * @param defaultValue the default as it would be typed on the command line, parsed by {@code type} when the option
 *                     is absent; null when there is none or it is computed from other settings
 * @param defaultText  the default as help shows it: {@code defaultValue}, a description of a computed default, or
 *                     null when there is none
 * @param repeatable   whether the option may be given more than once, each occurrence adding a value; a
 *                     non-repeatable option given twice keeps the last value (argparse, hence mod_wsgi-express)
 * @param help         one or two sentences for help and docs
 * @param <T>          the type of one value
 */
public record Setting<T>(
        String name,
        Section section,
        String metavar,
        ValueType<T> type,
        String defaultValue,
        String defaultText,
        boolean repeatable,
        String help) {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");

    /** Where {@code --help} and the docs group a setting. */
    public enum Section {
        APPLICATION("Application"),
        PYTHON("Python"),
        SERVER("Server"),
        HTTPS("HTTPS and HTTP/2"),
        DAEMON("Worker processes"),
        PROXY("Reverse proxy"),
        CONTENT("Static files and compression"),
        LOGGING("Logging"),
        TRUST("Behind a proxy"),
        AUTH("Access and authentication hooks"),
        OPERATIONS("Status, metrics and control"),
        DEBUGGING("Debugging"),
        IGNORED("mod_wsgi-express options jwsgi has no counterpart for: ignored with a warning, or refused");

        private final String title;

        Section(String title) {
            this.title = title;
        }

        public String title() {
            return title;
        }
    }

    public Setting {
        Objects.requireNonNull(section, "section");
        Objects.requireNonNull(type, "type");
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("setting name must be lower-case words joined by '-': " + name);
        }
        if ((type.arity() == 0) != (metavar == null)) {
            throw new IllegalArgumentException(name + ": a metavar is needed exactly when the option takes a value");
        }
        if (type.arity() == 0 && (repeatable || defaultValue != null)) {
            throw new IllegalArgumentException(name + ": an on/off flag is neither repeatable nor defaulted");
        }
        if (defaultValue != null && !defaultValue.equals(defaultText)) {
            throw new IllegalArgumentException(name + ": help must show the real default");
        }
    }

    /** A setting with no default and no help yet; finish it with the {@code with…} methods. */
    public static <T> Setting<T> of(Section section, String name, String metavar, ValueType<T> type) {
        return new Setting<>(name, section, metavar, type, null, null, false, "");
    }

    /** An on/off flag. */
    public static Setting<Boolean> flag(Section section, String name) {
        return of(section, name, null, ValueType.flag());
    }

    /** The default, written as it would be on the command line; help shows it as is. */
    public Setting<T> withDefault(String value) {
        return new Setting<>(name, section, metavar, type, value, value, repeatable, help);
    }

    /** A default worked out from other settings or the environment, described for help. */
    public Setting<T> withComputedDefault(String description) {
        return new Setting<>(name, section, metavar, type, null, description, repeatable, help);
    }

    public Setting<T> asRepeatable() {
        return new Setting<>(name, section, metavar, type, defaultValue, defaultText, true, help);
    }

    public Setting<T> withHelp(String text) {
        return new Setting<>(name, section, metavar, type, defaultValue, defaultText, repeatable, text);
    }

    /** The command-line flag, {@code --processes}. */
    public String flag() {
        return "--" + name;
    }

    /** Words taken after the flag: 0 for an on/off flag, 1, or 2 ({@code --setenv KEY VALUE}). */
    public int arity() {
        return type.arity();
    }

    /** The flag with its metavar, as usage lines show it: {@code --processes N}. */
    public String synopsis() {
        return metavar == null ? flag() : flag() + " " + metavar;
    }
}
