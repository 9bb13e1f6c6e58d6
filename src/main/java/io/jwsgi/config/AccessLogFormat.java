package io.jwsgi.config;

import java.util.ArrayList;
import java.util.List;

/**
 * A parsed {@code --access-log-format}: {@code common}, {@code combined}, {@code json}, or an Apache
 * mod_log_config format string. Parsing follows mod_log_config: {@code %[<>][!][NNN,...][{PARAM}]CODE}, and the
 * backslash escapes {@code \n}, {@code \t} and {@code \\} in the literal text. A directive jwsgi cannot produce is
 * refused here, at start-up, rather than logged as "-" forever. The front end's {@code AccessLog} renders it.
 *
 * @param items the literal text and directives in order; empty for {@code json}
 * @param json  one JSON object per request (the fields are listed in docs/logging.md)
 */
public record AccessLogFormat(List<Item> items, boolean json) {
    /** Apache's "common" LogFormat, as mod_wsgi-express defines it. */
    public static final String COMMON = "%h %l %u %t \"%r\" %>s %b";
    /** Apache's "combined" LogFormat, as mod_wsgi-express defines it. */
    public static final String COMBINED = COMMON + " \"%{Referer}i\" \"%{User-agent}i\"";

    /** Directive codes rendered (see docs/logging.md for each one's meaning). */
    private static final String SUPPORTED = "aAbBCDhHilmopPqrstTuUvVX";
    /** mod_log_config codes jwsgi has nothing to fill with: refused with a clear message. */
    private static final String UNSUPPORTED = "efIkLnORS^";

    public AccessLogFormat {
        items = List.copyOf(items);
    }

    /** Literal text or one {@code %} directive. */
    public sealed interface Item permits Literal, Directive {}

    public record Literal(String text) implements Item {}

    /**
     * One directive.
     *
     * @param code     the letter, {@code 'h'}
     * @param param    the {@code {...}} argument, or null
     * @param statuses the status codes of a condition ({@code %400,501{User-agent}i}); empty: always
     * @param negated  the condition was written {@code %!200,304...}: log unless the status is listed
     */
    public record Directive(char code, String param, List<Integer> statuses, boolean negated) implements Item {
        public Directive {
            statuses = List.copyOf(statuses);
        }

        /** Whether the value is logged for this status (otherwise "-"), mod_log_config's conditions. */
        public boolean appliesTo(int status) {
            return statuses.isEmpty() || statuses.contains(status) != negated;
        }
    }

    /** Parses a format; throws {@link InvalidValueException} naming the offending directive. */
    public static AccessLogFormat parse(String format) {
        return switch (format) {
            case "common" -> new AccessLogFormat(items(COMMON), false);
            case "combined" -> new AccessLogFormat(items(COMBINED), false);
            case "json" -> new AccessLogFormat(List.of(), true);
            default -> new AccessLogFormat(items(format), false);
        };
    }

    private static List<Item> items(String format) {
        List<Item> items = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < format.length()) {
            char c = format.charAt(i);
            if (c == '\\' && i + 1 < format.length()) {
                char next = format.charAt(i + 1);
                literal.append(switch (next) {
                    case 'n' -> "\n";
                    case 't' -> "\t";
                    case '\\' -> "\\";
                    default -> "\\" + next;
                });
                i += 2;
            } else if (c != '%') {
                literal.append(c);
                i++;
            } else {
                if (!literal.isEmpty()) {
                    items.add(new Literal(literal.toString()));
                    literal.setLength(0);
                }
                i = directive(format, i + 1, items);
            }
        }
        if (!literal.isEmpty()) items.add(new Literal(literal.toString()));
        return items;
    }

    /** Parses the directive after a '%' at {@code i}; returns the index after it. */
    private static int directive(String format, int i, List<Item> items) {
        int start = i - 1;
        String param = null;
        boolean negated = false;
        List<Integer> statuses = new ArrayList<>();
        while (i < format.length()) {
            char c = format.charAt(i);
            if (c == '<' || c == '>' || c == ',') {
                i++;
            } else if (c == '!') {
                negated = true;
                i++;
            } else if (c >= '0' && c <= '9') {
                int end = i;
                while (end < format.length() && Character.isDigit(format.charAt(end))) end++;
                if (end - i != 3) throw problem(format, start, "a status condition has three digits");
                statuses.add(Integer.parseInt(format.substring(i, end)));
                i = end;
            } else if (c == '{') {
                int close = format.indexOf('}', i);
                if (close < 0) throw problem(format, start, "'{' without '}'");
                param = format.substring(i + 1, close);
                i = close + 1;
            } else if (c == '%') {
                items.add(new Literal("%"));
                return i + 1;
            } else {
                if (UNSUPPORTED.indexOf(c) >= 0) {
                    throw problem(format, start, "mod_log_config's %" + c + " is not supported by jwsgi");
                }
                if (SUPPORTED.indexOf(c) < 0) throw problem(format, start, "unknown directive %" + c);
                Directive directive = new Directive(c, param, statuses, negated);
                check(directive, format, start);
                items.add(directive);
                return i + 1;
            }
        }
        throw problem(format, start, "a '%' at the end without a directive");
    }

    private static void check(Directive d, String format, int start) {
        String p = d.param();
        switch (d.code()) {
            case 'i', 'o', 'C' -> {
                if (p == null || p.isEmpty()) throw problem(format, start, "%" + d.code() + " needs a {name}");
            }
            case 'a', 'h' -> {
                if (p != null && !p.equals("c")) throw problem(format, start, "%" + d.code() + " takes only {c}");
            }
            case 'p' -> {
                if (p != null && !List.of("canonical", "local", "remote").contains(p)) {
                    throw problem(format, start, "%p takes {canonical}, {local} or {remote}");
                }
            }
            case 'P' -> {
                if (p != null && !p.equals("pid")) throw problem(format, start, "%P takes only {pid}");
            }
            case 'T' -> {
                if (p != null && !List.of("s", "ms", "us").contains(p)) {
                    throw problem(format, start, "%T takes {s}, {ms} or {us}");
                }
            }
            case 't' -> {
                if (p != null) {
                    try {
                        Strftime.check(p);
                    } catch (IllegalArgumentException e) {
                        throw problem(format, start, e.getMessage());
                    }
                }
            }
            default -> {
                // No parameter, or one that is ignored (as mod_log_config ignores it).
            }
        }
    }

    private static InvalidValueException problem(String format, int at, String what) {
        int end = Math.min(format.length(), at + 12);
        return new InvalidValueException(what + " at '" + format.substring(at, end) + "' in '" + format + "'");
    }
}
