package io.jwsgi.site;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The files an {@code Include} path stands for, as httpd 2.4 finds them: fnmatch wildcards ({@code * ? [...]})
 * may appear in any component of the path, directory components included; a leading dot in a name must be
 * matched by a literal dot; each directory's matches are taken in sorted order; and a directory, named or
 * matched, stands for every file in it and in its subdirectories (sorted, hidden files included, as httpd).
 */
final class IncludeFiles {
    /** How deep a directory include may go: guards against a symbolic link to a parent directory. */
    static final int MAX_DIRECTORY_DEPTH = 32;

    private IncludeFiles() {}

    static boolean hasWildcard(String path) {
        return path.indexOf('*') >= 0 || path.indexOf('?') >= 0 || path.indexOf('[') >= 0;
    }

    /** The files {@code pattern} (an absolute path) matches, in order; empty when none. */
    static List<Path> expand(Path pattern) throws IOException {
        List<Path> matches = List.of(pattern.getRoot() == null ? Path.of("") : pattern.getRoot());
        int n = pattern.getNameCount();
        for (int i = 0; i < n; i++) {
            String component = pattern.getName(i).toString();
            boolean last = i == n - 1;
            List<Path> next = new ArrayList<>();
            for (Path dir : matches) {
                if (!hasWildcard(component)) {
                    Path p = dir.resolve(component);
                    if (last ? Files.exists(p) : Files.isDirectory(p)) next.add(p);
                } else if (Files.isDirectory(dir)) {
                    Pattern glob = fnmatch(component);
                    for (Path entry : sorted(dir)) {
                        String name = entry.getFileName().toString();
                        if (name.startsWith(".") && !component.startsWith(".")) continue;
                        if (glob.matcher(name).matches() && (last || Files.isDirectory(entry))) next.add(entry);
                    }
                }
            }
            matches = next;
        }
        List<Path> files = new ArrayList<>();
        for (Path p : matches) addFiles(p, files, 0);
        return files;
    }

    private static void addFiles(Path p, List<Path> out, int depth) throws IOException {
        if (!Files.isDirectory(p)) {
            out.add(p);
            return;
        }
        if (depth >= MAX_DIRECTORY_DEPTH) {
            throw new IOException("directory " + p + " is nested more than " + MAX_DIRECTORY_DEPTH
                    + " levels deep (a symbolic link loop?)");
        }
        for (Path entry : sorted(p)) addFiles(entry, out, depth + 1);
    }

    private static List<Path> sorted(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
        }
    }

    /**
     * One path component's fnmatch pattern as a regular expression: {@code *} any run of characters,
     * {@code ?} one character, {@code [...]} a set ({@code [!...]} or {@code [^...]} its complement, with
     * {@code a-z} ranges), {@code \c} a literal c; a {@code [} without its {@code ]} is literal.
     */
    static Pattern fnmatch(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*') {
                re.append(".*");
            } else if (c == '?') {
                re.append('.');
            } else if (c == '\\' && i + 1 < glob.length()) {
                re.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
            } else if (c == '[' && glob.indexOf(']', i + 2) > 0) {
                int start = i + 1;
                boolean negated = glob.charAt(start) == '!' || glob.charAt(start) == '^';
                if (negated) start++;
                int end = glob.indexOf(']', start + 1); // a ']' right after '[' or '[!' belongs to the set
                if (end < 0) {
                    re.append("\\[");
                    continue;
                }
                re.append(negated ? "[^" : "[");
                for (int j = start; j < end; j++) {
                    char s = glob.charAt(j);
                    boolean range = s == '-' && j > start && j + 1 < end;
                    re.append(range || Character.isLetterOrDigit(s) ? String.valueOf(s) : "\\" + s);
                }
                re.append(']');
                i = end;
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }
}
