package io.jwsgi.config;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * mod_log_config's {@code %{FORMAT}t}: an optional {@code begin:} or {@code end:} prefix (the time the request
 * started, the default, or the time it was logged), then {@code sec}, {@code msec}, {@code usec},
 * {@code msec_frac}, {@code usec_frac}, or a strftime(3) pattern. The strftime conversions supported are the
 * ones that do not depend on the C library's locale: {@code %a %A %b %B %d %D %e %F %H %I %j %m %M %n %p %R %s
 * %S %t %T %u %y %Y %z %Z %%}, in English as Apache's C locale writes them.
 */
public final class Strftime {
    private static final String CONVERSIONS = "aAbBdDeFHIjmMnpRsStTuyYzZ%";

    private Strftime() {}

    /** Throws IllegalArgumentException when {@code param} is not a time format mod_log_config would accept. */
    public static void check(String param) {
        String pattern = strip(param);
        if (isCounter(pattern)) return;
        for (int i = 0; i < pattern.length(); i++) {
            if (pattern.charAt(i) != '%') continue;
            if (i + 1 >= pattern.length() || CONVERSIONS.indexOf(pattern.charAt(i + 1)) < 0) {
                throw new IllegalArgumentException("time conversion '" + pattern.substring(i, Math.min(i + 2,
                        pattern.length())) + "' is not supported (" + String.join(" ",
                        CONVERSIONS.chars().mapToObj(c -> "%" + (char) c).toList()) + ")");
            }
            i++;
        }
    }

    /** Renders {@code param} for a request that began at {@code beginMicros} and was logged at {@code endMicros}. */
    public static String format(String param, long beginMicros, long endMicros, ZoneId zone) {
        long micros = param.startsWith("end:") ? endMicros : beginMicros;
        String pattern = strip(param);
        switch (pattern) {
            case "sec" -> { return Long.toString(micros / 1_000_000); }
            case "msec" -> { return Long.toString(micros / 1_000); }
            case "usec" -> { return Long.toString(micros); }
            case "msec_frac" -> { return String.format("%03d", (micros / 1_000) % 1_000); }
            case "usec_frac" -> { return String.format("%06d", micros % 1_000_000); }
            default -> { }
        }
        ZonedDateTime t = Instant.ofEpochSecond(micros / 1_000_000).atZone(zone);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 >= pattern.length()) {
                out.append(c);
                continue;
            }
            char conversion = pattern.charAt(++i);
            out.append(switch (conversion) {
                case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'b' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'd' -> two(t.getDayOfMonth());
                case 'D' -> two(t.getMonthValue()) + "/" + two(t.getDayOfMonth()) + "/" + two(t.getYear() % 100);
                case 'e' -> String.format("%2d", t.getDayOfMonth());
                case 'F' -> t.getYear() + "-" + two(t.getMonthValue()) + "-" + two(t.getDayOfMonth());
                case 'H' -> two(t.getHour());
                case 'I' -> two(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12);
                case 'j' -> String.format("%03d", t.getDayOfYear());
                case 'm' -> two(t.getMonthValue());
                case 'M' -> two(t.getMinute());
                case 'n' -> "\n";
                case 'p' -> t.getHour() < 12 ? "AM" : "PM";
                case 'R' -> two(t.getHour()) + ":" + two(t.getMinute());
                case 's' -> Long.toString(t.toEpochSecond());
                case 'S' -> two(t.getSecond());
                case 't' -> "\t";
                case 'T' -> two(t.getHour()) + ":" + two(t.getMinute()) + ":" + two(t.getSecond());
                case 'u' -> Integer.toString(t.getDayOfWeek().getValue());
                case 'y' -> two(t.getYear() % 100);
                case 'Y' -> Integer.toString(t.getYear());
                case 'z' -> offset(t.getOffset().getTotalSeconds());
                case 'Z' -> t.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case '%' -> "%";
                default -> "%" + conversion; // refused by check(): not reached for a checked pattern
            });
        }
        return out.toString();
    }

    /** {@code +0100}, {@code -0530}: strftime's %z, and the zone in Apache's default %t. */
    public static String offset(int totalSeconds) {
        int minutes = Math.abs(totalSeconds) / 60;
        return (totalSeconds < 0 ? "-" : "+") + two(minutes / 60) + two(minutes % 60);
    }

    private static String strip(String param) {
        if (param.startsWith("begin:")) return param.substring(6);
        if (param.startsWith("end:")) return param.substring(4);
        return param;
    }

    private static boolean isCounter(String pattern) {
        return switch (pattern) {
            case "sec", "msec", "usec", "msec_frac", "usec_frac" -> true;
            default -> false;
        };
    }

    private static String two(int n) {
        return n < 10 ? "0" + n : Integer.toString(n);
    }
}
