package io.jwsgi.site;

import io.jwsgi.site.Site.HostSpec;
import io.jwsgi.site.Site.Kind;
import io.jwsgi.site.Site.Mount;
import io.jwsgi.site.Site.Scope;
import io.jwsgi.site.Site.Section;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * Where a request goes, decided in one place as Apache decides it: the virtual host first (among those on the
 * connection's port, the first whose ServerName or ServerAlias is the Host; else the first on that port; else the
 * main server), then the first mount that matches in the host's order (Redirect and Alias before WSGIScriptAlias,
 * as mod_alias translates before mod_wsgi; each in file order, so earlier wins), then the document root. The
 * sections that apply (Directory, Files, Location) are merged over the host's settings to give the process group,
 * application group, callable, access rule and environment of this request. Pure: no Jetty, no I/O but a
 * {@code stat} of a directory target's script. Longer than most classes: it is Apache's matching rules (alias
 * segments, patterns, globs, the handler path walk, the expansions) and the per-port indexes that keep routing
 * among many hosts and mounts within the 2 µs the benchmark allows, kept together so they are tested together.
 */
public final class Router {
    private final List<HostSpec> hosts;
    /** {@link #host}'s answers indexed once: the hosts on each port a virtual host names, then those on any port. */
    private final int[] ports;
    private final OnPort[] onPorts;
    private final OnPort onOtherPorts;
    private final HostSpec main;
    /** Whether any scope names a WSGI handler (SetHandler/AddHandler wsgi-script): else no file is a script. */
    private final boolean handlers;
    /** Per host, per mount (same index): what routing to it needs that no request changes, or null. */
    private final Map<HostSpec, Fixed[]> fixed = new IdentityHashMap<>();

    public Router(List<HostSpec> hosts) {
        this.hosts = List.copyOf(hosts);
        HostSpec lastMain = null;
        List<Integer> named = new ArrayList<>();
        for (HostSpec h : this.hosts) {
            if (h.main()) lastMain = h;
            else if (h.port() != 0 && !named.contains(h.port())) named.add(h.port());
        }
        main = lastMain;
        ports = new int[named.size()];
        onPorts = new OnPort[named.size()];
        for (int i = 0; i < ports.length; i++) {
            ports[i] = named.get(i);
            onPorts[i] = OnPort.of(this.hosts, ports[i]);
        }
        onOtherPorts = OnPort.of(this.hosts, 0);
        for (HostSpec h : this.hosts) fixed.put(h, Fixed.of(h));
        boolean any = false;
        for (HostSpec h : this.hosts) {
            any |= namesHandler(h.scope());
            for (Section section : h.sections()) any |= namesHandler(section.scope());
        }
        handlers = any;
    }

    /** Whether the scope makes files WSGI scripts (SetHandler or AddHandler wsgi-script). */
    static boolean namesHandler(Scope scope) {
        return isWsgiHandler(scope.handler()) || scope.handlers().values().stream().anyMatch(Router::isWsgiHandler);
    }

    private static boolean isWsgiHandler(String handler) {
        return "wsgi-script".equals(handler) || "application/x-httpd-wsgi".equals(handler);
    }

    /**
     * The hosts a request on one port chooses among, in order: their ServerNames and plain ServerAliases by name
     * (the first host naming it), the wildcard aliases in order with the literal text around their wildcards.
     */
    private record OnPort(List<HostSpec> candidates, Map<String, Integer> names, Wildcard[] wildcards) {
        static OnPort of(List<HostSpec> hosts, int port) {
            List<HostSpec> candidates = new ArrayList<>();
            Map<String, Integer> names = new HashMap<>();
            List<Wildcard> wildcards = new ArrayList<>();
            for (HostSpec h : hosts) {
                if (h.main() || (h.port() != 0 && h.port() != port)) continue;
                int at = candidates.size();
                candidates.add(h);
                if (h.serverName() != null) names.putIfAbsent(h.serverName(), at);
                for (String alias : h.aliases()) {
                    int first = firstWildcard(alias);
                    if (first < 0) {
                        names.putIfAbsent(alias, at); // glob without wildcards is equality
                    } else {
                        int last = Math.max(alias.lastIndexOf('*'), alias.lastIndexOf('?'));
                        wildcards.add(new Wildcard(at, alias, alias.substring(0, first), alias.substring(last + 1)));
                    }
                }
            }
            return new OnPort(List.copyOf(candidates), Map.copyOf(names), wildcards.toArray(Wildcard[]::new));
        }

        private static int firstWildcard(String s) {
            for (int i = 0; i < s.length(); i++) if (s.charAt(i) == '*' || s.charAt(i) == '?') return i;
            return -1;
        }
    }

    /** A ServerAlias with wildcards: a match must begin with {@code prefix} and end with {@code suffix}. */
    private record Wildcard(int at, String pattern, String prefix, String suffix) {
        boolean matches(String host) {
            return host.length() >= prefix.length() + suffix.length() && host.startsWith(prefix)
                    && host.endsWith(suffix) && glob(pattern, 0, host, 0);
        }
    }

    /**
     * A WSGIScriptAlias to one file (no pattern, not a directory): its path, and the scope its Directory and Files
     * sections give it (null when a Directory section's match would need a stat at request time, or a Location
     * section sits among them or inside a Directory, so the merge cannot be split there).
     */
    private record Fixed(Path file, Scope fileScope) {
        static Fixed[] of(HostSpec h) {
            boolean split = true;
            boolean inLocations = false;
            for (Section section : h.sections()) {
                boolean location = section.kind() == Site.SectionKind.LOCATION;
                if (inLocations && !location || location && section.within() != null) split = false;
                inLocations |= location;
            }
            Fixed[] out = new Fixed[h.mounts().size()];
            for (int i = 0; i < out.length; i++) {
                Mount m = h.mounts().get(i);
                if (m.kind() != Kind.WSGI || m.regex() != null || m.directory()) continue;
                Path file;
                try {
                    file = Path.of(m.target());
                } catch (java.nio.file.InvalidPathException e) {
                    continue; // left to the request, as before
                }
                out[i] = new Fixed(file, split && statFree(h, file) ? Router.fileScope(h, file) : null);
            }
            return out;
        }

        /** Whether no Directory section of the host would consult the file system for {@code file}. */
        private static boolean statFree(HostSpec h, Path file) {
            String directory = file.getParent() == null ? "/" : file.getParent().toString();
            for (Section section : h.sections()) {
                for (Section d = section; d != null; d = d.within()) {
                    if (d.kind() != Site.SectionKind.DIRECTORY || d.pattern() == null) continue;
                    if (!d.regex().matcher(directory + "/").lookingAt()
                            && d.regex().matcher(file.toString() + "/").lookingAt()) return false;
                }
            }
            return true;
        }
    }

    /** What a request maps to. {@code file} is the script or static file (null for a redirect or no match). */
    public record Route(HostSpec host, Mount mount, Kind kind, String scriptName, String pathInfo, Path file,
                        String location, Scope scope) {
        /** No mount and no document root: the request is a 404. */
        public boolean notFound() {
            return kind == null;
        }
    }

    /**
     * @param host      the request's host name: lower case, no port, no trailing dot; null when the request had none
     * @param localPort the port the connection arrived on
     * @param path      the decoded, normalized request path (starts with '/')
     */
    public Route route(String host, int localPort, String path) {
        HostSpec vhost = host(host, localPort);
        return vhost == null ? null : route(vhost, path);
    }

    /** The virtual host for a Host name on a port: name match among the port's hosts, else the port's first. */
    public HostSpec host(String host, int localPort) {
        OnPort on = onOtherPorts;
        for (int i = 0; i < ports.length; i++) {
            if (ports[i] == localPort) {
                on = onPorts[i];
                break;
            }
        }
        if (host != null) {
            // The first host in order that names it: a wildcard alias of an earlier host beats a later exact name.
            Integer named = on.names().get(host);
            int before = named == null ? Integer.MAX_VALUE : named;
            for (Wildcard w : on.wildcards()) {
                if (w.at() >= before) break;
                if (w.matches(host)) return on.candidates().get(w.at());
            }
            if (named != null) return on.candidates().get(named);
        }
        return on.candidates().isEmpty() ? main : on.candidates().getFirst();
    }

    /** Routes a path within a chosen virtual host. */
    public Route route(HostSpec vhost, String path) {
        Fixed[] known = fixed.get(vhost);
        List<Mount> mounts = vhost.mounts();
        for (int i = 0; i < mounts.size(); i++) {
            Route route = match(vhost, mounts.get(i), known == null ? null : known[i], path);
            if (route != null) return route;
        }
        if (vhost.documentRoot() != null) {
            Path file = under(vhost.documentRoot(), path);
            return new Route(vhost, null, Kind.ALIAS, "", path, file, null, scope(vhost, file, path));
        }
        return new Route(vhost, null, null, "", path, null, null, scope(vhost, null, path));
    }

    private Route match(HostSpec vhost, Mount mount, Fixed known, String path) {
        String matched;
        String rest;
        String target;
        if (mount.regex() != null) {
            Matcher m = mount.regex().matcher(path);
            if (!m.find()) return null;
            matched = path.substring(0, m.end());
            rest = path.substring(m.end());
            target = substitute(mount.target(), m);
        } else {
            int length = aliasMatch(mount.url(), path);
            if (length < 0) return null;
            matched = path.substring(0, length);
            rest = path.substring(length);
            target = mount.target();
        }
        if (mount.kind() == Kind.REDIRECT) {
            String location = mount.regex() != null ? target : target + escapePath(rest);
            return new Route(vhost, mount, Kind.REDIRECT, matched, rest, null, location, scope(vhost, null, path));
        }
        // SCRIPT_NAME is the matched part without trailing slashes; PATH_INFO everything after it.
        String scriptName = stripSlash(matched);
        String pathInfo = path.substring(scriptName.length());
        if (known != null) {
            Scope scope = known.fileScope() != null ? locationScope(vhost, known.fileScope(), path)
                    : scope(vhost, known.file(), path);
            return new Route(vhost, mount, Kind.WSGI, scriptName, pathInfo, known.file(), null, scope);
        }
        Path file;
        if (mount.kind() == Kind.WSGI && mount.directory()) {
            // A directory target: the next segment of the path names the script (mod_wsgi's directory alias).
            String inDir = pathInfo.startsWith("/") ? pathInfo.substring(1) : pathInfo;
            int slash = inDir.indexOf('/');
            String segment = slash < 0 ? inDir : inDir.substring(0, slash);
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                file = Path.of(target);
            } else {
                file = Path.of(target).resolve(segment);
                scriptName = scriptName + "/" + segment;
                pathInfo = slash < 0 ? "" : inDir.substring(slash);
            }
        } else if (mount.kind() == Kind.ALIAS && mount.regex() == null) {
            file = under(Path.of(target), rest);
        } else {
            file = Path.of(target);
        }
        return new Route(vhost, mount, mount.kind(), scriptName, pathInfo, file, null, scope(vhost, file, path));
    }

    /**
     * A request for a static file (an Alias or the DocumentRoot) that a handler makes a WSGI script - {@code SetHandler
     * wsgi-script} in its scope, or {@code AddHandler wsgi-script} for its extension: the route to that script, found
     * as Apache does by walking up the path to the first existing file, the rest of the path being PATH_INFO. Any
     * other route is returned as it is.
     */
    public Route handlerScript(Route route) {
        // Without a handler anywhere in the site, no file can be a script: no walk (and no stat) for static files.
        if (!handlers || route.kind() != Kind.ALIAS || route.file() == null) return route;
        Path base = route.mount() == null ? route.host().documentRoot() : Path.of(route.mount().target());
        Path candidate = route.file();
        while (candidate != null && candidate.startsWith(base) && !java.nio.file.Files.exists(candidate)) {
            candidate = candidate.getParent();
        }
        if (candidate == null || !java.nio.file.Files.isRegularFile(candidate)) return route;
        String path = route.scriptName() + route.pathInfo();
        Scope scope = scope(route.host(), candidate, path);
        String handler = scope.handler();
        if (handler == null) {
            String name = candidate.getFileName().toString().toLowerCase(Locale.ROOT);
            int dot = name.lastIndexOf('.');
            handler = dot < 0 ? null : scope.handlers().get(name.substring(dot));
        }
        if (!isWsgiHandler(handler)) return route;
        String rest = candidate.equals(route.file()) ? "" : "/" + candidate.relativize(route.file());
        if (!rest.isEmpty() && path.endsWith("/")) rest += "/";
        String scriptName = path.endsWith(rest) ? path.substring(0, path.length() - rest.length()) : path;
        return new Route(route.host(), route.mount(), Kind.WSGI, scriptName, rest, candidate, null, scope);
    }

    /** The host's settings with the matching sections merged over them (Directory, then Files, then Location). */
    static Scope scope(HostSpec vhost, Path file, String url) {
        return merge(vhost, vhost.scope(), file, url, true, true);
    }

    /** The Directory and Files sections only: what a request for {@code file} gets whatever its URL. */
    private static Scope fileScope(HostSpec vhost, Path file) {
        return merge(vhost, vhost.scope(), file, null, true, false);
    }

    /** The Location sections over a file's scope ({@link #fileScope}), which all come after the others. */
    private static Scope locationScope(HostSpec vhost, Scope fileScope, String url) {
        return merge(vhost, fileScope, null, url, false, true);
    }

    private static Scope merge(HostSpec vhost, Scope scope, Path file, String url, boolean files,
                               boolean locations) {
        String directory = file == null ? null : (file.getParent() == null ? "/" : file.getParent().toString());
        String base = file == null || file.getFileName() == null ? null : file.getFileName().toString();
        for (Section section : vhost.sections()) {
            if (!(section.kind() == Site.SectionKind.LOCATION ? locations : files)) continue;
            boolean applies = switch (section.kind()) {
                case DIRECTORY -> directory != null && directoryMatches(section, directory, file);
                case FILES -> base != null && (section.pattern() == null
                        ? section.regex().matcher(base).find() : section.regex().matcher(base).matches());
                case LOCATION -> section.pattern() == null ? section.regex().matcher(url).find()
                        : section.regex().matcher(url).lookingAt();
            };
            if (applies && section.within() != null) {
                applies = directory != null && directoryMatches(section.within(), directory, file);
            }
            if (applies) scope = section.scope().over(scope);
        }
        return scope;
    }

    private static boolean directoryMatches(Section section, String directory, Path file) {
        if (section.pattern() == null) return section.regex().matcher(directory).find();
        // <Directory /srv/app> covers /srv/app and everything below it; the file itself may be the directory.
        Matcher m = section.regex().matcher(directory + "/");
        if (m.lookingAt()) return true;
        return section.regex().matcher(file.toString() + "/").lookingAt() && java.nio.file.Files.isDirectory(file);
    }

    /**
     * Apache's alias match: the alias's characters must begin the path, a run of slashes in either matching a run in
     * the other, and the match must end at a segment boundary (the alias ends with '/', or the path ends or goes on
     * with '/'). Returns how many characters of the path matched, or -1.
     */
    static int aliasMatch(String alias, String path) {
        int a = 0;
        int p = 0;
        while (a < alias.length()) {
            char c = alias.charAt(a);
            if (c == '/') {
                if (p >= path.length() || path.charAt(p) != '/') return -1;
                while (a < alias.length() && alias.charAt(a) == '/') a++;
                while (p < path.length() && path.charAt(p) == '/') p++;
            } else {
                if (p >= path.length() || path.charAt(p) != c) return -1;
                a++;
                p++;
            }
        }
        if (alias.endsWith("/")) {
            // the matched slashes belong to the alias: "/static/" against "/static/x" matched "/static/"
            return p;
        }
        return p == path.length() || path.charAt(p) == '/' ? p : -1;
    }

    /** $0-$9 of the match in a target (Apache's ap_pregsub); "\$" is a literal dollar. */
    static String substitute(String target, Matcher m) {
        StringBuilder out = new StringBuilder(target.length());
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '\\' && i + 1 < target.length() && (target.charAt(i + 1) == '$' || target.charAt(i + 1) == '\\')) {
                out.append(target.charAt(++i));
            } else if (c == '$' && i + 1 < target.length() && Character.isDigit(target.charAt(i + 1))) {
                int group = target.charAt(++i) - '0';
                if (group <= m.groupCount() && m.group(group) != null) out.append(m.group(group));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * A decoded path (latin-1, one char per byte) escaped again as mod_alias escapes the rest of a Redirect's path
     * ({@code ap_os_escape_path}): letters, digits and {@code $-_.+!*'(),:;@&=/~} stay, every other byte is
     * {@code %xx} in lower case.
     */
    static String escapePath(String path) {
        StringBuilder out = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if ((c < 0x80 && Character.isLetterOrDigit(c)) || "$-_.+!*'(),:;@&=/~".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(Character.forDigit((c >> 4) & 0xf, 16)).append(Character.forDigit(c & 0xf, 16));
            }
        }
        return out.toString();
    }

    /** {@code s} without its trailing slashes: a mount's SCRIPT_NAME. */
    static String stripSlash(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '/') end--;
        return s.substring(0, end);
    }

    /** {@code rest} (a URL path) under {@code dir}, never above it: ".." segments were resolved before routing. */
    private static Path under(Path dir, String rest) {
        String relative = rest;
        while (relative.startsWith("/")) relative = relative.substring(1);
        return relative.isEmpty() ? dir : dir.resolve(relative).normalize();
    }

    /** Apache's ServerAlias wildcards: '*' is any run of characters (dots too), '?' any one character. */
    public static boolean glob(String pattern, int p, String text, int t) {
        while (p < pattern.length()) {
            char c = pattern.charAt(p);
            if (c == '*') {
                while (p < pattern.length() && pattern.charAt(p) == '*') p++;
                if (p == pattern.length()) return true;
                for (int from = t; from <= text.length(); from++) {
                    if (glob(pattern, p, text, from)) return true;
                }
                return false;
            }
            if (t == text.length() || (c != '?' && c != text.charAt(t))) return false;
            p++;
            t++;
        }
        return t == text.length();
    }

    /**
     * mod_wsgi's expansions of a process or application group name for one request: %{GLOBAL} (''), %{SERVER}
     * (the virtual host's name, with the port unless 80 or 443), %{RESOURCE} (%{SERVER} + '|' + SCRIPT_NAME),
     * %{HOST} (the request's Host, else the server name, with the port likewise), %{ENV:NAME} (SetEnv values of
     * the request's scope, else the server's environment).
     */
    public static String expand(String value, Route route, String requestHost, int port, Map<String, String> env) {
        if (value == null) return null;
        String serverName = route.host().serverName() == null ? "localhost" : route.host().serverName();
        String portSuffix = port == 80 || port == 443 ? "" : ":" + port;
        return switch (value.toUpperCase(Locale.ROOT)) {
            case "%{GLOBAL}" -> "";
            case "%{SERVER}" -> serverName + portSuffix;
            case "%{RESOURCE}" -> serverName + portSuffix + "|" + route.scriptName();
            case "%{HOST}" -> (requestHost == null ? serverName : requestHost) + portSuffix;
            default -> {
                if (value.regionMatches(true, 0, "%{ENV:", 0, 6) && value.endsWith("}")) {
                    String name = value.substring(6, value.length() - 1);
                    String v = route.scope().setenv().get(name);
                    if (v == null) v = env.get(name);
                    yield v == null ? "" : v;
                }
                yield value;
            }
        };
    }

    /** For tests and logs: every host's mounts. */
    @Override
    public String toString() {
        List<String> out = new ArrayList<>();
        for (HostSpec h : hosts) out.add((h.main() ? "main" : h.serverName() + ":" + h.port()) + h.mounts().size());
        return "Router" + out;
    }
}
