package io.jwsgi.site;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an Apache httpd configuration file into a tree of {@link Directive}s, following httpd 2.4's reading
 * rules, and collects every problem it finds (with its file and line) instead of stopping at the first.
 *
 * <p><b>What the reader evaluates</b>, because in httpd it happens while the file is read and it decides which
 * lines exist at all: line continuations and comments; {@code ${NAME}} substitution (from {@code Define}d names,
 * then the environment); {@code Define} and {@code UnDefine}, applied in reading order; {@code Include} and
 * {@code IncludeOptional}, whose files are spliced in where they are named; and the conditional sections
 * {@code <IfModule>}, {@code <IfDefine>}, {@code <IfFile>}, {@code <IfDirective>} and {@code <IfVersion>}, whose
 * contents are spliced into the enclosing level when true and dropped when false. None of these appear in the
 * result. Skipped contents are only checked for well-formed sections: no substitution, no {@code Define}, no
 * {@code Include} happens inside them, as in httpd.
 *
 * <p><b>What is left to the interpreter</b> ({@code SiteBuilder}): everything else, {@code <VirtualHost>},
 * {@code <Directory>}, {@code <Location>} and other sections included. The reader knows no directive's
 * arguments and checks no counts or values beyond those of the directives it evaluates; names keep their
 * spelling and are matched case-insensitively ({@link Directive#is}).
 *
 * <p><b>Decisions where httpd is not followed exactly</b>: an undefined {@code ${NAME}} is an error (httpd only
 * warns), and so is an unterminated quote (httpd takes the rest of the line). A problem does not stop the
 * reading: an unclosed section is closed at the end of its file, a mismatched closing tag closes the innermost
 * section (or, when it names an outer one, everything up to it), and a malformed condition counts as false, so
 * that the interpreter can report its own problems for the rest. {@code <IfVersion>} compares against httpd
 * 2.4.57 ({@code Conditions.HTTPD_VERSION}). {@code <IfDirective>} has no module table to consult: it is
 * true for names starting with {@code WSGI} and for the core directives in {@code Conditions.DIRECTIVES}.
 * Relative paths in {@code Include} and {@code <IfFile>} resolve against {@code serverRoot}, or against the
 * directory of the top-level file when that is null. Include directories are read recursively, as httpd
 * documents. Sections cannot span files: each included file must close what it opens.
 */
public final class ConfigReader {
    /** The modules {@code <IfModule>} treats as loaded by default: what jwsgi implements or accepts. */
    public static final Set<String> MODULES = Set.of(
            "mod_wsgi.c", "wsgi_module", "mod_alias.c", "alias_module", "mod_authz_core.c", "authz_core_module",
            "mod_authz_host.c", "authz_host_module", "mod_dir.c", "dir_module", "mod_env.c", "env_module",
            "mod_setenvif.c", "setenvif_module", "mod_log_config.c", "log_config_module", "mod_mime.c",
            "mime_module", "mod_headers.c", "headers_module", "mod_ssl.c", "ssl_module", "mod_version.c",
            "version_module", "core.c");

    /** How deep Includes may nest (the top-level file is level 0); deeper is taken to be an Include loop. */
    static final int MAX_INCLUDE_DEPTH = 32;

    /** The directives read (conditionals and includes resolved), every problem found, and the names defined at the end. */
    public record Result(List<Directive> directives, List<ConfigProblem> errors, Set<String> defines) {
        public Result {
            directives = List.copyOf(directives);
            errors = List.copyOf(errors);
            defines = Collections.unmodifiableSet(new LinkedHashSet<>(defines));
        }
    }

    private final Map<String, String> environment;
    private final Map<String, String> defined = new LinkedHashMap<>();
    private final Path base;
    private final Conditions conditions;
    private final List<ConfigProblem> errors = new ArrayList<>();

    private ConfigReader(Map<String, String> environment, Set<String> defines, Path base, Set<String> modules) {
        this.environment = environment == null ? Map.of() : environment;
        if (defines != null) for (String d : defines) defined.put(d, "");
        this.base = base;
        this.conditions = new Conditions(modules == null ? MODULES : modules, base);
    }

    /**
     * Reads {@code file} and what it includes. {@code environment} supplies {@code ${NAME}} values not
     * {@code Define}d; {@code defines} are the names defined from the start (like httpd's {@code -D}, with empty
     * values); {@code serverRoot} is where relative paths resolve; {@code modules} are the names
     * {@code <IfModule>} treats as loaded (usually {@link #MODULES}). Null arguments mean none (for
     * {@code modules}: {@link #MODULES}; for {@code serverRoot}: the directory of {@code file}).
     */
    public static Result read(Path file, Map<String, String> environment, Set<String> defines, Path serverRoot,
                              Set<String> modules) {
        Path absolute = file.toAbsolutePath();
        Path base = serverRoot != null ? serverRoot.toAbsolutePath() : absolute.getParent();
        ConfigReader reader = new ConfigReader(environment, defines, base, modules);
        List<Directive> out = new ArrayList<>();
        reader.readFile(file, out, 0, null);
        return new Result(out, reader.errors, reader.defined.keySet());
    }

    /** An open section: a real one collecting its children, or a conditional writing to its parent's list (or, when false, nowhere). */
    private record Frame(String name, List<String> args, Source source, List<Directive> children,
                         List<Directive> parentOut, boolean section) {}

    private void readFile(Path file, List<Directive> out, int depth, Source includedFrom) {
        List<ConfigText.Line> lines;
        try {
            lines = ConfigText.read(file);
        } catch (IOException e) {
            errors.add(new ConfigProblem(includedFrom, "cannot read configuration file " + file + ": " + reason(e)));
            return;
        }
        Deque<Frame> open = new ArrayDeque<>();
        for (ConfigText.Line line : lines) {
            Source source = new Source(file, line.number());
            List<Directive> target = open.isEmpty() ? out : open.peek().children();
            String text = line.text();
            if (target != null) {
                text = ConfigText.substitute(text, defined, environment, name -> error(source,
                        "variable " + name + " is not defined (Define it, or set it in the environment)"));
            }
            if (text.startsWith("</")) {
                close(text, source, open);
            } else if (text.startsWith("<")) {
                open(text, source, target, open);
            } else if (target != null) {
                directive(text, source, target, depth);
            }
        }
        while (!open.isEmpty()) {
            Frame f = open.pop();
            error(f.source(), "<" + f.name() + "> is not closed: no </" + f.name() + "> before the end of " + file);
            finish(f);
        }
    }

    private void open(String text, Source source, List<Directive> target, Deque<Frame> open) {
        String body = text.substring(1);
        if (body.endsWith(">")) {
            body = body.substring(0, body.length() - 1);
        } else {
            error(source, text + ": the section is missing its closing '>'");
        }
        int space = 0;
        while (space < body.length() && !Character.isWhitespace(body.charAt(space))) space++;
        String name = body.substring(0, space);
        if (name.isEmpty()) {
            error(source, "a section needs a name: " + text);
            name = "?";
        }
        if (target == null) { // inside a false conditional: only the structure counts
            open.push(new Frame(name, List.of(), source, null, null, false));
            return;
        }
        List<String> args = words(body.substring(space), source);
        if (Conditions.isConditional(name)) {
            boolean holds = args != null && conditions.evaluate(name, args, defined, m -> error(source, m));
            open.push(new Frame(name, args == null ? List.of() : args, source, holds ? target : null, null, false));
        } else {
            open.push(new Frame(name, args == null ? List.of() : args, source, new ArrayList<>(), target, true));
        }
    }

    private void close(String text, Source source, Deque<Frame> open) {
        String name = text.substring(2);
        if (name.endsWith(">")) {
            name = name.substring(0, name.length() - 1).strip();
        } else {
            error(source, text + ": the closing tag is missing its '>'");
        }
        if (name.isEmpty() || name.chars().anyMatch(Character::isWhitespace)) {
            error(source, "a closing tag is </Name> alone: " + text);
            name = name.isEmpty() ? "?" : name.split("\\s+")[0];
        }
        if (open.isEmpty()) {
            error(source, "</" + name + "> closes no section: there is no open <" + name + ">");
            return;
        }
        boolean outer = false;
        for (Frame f : open) outer |= f.name().equalsIgnoreCase(name);
        if (!outer) {
            Frame f = open.pop();
            error(source, "</" + name + "> closes <" + f.name() + "> opened at " + f.source());
            finish(f);
            return;
        }
        while (true) {
            Frame f = open.pop();
            boolean match = f.name().equalsIgnoreCase(name);
            if (!match) error(source, "</" + name + "> closes <" + f.name() + "> opened at " + f.source());
            finish(f);
            if (match) return;
        }
    }

    private static void finish(Frame f) {
        if (f.section() && f.parentOut() != null) {
            f.parentOut().add(Directive.section(f.name(), f.args(), f.source(), f.children()));
        }
    }

    private void directive(String text, Source source, List<Directive> target, int depth) {
        List<String> words = words(text, source);
        if (words == null || words.isEmpty()) return;
        String name = words.getFirst();
        List<String> args = words.subList(1, words.size());
        if (name.equalsIgnoreCase("Define")) {
            if (args.isEmpty() || args.size() > 2) {
                error(source, name + " takes a name and an optional value, got " + args.size() + " arguments");
            } else {
                defined.put(args.getFirst(), args.size() == 2 ? args.get(1) : "");
            }
        } else if (name.equalsIgnoreCase("UnDefine")) {
            if (args.size() != 1) {
                error(source, name + " takes one name, got " + args.size() + " arguments");
            } else {
                defined.remove(args.getFirst());
            }
        } else if (name.equalsIgnoreCase("Include") || name.equalsIgnoreCase("IncludeOptional")) {
            include(name, args, source, target, depth, name.equalsIgnoreCase("IncludeOptional"));
        } else {
            target.add(Directive.plain(name, args, source));
        }
    }

    private void include(String name, List<String> args, Source source, List<Directive> target, int depth,
                         boolean optional) {
        if (args.size() != 1) {
            error(source, name + " takes one path or wildcard pattern, got " + args.size() + " arguments");
            return;
        }
        String written = args.getFirst();
        if (depth + 1 > MAX_INCLUDE_DEPTH) {
            error(source, name + " " + written + ": includes nested more than " + MAX_INCLUDE_DEPTH
                    + " levels deep (does a file include itself?)");
            return;
        }
        Path pattern = base.resolve(written);
        List<Path> files;
        try {
            files = IncludeFiles.expand(pattern);
        } catch (IOException e) {
            error(source, name + " " + written + ": " + reason(e));
            return;
        }
        if (files.isEmpty()) {
            if (!optional) {
                error(source, name + " " + written + " matches no file"
                        + (pattern.toString().equals(written) ? "" : " (looked for " + pattern + ")"));
            }
            return;
        }
        for (Path f : files) readFile(f, target, depth + 1, source);
    }

    /** The words of a line, or null (after reporting it) when it cannot be split. */
    private List<String> words(String text, Source source) {
        try {
            return ConfigText.words(text);
        } catch (ConfigText.SyntaxError e) {
            error(source, e.getMessage());
            return null;
        }
    }

    private void error(Source source, String message) {
        errors.add(new ConfigProblem(source, message));
    }

    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) return "no such file";
        if (e instanceof AccessDeniedException) return "permission denied";
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
