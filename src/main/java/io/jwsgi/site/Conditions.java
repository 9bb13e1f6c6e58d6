package io.jwsgi.site;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Evaluates the conditional sections {@link ConfigReader} resolves itself: {@code <IfModule>}, {@code <IfDefine>},
 * {@code <IfFile>}, {@code <IfDirective>} and {@code <IfVersion>}. A malformed condition is reported and counts
 * as false, so its contents are skipped.
 */
final class Conditions {
    /** The httpd version {@code <IfVersion>} compares against: the one whose behaviour jwsgi follows. */
    static final int[] HTTPD_VERSION = {2, 4, 57};

    /**
     * The directives {@code <IfDirective>} treats as available, lower case: the ones jwsgi's interpreter
     * ({@code SiteBuilder}) understands plus the ones the reader handles itself; every name starting with
     * {@code WSGI} counts too. Keep it in step with the interpreter: a configuration that guards a directive
     * with {@code <IfDirective>} expects it to be honoured when the test is true.
     */
    static final Set<String> DIRECTIVES = Set.of(
            "alias", "aliasmatch", "customlog", "define", "directory", "directorymatch", "documentroot", "errorlog",
            "files", "filesmatch", "ifdefine", "ifdirective", "iffile", "ifmodule", "ifversion", "include",
            "includeoptional", "keepalive", "keepalivetimeout", "limitrequestbody", "limitrequestfields",
            "limitrequestfieldsize", "limitrequestline", "listen", "location", "locationmatch", "logformat",
            "loglevel", "options", "passenv", "redirect", "redirectmatch", "require", "requireall", "requireany",
            "requirenone", "scriptalias", "scriptaliasmatch", "serveralias", "servername", "setenv",
            "sslcacertificatefile", "sslcertificatechainfile", "sslcertificatefile", "sslcertificatekeyfile",
            "sslengine", "timeout", "undefine", "unsetenv", "virtualhost");

    private static final Set<String> NAMES = Set.of("ifmodule", "ifdefine", "iffile", "ifdirective", "ifversion");
    private static final Pattern VERSION = Pattern.compile("(\\d{1,9})(?:\\.(\\d{1,9})(?:\\.(\\d{1,9}))?)?");

    private final Set<String> modules = new HashSet<>();
    private final Path base;

    /** {@code base} is the directory a relative {@code <IfFile>} path is resolved against (the server root). */
    Conditions(Set<String> modules, Path base) {
        for (String m : modules) {
            String key = moduleKey(m);
            if (key != null) this.modules.add(key);
        }
        this.base = base;
    }

    static boolean isConditional(String sectionName) {
        return NAMES.contains(sectionName.toLowerCase(Locale.ROOT));
    }

    /**
     * The module a name stands for, whichever of httpd's spellings it uses: {@code mod_x.c} (source file),
     * {@code x_module} (module identifier) or {@code mod_x}, any case; null for a name in none of these forms.
     */
    static String moduleKey(String name) {
        String s = name.toLowerCase(Locale.ROOT);
        boolean known = false;
        if (s.endsWith(".c")) {
            s = s.substring(0, s.length() - 2);
            known = true;
        } else if (s.endsWith("_module")) {
            s = s.substring(0, s.length() - "_module".length());
            known = true;
        }
        if (s.startsWith("mod_")) {
            s = s.substring(4);
            known = true;
        }
        return known && !s.isEmpty() ? s : null;
    }

    boolean evaluate(String section, List<String> args, Map<String, String> defined, Consumer<String> error) {
        String kind = section.toLowerCase(Locale.ROOT);
        if (kind.equals("ifversion")) return version(section, args, error);
        if (args.size() != 1 || args.getFirst().equals("!")) {
            error.accept("<" + section + "> takes one argument, optionally prefixed by '!', got " + args.size()
                    + (args.size() == 1 ? " (a lone '!')" : ""));
            return false;
        }
        String arg = args.getFirst();
        boolean negated = arg.startsWith("!");
        if (negated) arg = arg.substring(1);
        boolean holds = switch (kind) {
            case "ifmodule" -> {
                String key = moduleKey(arg);
                yield key != null && modules.contains(key);
            }
            case "ifdefine" -> defined.containsKey(arg);
            case "iffile" -> Files.exists(base.resolve(arg));
            case "ifdirective" -> {
                String d = arg.toLowerCase(Locale.ROOT);
                yield d.startsWith("wsgi") || DIRECTIVES.contains(d);
            }
            default -> throw new IllegalArgumentException("not a conditional section: " + section);
        };
        return holds != negated;
    }

    /**
     * mod_version's {@code <IfVersion [[!]operator] version>}: operators {@code = == > >= < <=} compare
     * {@code major[.minor[.patch]]} (missing parts are 0), {@code ~} matches a regular expression, and so does
     * {@code = /regex/}; no operator means {@code =}, and {@code !} alone means not equal.
     */
    private static boolean version(String section, List<String> args, Consumer<String> error) {
        if (args.isEmpty() || args.size() > 2) {
            error.accept("<" + section + "> takes [[!]operator] version, got " + args.size() + " arguments");
            return false;
        }
        String op = args.size() == 2 ? args.getFirst() : "=";
        String wanted = args.getLast();
        boolean negated = op.startsWith("!");
        if (negated) op = op.length() == 1 ? "=" : op.substring(1);
        String actual = HTTPD_VERSION[0] + "." + HTTPD_VERSION[1] + "." + HTTPD_VERSION[2];
        boolean regex = op.equals("~")
                || (op.equals("=") || op.equals("==")) && wanted.length() > 1 && wanted.startsWith("/") && wanted.endsWith("/");
        if (regex) {
            String expression = op.equals("~") ? wanted : wanted.substring(1, wanted.length() - 1);
            try {
                return Pattern.compile(expression).matcher(actual).find() != negated;
            } catch (PatternSyntaxException e) {
                error.accept("<" + section + ">: bad regular expression '" + expression + "': " + e.getDescription());
                return false;
            }
        }
        Matcher m = VERSION.matcher(wanted);
        if (!m.matches()) {
            error.accept("<" + section + "> expects a version like 2.4 or 2.4.57, got '" + wanted + "'");
            return false;
        }
        int cmp = 0;
        for (int i = 0; i < 3 && cmp == 0; i++) {
            int part = m.group(i + 1) == null ? 0 : Integer.parseInt(m.group(i + 1));
            cmp = Integer.compare(HTTPD_VERSION[i], part);
        }
        Boolean holds = switch (op) {
            case "=", "==" -> cmp == 0;
            case ">" -> cmp > 0;
            case ">=" -> cmp >= 0;
            case "<" -> cmp < 0;
            case "<=" -> cmp <= 0;
            default -> null;
        };
        if (holds == null) {
            error.accept("<" + section + ">: unknown operator '" + args.getFirst() + "' (use = == > >= < <= ~, optionally prefixed by !)");
            return false;
        }
        return holds != negated;
    }
}
