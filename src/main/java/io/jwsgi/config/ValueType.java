package io.jwsgi.config;

import java.math.BigDecimal;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * How a setting's raw command-line words become a typed value, and what values are acceptable. A converter
 * throws {@link InvalidValueException} saying what is wrong; it never clamps or adjusts a bad value.
 *
 * @param arity     words consumed after the flag: 0 (an on/off flag), 1, or 2 ({@code --setenv KEY VALUE})
 * @param converter turns exactly {@code arity} words into the value
 * @param <T>       the typed value
 */
public record ValueType<T>(int arity, Function<List<String>, T> converter) {
    private static final Pattern WHOLE_NUMBER = Pattern.compile("[+-]?\\d+");
    private static final Pattern OCTAL = Pattern.compile("[0-7]{1,4}");
    private static final Pattern SECONDS = Pattern.compile("\\d+(\\.\\d+)?");

    public ValueType {
        if (arity < 0 || arity > 2) {
            throw new IllegalArgumentException("arity must be 0, 1 or 2: " + arity);
        }
    }

    /** Converts the words following a flag. */
    public T convert(List<String> words) {
        return converter.apply(words);
    }

    /** This type, further restricted: values failing {@code acceptable} are rejected with {@code problem}. */
    public ValueType<T> check(Predicate<T> acceptable, Function<T, String> problem) {
        return new ValueType<>(arity, words -> {
            T value = converter.apply(words);
            if (!acceptable.test(value)) {
                throw new InvalidValueException(problem.apply(value));
            }
            return value;
        });
    }

    /** An on/off flag: present means true. */
    public static ValueType<Boolean> flag() {
        return new ValueType<>(0, words -> Boolean.TRUE);
    }

    /** A file-system path, kept as given (relative paths are resolved later against the current directory). */
    public static ValueType<Path> path() {
        return single(raw -> {
            try {
                return Path.of(nonEmpty(raw));
            } catch (InvalidPathException e) {
                throw new InvalidValueException("'" + raw + "' is not a valid path: " + e.getReason());
            }
        });
    }

    /** Any non-empty text. */
    public static ValueType<String> text() {
        return single(ValueType::nonEmpty);
    }

    /** An {@code int} no smaller than {@code minimum}. */
    public static ValueType<Integer> wholeNumber(int minimum) {
        return single(raw -> {
            long value = parseWholeNumber(raw);
            if (value < minimum) {
                throw new InvalidValueException("must be at least " + minimum + ", got " + value);
            }
            if (value > Integer.MAX_VALUE) {
                throw new InvalidValueException("must be at most " + Integer.MAX_VALUE + ", got " + value);
            }
            return (int) value;
        });
    }

    /** A {@code long} no smaller than {@code minimum}. */
    public static ValueType<Long> longNumber(long minimum) {
        return single(raw -> {
            long value = parseWholeNumber(raw);
            if (value < minimum) {
                throw new InvalidValueException("must be at least " + minimum + ", got " + value);
            }
            return value;
        });
    }

    /** A TCP port; 0 asks the operating system for a free one. */
    public static ValueType<Integer> port() {
        return single(raw -> {
            long value = parseWholeNumber(raw);
            if (value < 0 || value > 65535) {
                throw new InvalidValueException("must be between 0 and 65535, got " + value);
            }
            return (int) value;
        });
    }

    /**
     * A non-negative number of seconds. mod_wsgi takes whole seconds; decimals ({@code 0.5}) are accepted too so
     * tests can use short timeouts.
     */
    public static ValueType<Duration> seconds() {
        return single(raw -> {
            if (!SECONDS.matcher(raw).matches()) {
                throw new InvalidValueException("'" + raw + "' is not a number of seconds");
            }
            BigDecimal nanos = new BigDecimal(raw).movePointRight(9);
            if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
                throw new InvalidValueException("'" + raw + "' seconds is too long");
            }
            if (nanos.stripTrailingZeros().scale() > 0) {
                throw new InvalidValueException("'" + raw + "' has more precision than nanoseconds");
            }
            return Duration.ofNanos(nanos.longValueExact());
        });
    }

    /** One of an enum's constants, spelled in lower case on the command line. */
    public static <E extends Enum<E>> ValueType<E> choice(List<E> allowed) {
        Map<String, E> byName = allowed.stream()
                .collect(Collectors.toMap(e -> e.name().toLowerCase(java.util.Locale.ROOT), e -> e,
                        (a, b) -> a, java.util.LinkedHashMap::new));
        return single(raw -> {
            E value = byName.get(raw);
            if (value == null) {
                throw new InvalidValueException("'" + raw + "' is not one of " + String.join(", ", byName.keySet()));
            }
            return value;
        });
    }

    /** Convenience for {@link #choice(List)} over all of an enum's constants. */
    @SafeVarargs
    public static <E extends Enum<E>> ValueType<E> choice(E... allowed) {
        return choice(Arrays.asList(allowed));
    }

    /** Two non-empty words, such as {@code KEY VALUE}. */
    public static ValueType<Map.Entry<String, String>> pair() {
        return new ValueType<>(2, words -> Map.entry(nonEmpty(words.get(0)), words.get(1)));
    }

    /** Comma-separated non-empty words: {@code a,b,c}. */
    public static ValueType<List<String>> commaList() {
        return single(raw -> {
            List<String> words = List.of(raw.split(",", -1));
            if (words.stream().anyMatch(String::isEmpty)) {
                throw new InvalidValueException("'" + raw + "' has an empty item");
            }
            return words;
        });
    }

    /** A file mode creation mask in octal, 0 to 0777, kept as four digits: {@code 22} becomes {@code "0022"}. */
    public static ValueType<String> octalMask() {
        return single(raw -> {
            if (!OCTAL.matcher(raw).matches()) {
                throw new InvalidValueException("'" + raw + "' is not an octal mask such as 0022");
            }
            int mask = Integer.parseInt(raw, 8);
            if (mask > 0777) {
                throw new InvalidValueException("'" + raw + "' is above 0777");
            }
            return String.format("%04o", mask);
        });
    }

    /** PYTHONHASHSEED: {@code random} or 0 to 4294967295. */
    public static ValueType<String> hashSeed() {
        return single(raw -> {
            if (raw.equals("random")) {
                return raw;
            }
            if (!raw.matches("\\d{1,10}") || Long.parseLong(raw) > 4294967295L) {
                throw new InvalidValueException("'" + raw + "' is neither random nor a number from 0 to 4294967295");
            }
            return Long.toString(Long.parseLong(raw));
        });
    }

    private static <T> ValueType<T> single(Function<String, T> converter) {
        return new ValueType<>(1, words -> converter.apply(words.getFirst()));
    }

    private static String nonEmpty(String raw) {
        if (raw.isEmpty()) {
            throw new InvalidValueException("must not be empty");
        }
        return raw;
    }

    private static long parseWholeNumber(String raw) {
        if (!WHOLE_NUMBER.matcher(raw).matches()) {
            throw new InvalidValueException("'" + raw + "' is not a whole number");
        }
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException tooLong) {
            throw new InvalidValueException("'" + raw + "' is too large");
        }
    }
}
