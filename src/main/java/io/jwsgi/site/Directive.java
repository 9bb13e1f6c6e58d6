package io.jwsgi.site;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One directive as read from the configuration: {@code Name arg...} on one (logical) line, or a section
 * {@code <Name arg...>} ... {@code </Name>} with the directives inside it as {@code children}. {@code name} keeps
 * the spelling of the file (match it with {@link #is}); a section's name is given without the angle brackets.
 *
 * <p>A record has no room for a separate "is a section" flag, and a section may be empty, so a plain directive
 * is marked by a private empty list as its {@code children}: pass {@code null} (or use {@link #plain}) for a plain
 * directive, any list (or use {@link #section}) for a section. {@code children()} is never null, and
 * {@code equals} tells a plain directive from an empty section.
 */
public record Directive(String name, List<String> args, Source source, List<Directive> children) {
    private static final List<Directive> NOT_A_SECTION = Collections.unmodifiableList(new ArrayList<>());

    public Directive {
        Objects.requireNonNull(name, "name");
        args = List.copyOf(args);
        children = children == null || children == NOT_A_SECTION ? NOT_A_SECTION : List.copyOf(children);
    }

    public static Directive plain(String name, List<String> args, Source source) {
        return new Directive(name, args, source, null);
    }

    public static Directive section(String name, List<String> args, Source source, List<Directive> children) {
        return new Directive(name, args, source, Objects.requireNonNull(children, "children"));
    }

    /** True for a {@code <Name ...>} block, whether or not it has children. */
    public boolean isSection() {
        return children != NOT_A_SECTION;
    }

    /** Directive names are case-insensitive, as in Apache. */
    public boolean is(String n) {
        return name.equalsIgnoreCase(n);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Directive d && name.equals(d.name) && args.equals(d.args)
                && Objects.equals(source, d.source) && isSection() == d.isSection() && children.equals(d.children);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, args, source, isSection(), children);
    }
}
