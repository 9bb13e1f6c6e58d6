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
 * environment values (SetEnv, UnsetEnv, PassEnv, SetEnvIf), the handlers (SetHandler, AddHandler, Options ExecCGI),
 * WSGIMapHEADToGET, WSGIRestrictProcess, Header edits, ErrorDocument and WSGIErrorOverride, and Apache 2.2's
 * Order/Allow/Deny. Each level has one builder; {@link #build} gives its {@link Scope}. Longer than most classes because it is the one table of section-level
 * directives (docs/configuration.md lists the same).
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
    private String handler;
    private final Map<String, String> handlers = new LinkedHashMap<>();
    private Boolean execCgi;
    private String mapHeadToGet;
    private List<String> restrictProcess = List.of();
    private final List<Site.EnvCondition> conditions = new ArrayList<>();
    private final List<Site.HeaderEdit> headers = new ArrayList<>();
    private final Map<String, String> types = new LinkedHashMap<>();
    private final Map<Integer, Site.ErrorDocument> errorDocuments = new LinkedHashMap<>();
    private Boolean errorOverride;
    private final AuthDirectives auth = new AuthDirectives();
    /** A Directory, Files or Location section's builder (some directives are only offered at server and host level). */
    private boolean section;
    /** Order / Allow / Deny, when any of them is given here (then they are this scope's access rule). */
    private Boolean orderDenyFirst;
    private final List<AccessRule> allowFrom = new ArrayList<>();
    private final List<AccessRule> denyFrom = new ArrayList<>();
    private Directive compatSeen;
    /** Files sections nested in a Directory section, reported to the enclosing builder. */
    final List<Directive> nestedFiles = new ArrayList<>();

    ScopeBuilder(List<ConfigProblem> errors, Map<String, String> environment) {
        this.errors = errors;
        this.environment = environment;
    }

    Scope build() {
        AccessRule access = !requireSeen ? null : requires.size() == 1 ? requires.getFirst()
                : new AccessRule.Any(List.copyOf(requires));
        if (compatSeen != null) {
            if (requireSeen) {
                error(compatSeen, "Order/Allow/Deny and Require in one section: Apache's result depends on module"
                        + " order here; write Require only");
            } else {
                access = new AccessRule.Compat(orderDenyFirst == null || orderDenyFirst, List.copyOf(allowFrom),
                        List.copyOf(denyFrom));
            }
        }
        return new Scope(processGroup, applicationGroup, callableObject, passAuthorization, chunkedRequest, access,
                java.util.Collections.unmodifiableMap(new LinkedHashMap<>(setenv)), handler,
                java.util.Collections.unmodifiableMap(new LinkedHashMap<>(handlers)), execCgi, mapHeadToGet,
                restrictProcess, conditions, headers,
                java.util.Collections.unmodifiableMap(new LinkedHashMap<>(types)),
                java.util.Collections.unmodifiableMap(new LinkedHashMap<>(errorDocuments)), errorOverride,
                auth.build());
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
            case "unsetenv" -> d.args().forEach(name -> setenv.put(name, null));
            case "options" -> options(d);
            case "sethandler" -> {
                String h = one(d);
                if (h != null) handler = h.toLowerCase(Locale.ROOT);
            }
            case "addhandler", "removehandler" -> {
                boolean add = d.is("AddHandler");
                if (d.args().size() < (add ? 2 : 1)) {
                    error(d, d.name() + (add ? " takes a handler and file extensions" : " takes file extensions"));
                } else {
                    String h = add ? d.args().getFirst().toLowerCase(Locale.ROOT) : "none";
                    for (String ext : d.args().subList(add ? 1 : 0, d.args().size())) {
                        handlers.put((ext.startsWith(".") ? ext : "." + ext).toLowerCase(Locale.ROOT), h);
                    }
                }
            }
            case "wsgimapheadtoget" -> {
                String v = one(d);
                if (v != null && !List.of("on", "off", "auto").contains(v.toLowerCase(Locale.ROOT))) {
                    error(d, "WSGIMapHEADToGET: '" + v + "' is not On, Off or Auto");
                } else if (v != null) {
                    mapHeadToGet = v.toLowerCase(Locale.ROOT);
                }
            }
            case "wsgirestrictprocess" -> {
                if (d.args().isEmpty()) error(d, "WSGIRestrictProcess names the process groups allowed here");
                else restrictProcess = List.copyOf(d.args());
            }
            case "setenvif", "setenvifnocase" -> setEnvIf(d);
            case "header" -> header(d);
            case "errordocument" -> errorDocument(d);
            case "wsgierroroverride" -> errorOverride = onOff(d, errors);
            case "addtype" -> {
                if (section) {
                    error(d, "AddType inside a section is not supported yet: give it at server or <VirtualHost> level");
                } else if (d.args().size() < 2) {
                    error(d, "AddType takes a content type and file extensions");
                } else {
                    for (String ext : d.args().subList(1, d.args().size())) {
                        types.put((ext.startsWith(".") ? ext : "." + ext).toLowerCase(Locale.ROOT), d.args().getFirst());
                    }
                }
            }
            case "order" -> {
                compatSeen = d;
                String v = one(d);
                String o = v == null ? "" : v.toLowerCase(Locale.ROOT).replace(" ", "");
                switch (o) {
                    case "deny,allow" -> orderDenyFirst = true;
                    case "allow,deny" -> orderDenyFirst = false;
                    default -> error(d, "Order: '" + v + "' is not deny,allow or allow,deny");
                }
            }
            case "allow", "deny" -> compatRule(d);
            case "passenv" -> {
                for (String name : d.args()) {
                    String value = environment.get(name);
                    if (value != null) setenv.put(name, value);
                }
            }
            case "wsgiaccessscript", "wsgiauthuserscript", "wsgiauthgroupscript", "wsgigroupauthoritative", "authtype",
                 "authname", "authbasicprovider", "authdigestprovider" -> {
                if (!section) {
                    error(d, d.name() + " is only allowed in <Directory>, <Location> and <Files> sections (Apache's"
                            + " directory context), not at server or <VirtualHost> level");
                } else {
                    auth.directive(d, errors);
                }
            }
            case "directoryindex", "adddefaultcharset", "scriptreloading", "wsgiscriptreloading", "satisfy" -> {
                // Accepted: DirectoryIndex (index.html, Apache's default, is what jwsgi serves), AddDefaultCharset
                // (docs/configuration.md), WSGIScriptReloading (always on in daemon mode).
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Options: only ExecCGI matters (mod_wsgi runs a script found through a handler only with it). */
    private void options(Directive d) {
        boolean replace = false;
        Boolean cgi = null;
        for (String a : d.args()) {
            String o = a.toLowerCase(Locale.ROOT);
            if (o.startsWith("+") || o.startsWith("-")) {
                if (o.substring(1).equals("execcgi")) cgi = o.startsWith("+");
            } else {
                replace = true;
                if (o.equals("execcgi") || o.equals("all")) cgi = true;
            }
        }
        if (replace && cgi == null) cgi = false;
        if (cgi != null) execCgi = cgi;
    }

    /** {@code SetEnvIf attribute regex [!]name[=value] ...}; the NoCase form matches case-insensitively. */
    private void setEnvIf(Directive d) {
        if (d.args().size() < 3) {
            error(d, d.name() + " takes an attribute, a regular expression and at least one variable");
            return;
        }
        String attribute = d.args().get(0);
        if (attribute.equalsIgnoreCase("Remote_Host")) {
            error(d, d.name() + " Remote_Host is not supported: it needs a DNS lookup per request");
            return;
        }
        Pattern regex;
        try {
            regex = Pattern.compile(d.args().get(1), d.is("SetEnvIfNoCase") ? Pattern.CASE_INSENSITIVE : 0);
        } catch (PatternSyntaxException e) {
            error(d, d.name() + ": the regular expression '" + d.args().get(1) + "' does not compile: "
                    + e.getDescription());
            return;
        }
        Map<String, String> set = new LinkedHashMap<>();
        for (String v : d.args().subList(2, d.args().size())) {
            if (v.startsWith("!")) set.put(v.substring(1), null);
            else if (v.contains("=")) set.put(v.substring(0, v.indexOf('=')), v.substring(v.indexOf('=') + 1));
            else set.put(v, "1");
        }
        conditions.add(new Site.EnvCondition(attribute, regex, set, d.source()));
    }

    /** {@code Header [always] set|append|add|merge|unset NAME [VALUE]} (conditions and edit are not offered). */
    private void header(Directive d) {
        List<String> a = new ArrayList<>(d.args());
        if (!a.isEmpty() && (a.getFirst().equalsIgnoreCase("always") || a.getFirst().equalsIgnoreCase("onsuccess"))) {
            a.removeFirst();
        }
        String action = a.isEmpty() ? "" : a.getFirst().toLowerCase(Locale.ROOT);
        int want = action.equals("unset") ? 2 : 3;
        if (!List.of("set", "append", "add", "merge", "unset").contains(action)) {
            error(d, "Header: '" + (a.isEmpty() ? "" : a.getFirst()) + "' is not supported (set, append, add, merge,"
                    + " unset are)");
        } else if (a.size() != want) {
            error(d, "Header " + action + " takes " + (want == 2 ? "a header name" : "a header name and a value")
                    + (a.size() > want ? " (conditions such as env=... are not supported)" : ""));
        } else {
            headers.add(new Site.HeaderEdit(action, a.get(1), want == 3 ? a.get(2) : null));
        }
    }

    /** {@code ErrorDocument CODE ACTION}, classified by {@link io.jwsgi.config.ErrorDocument}; a later one wins. */
    private void errorDocument(Directive d) {
        List<String> a = d.args();
        if (a.size() != 2) {
            error(d, "ErrorDocument takes a status code and a message, a local URL path or a URL, got " + a.size()
                    + " arguments");
            return;
        }
        int code;
        io.jwsgi.config.ErrorDocument doc;
        try {
            code = io.jwsgi.config.ErrorDocument.status(a.getFirst());
            doc = io.jwsgi.config.ErrorDocument.of(code, a.get(1));
        } catch (io.jwsgi.config.InvalidValueException e) {
            error(d, "ErrorDocument: " + e.getMessage());
            return;
        }
        Site.DocumentKind kind = Site.DocumentKind.valueOf(doc.kind().name());
        String action = doc.value();
        errorDocuments.put(code, new Site.ErrorDocument(kind, action, d.source()));
    }

    /** {@code Allow from ...} / {@code Deny from ...}: all, addresses and networks (never host names). */
    private void compatRule(Directive d) {
        compatSeen = d;
        List<String> a = d.args();
        if (a.size() < 2 || !a.getFirst().equalsIgnoreCase("from")) {
            error(d, d.name() + " is written " + d.name() + " from all|ADDRESS...");
            return;
        }
        List<AccessRule> into = d.is("Allow") ? allowFrom : denyFrom;
        List<IpRange> ranges = new ArrayList<>();
        for (String text : a.subList(1, a.size())) {
            if (text.equalsIgnoreCase("all")) {
                into.add(AccessRule.GRANTED);
                continue;
            }
            if (text.toLowerCase(Locale.ROOT).startsWith("env=")) {
                error(d, d.name() + " from env=...: not supported (use Require with <If> in Apache; jwsgi has neither)");
                continue;
            }
            try {
                ranges.add(IpRange.parse(partialIpv4(text)));
            } catch (InvalidValueException e) {
                error(d, d.name() + " from " + text + ": not an address or network (host names would need a DNS"
                        + " lookup per request)");
            }
        }
        if (!ranges.isEmpty()) into.add(new AccessRule.Ip(List.copyOf(ranges)));
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
            case "valid-user" -> {
                if (!a.isEmpty()) error(d, "Require valid-user takes no arguments");
                yield new AccessRule.User(AccessRule.UserProvider.VALID_USER, List.of());
            }
            case "user", "group", "wsgi-group" -> {
                if (a.isEmpty()) {
                    error(d, "Require " + provider + " needs at least one name");
                    yield null;
                }
                yield new AccessRule.User(provider.equals("user") ? AccessRule.UserProvider.USER
                        : provider.equals("group") ? AccessRule.UserProvider.GROUP : AccessRule.UserProvider.WSGI_GROUP,
                        a);
            }
            case "host", "forward-dns" -> {
                error(d, "Require " + provider + " is not supported: it needs a DNS lookup per request; use Require ip"
                        + " or Require local");
                yield null;
            }
            default -> {
                error(d, "Require " + provider + " is not supported (all, ip, local, valid-user, user, group and"
                        + " wsgi-group are)");
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
        scope.section = true;
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
                "wsgiperinterpretergil", "wsgifreethreading",
                "wsgiswitchinterval", "requestheader",
                "authuserfile", "authgroupfile", "proxypass", "proxypassreverse", "rewriteengine",
                "rewriterule", "rewritecond", "expiresactive", "expiresbytype", 
                "protocols")) {
            m.put(n, later);
        }
        return Map.copyOf(m);
    }
}
