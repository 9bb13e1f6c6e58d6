package io.jwsgi.site;

import io.jwsgi.config.InvalidValueException;
import io.jwsgi.config.IpRange;
import io.jwsgi.site.Site.Scope;
import io.jwsgi.site.Site.Section;
import io.jwsgi.site.Site.SectionKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The directives that may appear at every level — server, {@code <VirtualHost>} and the Directory, Files and
 * Location sections — and the sections themselves: which WSGI process and application group serve a request, its
 * callable, {@code WSGIPassAuthorization}, {@code WSGIChunkedRequest}, the {@code Require} rules and the
 * environment values (SetEnv, UnsetEnv, PassEnv). Each level has one builder; {@link #build} gives its
 * {@link Scope}.
 */
final class ScopeBuilder {
    /** Directives Apache sites use that jwsgi does not implement yet: an error that says so, never silence. */
    static final Map<String, String> UNSUPPORTED = unsupported();

    private final List<ConfigProblem> errors;
    private final Map<String, String> environment;
    private String processGroup;
    private String applicationGroup;
    private String callableObject;
    private Boolean passAuthorization;
    private Boolean chunkedRequest;
    private final List<AccessRule> requires = new ArrayList<>();
    private boolean requireSeen;
    private final Map<String, String> setenv = new LinkedHashMap<>();
    /** Files sections nested in a Directory section, reported to the enclosing builder. */
    final List<Directive> nestedFiles = new ArrayList<>();

    ScopeBuilder(List<ConfigProblem> errors, Map<String, String> environment) {
        this.errors = errors;
        this.environment = environment;
    }

    Scope build() {
        AccessRule access = !requireSeen ? null : requires.size() == 1 ? requires.getFirst()
                : new AccessRule.Any(List.copyOf(requires));
        return new Scope(processGroup, applicationGroup, callableObject, passAuthorization, chunkedRequest, access,
                java.util.Collections.unmodifiableMap(new LinkedHashMap<>(setenv)));
    }

    /** Handles {@code d} if it is a scope directive; false if it is not one. */
    boolean directive(Directive d) {
        switch (d.name().toLowerCase(Locale.ROOT)) {
            case "wsgiprocessgroup" -> processGroup = one(d);
            case "wsgiapplicationgroup" -> applicationGroup = one(d);
            case "wsgicallableobject" -> callableObject = one(d);
            case "wsgipassauthorization" -> passAuthorization = onOff(d, errors);
            case "wsgichunkedrequest" -> chunkedRequest = onOff(d, errors);
            case "require" -> {
                requireSeen = true;
                AccessRule rule = require(d, false);
                if (rule != null) requires.add(rule);
            }
            case "setenv" -> {
                if (d.args().isEmpty() || d.args().size() > 2) error(d, "SetEnv takes a name and an optional value");
                else setenv.put(d.args().get(0), d.args().size() == 2 ? d.args().get(1) : "");
            }
            case "unsetenv" -> d.args().forEach(setenv::remove);
            case "passenv" -> {
                for (String name : d.args()) {
                    String value = environment.get(name);
                    if (value != null) setenv.put(name, value);
                }
            }
            case "options", "directoryindex", "adddefaultcharset", "scriptreloading", "wsgiscriptreloading",
                 "satisfy" -> {
                // Accepted: Options (ExecCGI and Indexes matter only to handlers jwsgi does not serve from
                // sections), DirectoryIndex (docs/configuration.md), WSGIScriptReloading (always on in daemon mode).
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Handles a {@code <RequireAny|All|None>} section at this level; false for any other section. */
    boolean section(Directive d) {
        String name = d.name().toLowerCase(Locale.ROOT);
        if (!name.startsWith("require")) return false;
        requireSeen = true;
        AccessRule rule = container(d);
        if (rule != null) requires.add(rule);
        return true;
    }

    private AccessRule container(Directive d) {
        String name = d.name().toLowerCase(Locale.ROOT);
        boolean negatable = !name.equals("requireany");
        List<AccessRule> rules = new ArrayList<>();
        for (Directive child : d.children()) {
            AccessRule rule = child.isSection() && child.name().toLowerCase(Locale.ROOT).startsWith("require")
                    ? container(child) : child.is("Require") ? require(child, negatable) : null;
            if (rule == null && !child.is("Require") && !child.isSection()) {
                error(child, child.name() + " cannot appear in <" + d.name() + ">, only Require and containers");
            }
            if (rule != null) rules.add(rule);
        }
        return switch (name) {
            case "requireany" -> new AccessRule.Any(rules);
            case "requireall" -> new AccessRule.Every(rules);
            case "requirenone" -> new AccessRule.None(rules);
            default -> {
                error(d, "unknown section <" + d.name() + "> (RequireAny, RequireAll, RequireNone)");
                yield null;
            }
        };
    }

    private AccessRule require(Directive d, boolean negatable) {
        List<String> a = new ArrayList<>(d.args());
        boolean not = !a.isEmpty() && a.getFirst().equalsIgnoreCase("not");
        if (not) {
            a.removeFirst();
            if (!negatable) {
                error(d, "Require not ... has no effect here: negate inside <RequireAll> or <RequireNone>, as Apache"
                        + " insists");
                return null;
            }
        }
        if (a.isEmpty()) {
            error(d, "Require needs a provider (all, ip, local)");
            return null;
        }
        String provider = a.removeFirst().toLowerCase(Locale.ROOT);
        AccessRule rule = switch (provider) {
            case "all" -> {
                if (a.size() == 1 && a.getFirst().equalsIgnoreCase("granted")) yield AccessRule.GRANTED;
                if (a.size() == 1 && a.getFirst().equalsIgnoreCase("denied")) yield AccessRule.DENIED;
                error(d, "Require all takes granted or denied");
                yield null;
            }
            case "local" -> new AccessRule.Local();
            case "ip" -> {
                List<IpRange> ranges = new ArrayList<>();
                for (String text : a) {
                    try {
                        ranges.add(IpRange.parse(partialIpv4(text)));
                    } catch (InvalidValueException e) {
                        error(d, "Require ip: " + e.getMessage());
                    }
                }
                if (a.isEmpty()) error(d, "Require ip needs at least one address or network");
                yield new AccessRule.Ip(List.copyOf(ranges));
            }
            case "host", "forward-dns" -> {
                error(d, "Require " + provider + " is not supported: it needs a DNS lookup per request; use Require ip"
                        + " or Require local");
                yield null;
            }
            default -> {
                error(d, "Require " + provider + " is not supported yet (all, ip and local are; user, group,"
                        + " valid-user and wsgi-group come with the authentication hooks)");
                yield null;
            }
        };
        return rule == null ? null : not ? new AccessRule.Not(rule) : rule;
    }

    /** Apache's partial addresses: {@code Require ip 10.1} is 10.1.0.0/16. */
    static String partialIpv4(String text) {
        if (text.contains("/") || text.contains(":") || !text.matches("[0-9.]+")) return text;
        String trimmed = text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
        String[] parts = trimmed.split("\\.");
        if (parts.length >= 4) return text;
        StringBuilder b = new StringBuilder(trimmed);
        for (int i = parts.length; i < 4; i++) b.append(".0");
        return b + "/" + (parts.length * 8);
    }

    /** A Directory, Files or Location section (or ...Match) with its own scope, nested Files flattened. */
    static Section section(Directive d, SectionKind kind, boolean match, List<ConfigProblem> errors,
                           Map<String, String> environment) {
        List<Section> out = new ArrayList<>();
        section(d, kind, match, null, errors, environment, out);
        return out.isEmpty() ? null : out.getFirst();
    }

    /** As {@link #section(Directive, SectionKind, boolean, List, Map)}, with nested Files sections added to out. */
    static void section(Directive d, SectionKind kind, boolean match, Section within, List<ConfigProblem> errors,
                        Map<String, String> environment, List<Section> out) {
        List<String> a = d.args();
        boolean tilde = a.size() == 2 && a.getFirst().equals("~");
        if (a.size() != 1 && !tilde) {
            errors.add(new ConfigProblem(d.source(), "<" + d.name() + "> takes one path or pattern, got " + a.size()));
            return;
        }
        String text = tilde ? a.get(1) : a.getFirst();
        boolean isRegex = match || tilde;
        Pattern regex;
        try {
            regex = isRegex ? Pattern.compile(text) : Pattern.compile(globRegex(text, kind));
        } catch (PatternSyntaxException e) {
            errors.add(new ConfigProblem(d.source(), "<" + d.name() + ">: the regular expression '" + text
                    + "' does not compile: " + e.getDescription()));
            return;
        }
        ScopeBuilder scope = new ScopeBuilder(errors, environment);
        List<Directive> nested = new ArrayList<>();
        for (Directive child : d.children()) {
            if (SiteBuilder.IGNORED.containsKey(child.name().toLowerCase(Locale.ROOT))) continue;
            if (child.isSection()) {
                String n = child.name().toLowerCase(Locale.ROOT);
                if ((n.equals("files") || n.equals("filesmatch")) && kind == SectionKind.DIRECTORY) {
                    nested.add(child);
                } else if (!scope.section(child)) {
                    errors.add(new ConfigProblem(child.source(), "<" + child.name() + "> cannot be nested in <"
                            + d.name() + ">"));
                }
            } else if (!scope.directive(child)) {
                String lower = child.name().toLowerCase(Locale.ROOT);
                String why = UNSUPPORTED.containsKey(lower) ? UNSUPPORTED.get(lower)
                        : "not allowed in <" + d.name() + "> (or unknown; docs/configuration.md lists the directives)";
                errors.add(new ConfigProblem(child.source(), child.name() + ": " + why));
            }
        }
        Section section = new Section(kind, isRegex ? null : text, regex, scope.build(), within, d.source());
        out.add(section);
        for (Directive files : nested) {
            section(files, SectionKind.FILES, files.name().equalsIgnoreCase("FilesMatch"), section, errors,
                    environment, out);
        }
    }

    /**
     * Apache's wildcard sections as a regex: '*' any run within one segment, '?' one character, [...] a class.
     * Directory: the directory and everything below it; Location: a prefix of the URL that ends where a segment
     * does unless the pattern ends with '/' (Apache's rule: {@code <Location /private>} covers {@code /private} and
     * {@code /private/x}, not {@code /private-stuff}); Files: the whole base name.
     */
    static String globRegex(String glob, SectionKind kind) {
        String g = glob;
        if (kind == SectionKind.DIRECTORY) {
            while (g.length() > 1 && g.endsWith("/")) g = g.substring(0, g.length() - 1);
            if (g.equals("/")) g = "";
        }
        StringBuilder r = new StringBuilder("^");
        for (int i = 0; i < g.length(); i++) {
            char c = g.charAt(i);
            switch (c) {
                case '*' -> r.append("[^/]*");
                case '?' -> r.append("[^/]");
                case '[' -> {
                    int close = g.indexOf(']', i + 1);
                    if (close < 0) r.append("\\[");
                    else {
                        String cls = g.substring(i + 1, close);
                        if (cls.startsWith("!")) cls = "^" + cls.substring(1);
                        r.append('[').append(cls.replace("\\", "\\\\")).append(']');
                        i = close;
                    }
                }
                default -> r.append(Pattern.quote(String.valueOf(c)));
            }
        }
        if (kind == SectionKind.DIRECTORY) r.append('/');
        if (kind == SectionKind.FILES) r.append('$');
        if (kind == SectionKind.LOCATION && !g.endsWith("/")) r.append("(?=/|$)");
        return r.toString();
    }

    /**
     * Apache's merge order: Directory sections without regex, shortest path first; then DirectoryMatch (and
     * {@code <Directory ~>}) in file order; then Files and FilesMatch; then Location and LocationMatch, in file
     * order. A later section's settings win.
     */
    static List<Section> mergeOrder(List<Section> sections) {
        List<Section> plainDirs = new ArrayList<>();
        List<Section> regexDirs = new ArrayList<>();
        List<Section> files = new ArrayList<>();
        List<Section> locations = new ArrayList<>();
        for (Section s : sections) {
            switch (s.kind()) {
                case DIRECTORY -> (s.pattern() != null ? plainDirs : regexDirs).add(s);
                case FILES -> files.add(s);
                case LOCATION -> locations.add(s);
            }
        }
        plainDirs.sort(Comparator.comparingInt(s -> depth(s.pattern())));
        List<Section> out = new ArrayList<>(plainDirs);
        out.addAll(regexDirs);
        out.addAll(files);
        out.addAll(locations);
        return List.copyOf(out);
    }

    private static int depth(String path) {
        int n = 0;
        for (String part : path.split("/")) if (!part.isEmpty()) n++;
        return n;
    }

    static Boolean onOff(Directive d, List<ConfigProblem> errors) {
        if (d.args().size() == 1) {
            String v = d.args().getFirst();
            if (v.equalsIgnoreCase("on")) return Boolean.TRUE;
            if (v.equalsIgnoreCase("off")) return Boolean.FALSE;
        }
        errors.add(new ConfigProblem(d.source(), d.name() + " takes On or Off, got " + String.join(" ", d.args())));
        return null;
    }

    private String one(Directive d) {
        if (d.args().size() == 1) return d.args().getFirst();
        error(d, d.name() + " takes one argument, got " + d.args().size());
        return null;
    }

    private void error(Directive d, String message) {
        errors.add(new ConfigProblem(d.source(), message));
    }

    private static Map<String, String> unsupported() {
        Map<String, String> m = new HashMap<>();
        String later = "not supported yet (docs/configuration.md, \"Not yet\")";
        for (String n : List.of("wsgihandlerscript", "wsgidispatchscript",
                "wsgiaccessscript", "wsgiauthuserscript", "wsgiauthgroupscript", "wsgigroupauthoritative",
                "wsgirestrictprocess", "wsgimapheadtoget", "wsgierroroverride", "wsgienablesendfile",
                "wsgiignoreactivity", "wsgitrustedproxies", "wsgitrustedproxyheaders", "wsgipythonoptimize",
                "wsgipythonwarnings", "wsgipythoneggs", "wsgidestroyinterpreter", "wsgirestrictstdin",
                "wsgirestrictstdout", "wsgirestrictsignal", "wsgiperinterpretergil", "wsgifreethreading",
                "wsgiswitchinterval", "setenvif", "setenvifnocase", "header", "requestheader", "addtype",
                "errordocument", "sethandler", "addhandler", "authtype", "authname", "authuserfile",
                "authbasicprovider", "authdigestprovider", "proxypass", "proxypassreverse", "rewriteengine",
                "rewriterule", "rewritecond", "expiresactive", "expiresbytype", "sslverifyclient", "sslverifydepth",
                "protocols")) {
            m.put(n, later);
        }
        for (String n : List.of("order", "allow", "deny")) {
            m.put(n, "Apache 2.2's access control (mod_access_compat) is not implemented: write Require all granted,"
                    + " Require ip ... or Require local");
        }
        return Map.copyOf(m);
    }
}
