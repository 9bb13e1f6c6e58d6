package io.jwsgi.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Command-line words parsed against a catalogue of {@link Setting}s: the values given for each setting, plus the
 * positional words. Accepts {@code --flag value}, {@code --flag=value} (one-value options only), and {@code --}
 * to end the options. Unlike optparse, which mod_wsgi-express uses, abbreviated flags are not accepted — a
 * prefix is only offered as a suggestion — so adding an option can never change what an old command line means.
 */
public final class Arguments {
    private final Map<Setting<?>, List<Object>> given;
    private final List<String> positionals;

    private Arguments(Map<Setting<?>, List<Object>> given, List<String> positionals) {
        this.given = given;
        this.positionals = List.copyOf(positionals);
    }

    /** Parses {@code words}; a bad option or value is a {@link ConfigException} naming the flag and value. */
    public static Arguments parse(List<Setting<?>> catalogue, List<String> words) {
        Map<String, Setting<?>> byFlag = catalogue.stream()
                .collect(Collectors.toMap(Setting::flag, Function.identity()));
        Map<Setting<?>, List<Object>> given = new LinkedHashMap<>();
        List<String> positionals = new ArrayList<>();
        int i = 0;
        while (i < words.size()) {
            String word = words.get(i++);
            if (word.equals("--")) {
                positionals.addAll(words.subList(i, words.size()));
                break;
            }
            if (!word.startsWith("-") || word.equals("-")) {
                positionals.add(word);
                continue;
            }
            int equals = word.indexOf('=');
            String flag = equals < 0 ? word : word.substring(0, equals);
            Setting<?> setting = byFlag.get(flag);
            if (setting == null) {
                throw new ConfigException(unknownOption(flag, catalogue));
            }
            List<String> values;
            if (equals >= 0) {
                if (setting.arity() != 1) {
                    throw new ConfigException(setting.flag() + ": "
                            + (setting.arity() == 0 ? "takes no value" : "write its values as " + setting.synopsis()));
                }
                values = List.of(word.substring(equals + 1));
            } else {
                values = takeValues(setting, words, i);
                i += values.size();
            }
            Object value = convert(setting, values);
            List<Object> slot = given.computeIfAbsent(setting, s -> new ArrayList<>());
            if (!setting.repeatable()) {
                slot.clear(); // optparse semantics: the last occurrence wins
            }
            slot.add(value);
        }
        return new Arguments(given, positionals);
    }

    /** Whether the option appeared on the command line. */
    public boolean isGiven(Setting<?> setting) {
        return given.containsKey(setting);
    }

    /** The last value given, else the setting's default, else null. */
    public <T> T value(Setting<T> setting) {
        List<T> values = values(setting);
        if (!values.isEmpty()) {
            return values.getLast();
        }
        return setting.defaultValue() == null ? null : convert(setting, List.of(setting.defaultValue()));
    }

    /** Every value given, in order; empty when the option did not appear. */
    @SuppressWarnings("unchecked") // values are stored by the setting's own ValueType<T>
    public <T> List<T> values(Setting<T> setting) {
        return (List<T>) List.copyOf(given.getOrDefault(setting, List.of()));
    }

    /** Words that were not options or option values, in order. */
    public List<String> positionals() {
        return positionals;
    }

    private static List<String> takeValues(Setting<?> setting, List<String> words, int start) {
        int end = start + setting.arity();
        for (int j = start; j < end; j++) {
            // A following option means the value was forgotten; "-1" is still a value (and then rejected by type).
            if (j >= words.size() || words.get(j).startsWith("--")) {
                throw new ConfigException(setting.flag() + ": missing value"
                        + (setting.arity() > 1 ? " (expects " + setting.metavar() + ")" : ""));
            }
        }
        return List.copyOf(words.subList(start, end));
    }

    private static <T> T convert(Setting<T> setting, List<String> values) {
        try {
            return setting.type().convert(values);
        } catch (InvalidValueException e) {
            throw new ConfigException(setting.flag() + ": " + e.getMessage());
        }
    }

    private static String unknownOption(String flag, List<Setting<?>> catalogue) {
        return "unknown option '" + flag + "'" + suggestion(flag, catalogue)
                .map(s -> " (did you mean " + s.flag() + "?)")
                .orElse(" (see --help)");
    }

    /** The nearest flag the mistyped one abbreviates, else the nearest within three edits. */
    static Optional<Setting<?>> suggestion(String flag, List<Setting<?>> catalogue) {
        Comparator<Setting<?>> nearest = Comparator.comparingInt(s -> editDistance(flag, s.flag()));
        Optional<Setting<?>> abbreviated = catalogue.stream()
                .filter(s -> flag.length() > 3 && s.flag().startsWith(flag))
                .min(nearest);
        if (abbreviated.isPresent()) {
            return abbreviated;
        }
        return catalogue.stream().filter(s -> editDistance(flag, s.flag()) <= 3).min(nearest);
    }

    /** Optimal-string-alignment distance: Levenshtein plus adjacent transpositions ("ss" ↔ "ses" typos). */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
