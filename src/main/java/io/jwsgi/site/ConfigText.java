package io.jwsgi.site;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The text level of an Apache configuration file, as httpd's {@code ap_cfg_getline} and {@code ap_getword_conf}
 * see it: logical lines (continuations joined, comments and blank lines dropped), {@code ${NAME}} substitution,
 * and the split of a line into words.
 */
final class ConfigText {
    private ConfigText() {}

    /** A logical line, trimmed, and the number of the physical line it starts on. */
    record Line(int number, String text) {}

    /** Thrown by {@link #words} for a line that cannot be split (an unterminated quote). */
    static final class SyntaxError extends Exception {
        SyntaxError(String message) {
            super(message);
        }
    }

    /** The file's bytes as UTF-8 or, if they are not valid UTF-8, as Latin-1 (httpd itself reads bytes). */
    static List<Line> read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            text = new String(bytes, StandardCharsets.ISO_8859_1);
        }
        return lines(text);
    }

    /**
     * Splits text into logical lines. A line whose very last character (before the line end) is a single
     * {@code \} continues onto the next one: the backslash is removed and the next line appended as it is, as
     * httpd does; a trailing {@code \\} is not a continuation. The joined line is trimmed; it is a comment when
     * it then starts with {@code #} (so a continued comment line swallows the next line, as in httpd).
     */
    static List<Line> lines(String text) {
        String[] physical = text.split("\n", -1);
        int count = text.endsWith("\n") ? physical.length - 1 : physical.length;
        List<Line> out = new ArrayList<>();
        StringBuilder joined = new StringBuilder();
        int start = -1;
        for (int i = 0; i < count; i++) {
            String line = physical[i];
            if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
            if (start < 0) start = i + 1;
            boolean continues = line.endsWith("\\") && !line.endsWith("\\\\") && i + 1 < count;
            joined.append(continues ? line.substring(0, line.length() - 1) : line);
            if (continues) continue;
            String logical = joined.toString().strip();
            if (!logical.isEmpty() && !logical.startsWith("#")) out.add(new Line(start, logical));
            joined.setLength(0);
            start = -1;
        }
        return out;
    }

    /**
     * Replaces each {@code ${NAME}} by the value {@code Define}d for NAME or else by NAME from the environment.
     * An undefined one is left as written and reported to {@code undefined}. A <code>${</code> without a
     * closing brace, and <code>${}</code>, are plain text.
     */
    static String substitute(String text, Map<String, String> defined, Map<String, String> environment,
                             Consumer<String> undefined) {
        int at = text.indexOf("${");
        if (at < 0) return text;
        StringBuilder out = new StringBuilder(text.length());
        int from = 0;
        while (at >= 0) {
            int close = text.indexOf('}', at + 2);
            if (close < 0) break;
            String name = text.substring(at + 2, close);
            String value = name.isEmpty() ? null : defined.containsKey(name) ? defined.get(name) : environment.get(name);
            out.append(text, from, at);
            if (value == null) {
                out.append(text, at, close + 1);
                if (!name.isEmpty()) undefined.accept(name);
            } else {
                out.append(value);
            }
            from = close + 1;
            at = text.indexOf("${", from);
        }
        return out.append(text, from, text.length()).toString();
    }

    /**
     * Splits a line into words at whitespace. A word starting with {@code "} or {@code '} runs to the matching
     * quote and may hold whitespace; inside it a backslash before that quote character stands for the quote
     * itself (httpd does this for both kinds of quote); any other backslash is kept. Outside quotes every
     * character, backslashes and quotes included, is literal. An unterminated quote is a {@link SyntaxError}
     * (httpd would silently take the rest of the line).
     */
    static List<String> words(String text) throws SyntaxError {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (true) {
            while (i < n && Character.isWhitespace(text.charAt(i))) i++;
            if (i >= n) return out;
            char quote = text.charAt(i);
            if (quote == '"' || quote == '\'') {
                StringBuilder word = new StringBuilder();
                int j = i + 1;
                while (j < n && text.charAt(j) != quote) {
                    if (text.charAt(j) == '\\' && j + 1 < n && text.charAt(j + 1) == quote) j++;
                    word.append(text.charAt(j++));
                }
                if (j >= n) throw new SyntaxError("unterminated " + quote + " quote in: " + text.substring(i));
                out.add(word.toString());
                i = j + 1;
            } else {
                int j = i;
                while (j < n && !Character.isWhitespace(text.charAt(j))) j++;
                out.add(text.substring(i, j));
                i = j;
            }
        }
    }
}
