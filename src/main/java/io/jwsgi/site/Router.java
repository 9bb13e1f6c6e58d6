package io.jwsgi.site;

import io.jwsgi.site.Site.HostSpec;
import io.jwsgi.site.Site.Kind;
import io.jwsgi.site.Site.Mount;
import io.jwsgi.site.Site.Scope;
import io.jwsgi.site.Site.Section;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * {@code stat} of a directory target's script.
 */
public final class Router {
    private final List<HostSpec> hosts;

    public Router(List<HostSpec> hosts) {
        this.hosts = List.copyOf(hosts);
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
        HostSpec firstOnPort = null;
        HostSpec main = null;
        for (HostSpec h : hosts) {
            if (h.main()) {
                main = h;
                continue;
            }
            if (h.port() != 0 && h.port() != localPort) continue;
            if (firstOnPort == null) firstOnPort = h;
            if (host != null && matches(h, host)) return h;
        }
        return firstOnPort != null ? firstOnPort : main;
    }

    private static boolean matches(HostSpec h, String host) {
        if (host.equals(h.serverName())) return true;
        for (String alias : h.aliases()) {
            if (glob(alias, 0, host, 0)) return true;
        }
        return false;
    }

    /** Routes a path within a chosen virtual host. */
    public Route route(HostSpec vhost, String path) {
        for (Mount mount : vhost.mounts()) {
            Route route = match(vhost, mount, path);
            if (route != null) return route;
        }
        if (vhost.documentRoot() != null) {
            Path file = under(vhost.documentRoot(), path);
            return new Route(vhost, null, Kind.ALIAS, "", path, file, null, scope(vhost, file, path));
        }
        return new Route(vhost, null, null, "", path, null, null, scope(vhost, null, path));
    }

    private Route match(HostSpec vhost, Mount mount, String path) {
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
        if (route.kind() != Kind.ALIAS || route.file() == null) return route;
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
        if (!"wsgi-script".equals(handler) && !"application/x-httpd-wsgi".equals(handler)) return route;
        String rest = candidate.equals(route.file()) ? "" : "/" + candidate.relativize(route.file());
        if (!rest.isEmpty() && path.endsWith("/")) rest += "/";
        String scriptName = path.endsWith(rest) ? path.substring(0, path.length() - rest.length()) : path;
        return new Route(route.host(), route.mount(), Kind.WSGI, scriptName, rest, candidate, null, scope);
    }

    /** The host's settings with the matching sections merged over them (Directory, then Files, then Location). */
    static Scope scope(HostSpec vhost, Path file, String url) {
        Scope scope = vhost.scope();
        String directory = file == null ? null : (file.getParent() == null ? "/" : file.getParent().toString());
        String base = file == null || file.getFileName() == null ? null : file.getFileName().toString();
        for (Section section : vhost.sections()) {
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

    private static String stripSlash(String s) {
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
    static boolean glob(String pattern, int p, String text, int t) {
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
