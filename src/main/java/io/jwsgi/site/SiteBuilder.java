package io.jwsgi.site;

import io.jwsgi.site.Site.HostSpec;
import io.jwsgi.site.Site.Kind;
import io.jwsgi.site.Site.Listen;
import io.jwsgi.site.Site.Mount;
import io.jwsgi.site.Site.ProcessGroup;
import io.jwsgi.site.Site.Scope;
import io.jwsgi.site.Site.Section;
import io.jwsgi.site.Site.SectionKind;
import io.jwsgi.site.Site.Word;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Interprets the directives {@link ConfigReader} read into a {@link Site}, collecting every problem with its
 * {@code file:line} rather than stopping at the first. This class is the catalogue of which directive does what
 * in jwsgi (docs/configuration.md lists the same): the server and virtual-host level directives here, the
 * per-section ones in {@link ScopeBuilder}, the {@code WSGIDaemonProcess} options in {@link DaemonOptions}.
 * It is longer than most classes because it is that one table, in one place.
 */
public final class SiteBuilder {
    /** Apache directives accepted and ignored, each with the reason docs/configuration.md gives. */
    static final Map<String, String> IGNORED = ignored();

    private final Path serverRoot;
    private final Map<String, String> environment;
    private final List<ConfigProblem> errors = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final List<Listen> listens = new ArrayList<>();
    private final List<Word> frontEnd = new ArrayList<>();
    /** Words every group gets from server-level WSGIPython* directives. */
    private final List<Word> groupDefaults = new ArrayList<>();
    /** Process environment every group's interpreter gets (WSGIPythonOptimize, WSGIPythonWarnings, ...). */
    private final Map<String, String> groupEnvironment = new LinkedHashMap<>();
    private final Map<String, GroupDraft> groups = new LinkedHashMap<>();
    private final Map<String, String> logFormats = new HashMap<>(Map.of("common", "common", "combined", "combined"));
    private final List<HostSpec> hosts = new ArrayList<>();
    private boolean errorLogSet;
    private boolean accessLogSet;
    private boolean httpsSet;

    /** A WSGIDaemonProcess before its preloads are known. */
    private record GroupDraft(String name, String serverName, List<Word> words, Path home, Source source) {}

    /** Directives of one level (server or virtual host) as they accumulate. */
    private final class Level {
        final List<Mount> aliases = new ArrayList<>();
        final List<Mount> scripts = new ArrayList<>();
        final List<Section> sections = new ArrayList<>();
        final ScopeBuilder scope = new ScopeBuilder(errors, environment);
        final List<String> names = new ArrayList<>();
        final List<Source> imports = new ArrayList<>();
        final List<Directive> importScripts = new ArrayList<>();
        String serverName;
        Path documentRoot;
    }

    private SiteBuilder(Path serverRoot, Map<String, String> environment) {
        this.serverRoot = serverRoot;
        this.environment = environment;
    }

    /** The site, and every problem found; the site is meaningful only when there are none. */
    public record Result(Site site, List<ConfigProblem> errors) {}

    public static Result build(List<Directive> directives, Path serverRoot, Map<String, String> environment) {
        SiteBuilder b = new SiteBuilder(serverRoot, environment);
        return b.run(directives);
    }

    private Result run(List<Directive> directives) {
        Level main = new Level();
        List<Directive> virtualHosts = new ArrayList<>();
        for (Directive d : directives) {
            if (d.is("VirtualHost")) virtualHosts.add(d);
            else level(d, main, null);
        }
        List<Level> vhostLevels = new ArrayList<>();
        List<int[]> ports = new ArrayList<>();
        for (Directive vh : virtualHosts) {
            Level level = new Level();
            for (Directive d : vh.children()) level(d, level, vh);
            vhostLevels.add(level);
            ports.add(new int[] {vhostPort(vh)});
        }
        // Groups declared inside a virtual host belong to its ServerName (known only once the host is read).
        Map<String, String> owners = new HashMap<>();
        for (int i = 0; i < virtualHosts.size(); i++) {
            for (Directive d : virtualHosts.get(i).children()) {
                if (d.is("WSGIDaemonProcess") && !d.args().isEmpty()) {
                    owners.put(d.args().getFirst(), vhostLevels.get(i).serverName);
                }
            }
        }
        Scope mainScope = main.scope.build();
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < virtualHosts.size(); i++) {
            Level level = vhostLevels.get(i);
            String key = (level.serverName == null ? "" : level.serverName) + ":" + ports.get(i)[0];
            if (level.serverName != null && seen.contains(key)) {
                error(virtualHosts.get(i).source(), "a second <VirtualHost> for ServerName " + level.serverName
                        + " on port " + (ports.get(i)[0] == 0 ? "*" : ports.get(i)[0]) + " (the first one would take"
                        + " every request)");
            }
            seen.add(key);
            hosts.add(host(level, main, mainScope, ports.get(i)[0], false, virtualHosts.get(i).source()));
        }
        hosts.add(host(main, null, Scope.EMPTY, 0, true, directives.isEmpty() ? null : directives.getFirst().source()));
        List<ProcessGroup> built = new ArrayList<>();
        for (GroupDraft g : groups.values()) {
            String owner = g.serverName() == null ? null : owners.getOrDefault(g.name(), g.serverName());
            // Server-level defaults (WSGIPython*, User, Group) first, wherever they are in the file; the group's own
            // options after them win.
            List<Word> words = new ArrayList<>(groupDefaults);
            words.addAll(g.words());
            built.add(new ProcessGroup(g.name(), owner, words, g.home(), List.of(), groupEnvironment, false,
                    g.source()));
        }
        Site site = new Site(listens, hosts, built, frontEnd, warnings);
        site = SiteChecks.check(site, errors, warnings, main.importScripts, vhostLevels.stream()
                .map(l -> l.importScripts).toList());
        return new Result(site, List.copyOf(errors));
    }

    private HostSpec host(Level level, Level main, Scope mainScope, int port, boolean isMain, Source source) {
        List<Mount> mounts = new ArrayList<>(level.aliases);
        if (main != null) mounts.addAll(main.aliases);
        mounts.addAll(level.scripts);
        if (main != null) mounts.addAll(main.scripts);
        List<Section> sections = new ArrayList<>();
        if (main != null) sections.addAll(main.sections);
        sections.addAll(level.sections);
        Path documentRoot = level.documentRoot != null ? level.documentRoot : main == null ? null : main.documentRoot;
        Scope scope = level.scope.build().over(mainScope);
        return new HostSpec(level.serverName, level.names, port, isMain, mounts, documentRoot, scope,
                ScopeBuilder.mergeOrder(sections), source);
    }

    private int vhostPort(Directive vh) {
        if (vh.args().isEmpty()) {
            error(vh.source(), "<VirtualHost> needs an address, such as *:80");
            return 0;
        }
        int port = 0;
        for (String address : vh.args()) {
            int colon = address.lastIndexOf(':');
            if (colon < 0 || address.endsWith("]")) continue;
            String p = address.substring(colon + 1);
            if (p.equals("*")) continue;
            try {
                port = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                error(vh.source(), "<VirtualHost " + address + ">: '" + p + "' is not a port");
            }
        }
        return port;
    }

    /** One directive at server or virtual-host level. */
    private void level(Directive d, Level level, Directive vhost) {
        String name = d.name().toLowerCase(Locale.ROOT);
        if (IGNORED.containsKey(name)) return;
        if (d.isSection()) {
            section(d, level);
            return;
        }
        switch (name) {
            case "listen" -> listen(d, vhost);
            case "servername" -> {
                if (args(d, 1, 1)) {
                    String n = d.args().getFirst().toLowerCase(Locale.ROOT);
                    if (n.contains("://")) n = n.substring(n.indexOf("://") + 3);
                    int colon = n.lastIndexOf(':');
                    if (colon > 0 && !n.endsWith("]")) n = n.substring(0, colon);
                    level.serverName = n;
                }
            }
            case "serveralias" -> {
                if (vhost == null) error(d.source(), "ServerAlias belongs in a <VirtualHost>");
                else for (String a : d.args()) level.names.add(a.toLowerCase(Locale.ROOT));
            }
            case "documentroot" -> {
                if (args(d, 1, 1)) level.documentRoot = path(d.args().getFirst());
            }
            case "alias", "aliasmatch" -> alias(d, level, name.endsWith("match"));
            case "redirect", "redirectmatch", "redirectpermanent", "redirecttemp" -> redirect(d, level, name);
            case "wsgiscriptalias", "wsgiscriptaliasmatch" -> scriptAlias(d, level, name.endsWith("match"));
            case "wsgidaemonprocess" -> daemonProcess(d, vhost == null ? null : "");
            case "wsgiimportscript" -> {
                if (d.args().isEmpty()) {
                    level.importScripts.add(d);
                } else {
                    List<String> a = new ArrayList<>(d.args());
                    a.set(0, path(a.getFirst()).toString());
                    level.importScripts.add(new Directive(d.name(), a, d.source(), null));
                }
            }
            case "user", "group" -> {
                // Apache's User and Group are what mod_wsgi's daemon processes run as without user=/group=.
                if (vhost != null) error(d.source(), d.name() + " belongs at server level, outside <VirtualHost>");
                else if (args(d, 1, 1)) groupDefault(d, "--" + name);
            }
            case "listenbacklog" -> frontEndWord(d, "--server-backlog");
            case "addoutputfilterbytype" -> {
                if (!d.args().isEmpty() && d.args().getFirst().equalsIgnoreCase("DEFLATE")) {
                    if (!frontEnd.stream().anyMatch(w -> w.text().equals("--compress-responses"))) {
                        frontEnd.add(new Word("--compress-responses", d.source()));
                    }
                } else {
                    error(d.source(), "AddOutputFilterByType: only DEFLATE is supported (as --compress-responses,"
                            + " for the compressible types of docs/static-files.md)");
                }
            }
            case "timeout" -> frontEndWord(d, "--socket-timeout");
            case "keepalivetimeout" -> frontEndWord(d, "--keep-alive-timeout");
            case "keepalive" -> {
                if (args(d, 1, 1) && onOff(d) == Boolean.FALSE) front(d, "--keep-alive-timeout", "0");
            }
            case "limitrequestbody" -> frontEndWord(d, "--limit-request-body");
            case "limitrequestline" -> frontEndWord(d, "--limit-request-line");
            case "limitrequestfields" -> frontEndWord(d, "--limit-request-fields");
            case "limitrequestfieldsize" -> frontEndWord(d, "--limit-request-field-size");
            case "loglevel" -> logLevel(d);
            case "errorlog" -> errorLog(d);
            case "logformat" -> {
                if (args(d, 1, 2)) logFormats.put(d.args().size() == 2 ? d.args().get(1) : "default", d.args().getFirst());
            }
            case "customlog", "transferlog" -> customLog(d, name.equals("transferlog"));
            case "wsgipythonhome" -> groupDefault(d, "--python-home");
            case "wsgipythonpath" -> {
                if (args(d, 1, 1)) for (String dir : d.args().getFirst().split(":")) {
                    if (!dir.isEmpty()) groupDefaults.add(new Word("--python-path", d.source()));
                    if (!dir.isEmpty()) groupDefaults.add(new Word(path(dir).toString(), d.source()));
                }
            }
            case "wsgipythonhashseed" -> groupDefault(d, "--python-hash-seed");
            case "wsgidontwritebytecode" -> {
                if (args(d, 1, 1) && onOff(d) == Boolean.TRUE) groupDefaults.add(new Word("--dont-write-bytecode", d.source()));
            }
            case "wsgipythonoptimize" -> {
                if (args(d, 1, 1)) {
                    String v = d.args().getFirst();
                    if (!v.matches("[0-2]")) error(d.source(), "WSGIPythonOptimize: '" + v + "' is not 0, 1 or 2");
                    else if (!v.equals("0")) groupEnvironment.put("PYTHONOPTIMIZE", v);
                }
            }
            case "wsgipythonwarnings" -> {
                if (args(d, 1, 1)) groupEnvironment.merge("PYTHONWARNINGS", d.args().getFirst(), (a, b) -> a + "," + b);
            }
            case "wsgipythoneggs" -> {
                if (args(d, 1, 1)) groupEnvironment.put("PYTHON_EGG_CACHE", path(d.args().getFirst()).toString());
            }
            case "wsgienablesendfile" -> {
                if (args(d, 1, 1) && onOff(d) == Boolean.TRUE) frontEnd.add(new Word("--enable-sendfile", d.source()));
            }
            case "httpprotocoloptions" -> httpProtocolOptions(d, vhost);
            case "remoteipproxyprotocol" -> {
                // mod_remoteip: per virtual host in Apache; jwsgi's listeners share one setting (docs/configuration.md).
                if (args(d, 1, 1) && onOff(d) == Boolean.TRUE) frontEnd.add(new Word("--proxy-protocol", d.source()));
            }
            case "wsgitrustedproxies" -> {
                for (String a : d.args()) front(d, "--trust-proxy", a);
            }
            case "wsgitrustedproxyheaders" -> {
                for (String a : d.args()) front(d, "--trust-proxy-header", a);
            }
            case "wsgidestroyinterpreter" -> {
                // Off: the workers exit without the interpreter's shutdown (start-server's --orphan-interpreter).
                if (args(d, 1, 1) && onOff(d) == Boolean.FALSE) {
                    groupDefaults.add(new Word("--orphan-interpreter", d.source()));
                }
            }
            case "wsgirestrictstdin", "wsgirestrictstdout", "wsgirestrictsignal", "wsgiignoreactivity" -> {
                // docs/configuration.md says what each means for jwsgi's workers; only the value is checked here.
                if (args(d, 1, 1)) onOff(d);
            }
            case "wsgisocketprefix", "wsgisocketrotation", "wsgirestrictembedded", "wsgiacceptmutex" -> {
                // Channels are the front end's own listening sockets under the server root (docs/configuration.md).
            }
            case "sslengine", "sslcertificatefile", "sslcertificatekeyfile", "sslcertificatechainfile",
                 "sslcacertificatefile", "sslprotocol", "sslciphersuite", "sslhonorcipherorder", "sslverifyclient",
                 "sslverifydepth", "ssloptions" -> ssl(d, name, vhost);
            default -> {
                if (!level.scope.directive(d)) unknown(d);
            }
        }
    }

    private void section(Directive d, Level level) {
        String name = d.name().toLowerCase(Locale.ROOT);
        SectionKind kind = switch (name) {
            case "directory", "directorymatch" -> SectionKind.DIRECTORY;
            case "files", "filesmatch" -> SectionKind.FILES;
            case "location", "locationmatch" -> SectionKind.LOCATION;
            case "virtualhost" -> {
                error(d.source(), "<VirtualHost> cannot be nested in another <VirtualHost>");
                yield null;
            }
            default -> {
                if (level.scope.section(d)) yield null;
                error(d.source(), "unknown section <" + d.name() + ">" + hint(d.name()));
                yield null;
            }
        };
        if (kind == null) return;
        if (d.children().stream().anyMatch(c -> c.is("SSLVerifyClient") || c.is("SSLVerifyDepth"))) {
            // Client certificates are the HTTPS listener's (--ssl-verify-client URL): only a <Location> can say.
            List<Directive> rest = new ArrayList<>();
            for (Directive c : d.children()) {
                if (!c.is("SSLVerifyClient") && !c.is("SSLVerifyDepth")) {
                    rest.add(c);
                } else if (c.is("SSLVerifyClient")) {
                    if (kind == SectionKind.LOCATION && !name.endsWith("match") && d.args().size() == 1
                            && d.args().getFirst().startsWith("/")) {
                        verifyClient(c, d.args().getFirst());
                    } else {
                        error(c.source(), "SSLVerifyClient is supported in a <VirtualHost> and in a <Location /path>,"
                                + " not in <" + d.name() + ">");
                    }
                }
            }
            d = new Directive(d.name(), d.args(), d.source(), rest);
        }
        // The section and the <Files> sections nested in it (a Directory's), each matched on its own.
        ScopeBuilder.section(d, kind, name.endsWith("match"), null, errors, environment, level.sections);
    }

    private void listen(Directive d, Directive vhost) {
        if (vhost != null) {
            error(d.source(), "Listen belongs outside <VirtualHost>");
            return;
        }
        if (!args(d, 1, 2)) return;
        String a = d.args().getFirst();
        String host = null;
        String port = a;
        int colon = a.lastIndexOf(':');
        if (colon >= 0) {
            host = a.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            port = a.substring(colon + 1);
        }
        try {
            int p = Integer.parseInt(port);
            if (p < 0 || p > 65535) throw new NumberFormatException();
            listens.add(new Listen(host, p, d.source()));
        } catch (NumberFormatException e) {
            error(d.source(), "Listen " + a + ": '" + port + "' is not a port (0-65535)");
        }
    }

    private void alias(Directive d, Level level, boolean match) {
        if (!args(d, 2, 2)) return;
        String url = d.args().get(0);
        String target = d.args().get(1);
        Pattern regex = match ? regex(d, url) : null;
        if (match && regex == null) return;
        if (!match && !url.startsWith("/")) {
            error(d.source(), d.name() + " " + url + ": the URL path must start with '/'");
            return;
        }
        Path file = path(target);
        level.aliases.add(new Mount(Kind.ALIAS, match ? null : url, regex, match ? relative(target) : file.toString(),
                java.nio.file.Files.isDirectory(file), 0, Map.of(), d.source()));
    }

    private void redirect(Directive d, Level level, String name) {
        List<String> a = new ArrayList<>(d.args());
        int status = name.equals("redirectpermanent") ? 301 : 302;
        if (!name.startsWith("redirectp") && !name.equals("redirecttemp") && !a.isEmpty()
                && (a.size() == 3 || !a.getFirst().startsWith("/") && !a.getFirst().startsWith("^"))) {
            String s = a.removeFirst().toLowerCase(Locale.ROOT);
            switch (s) {
                case "permanent" -> status = 301;
                case "temp" -> status = 302;
                case "seeother" -> status = 303;
                case "gone" -> status = 410;
                default -> {
                    try {
                        status = Integer.parseInt(s);
                    } catch (NumberFormatException e) {
                        error(d.source(), d.name() + ": '" + s + "' is not a status (permanent, temp, seeother, gone"
                                + " or a number)");
                        return;
                    }
                }
            }
        }
        boolean redirect = status >= 300 && status < 400;
        if (a.size() != (redirect ? 2 : 1)) {
            error(d.source(), d.name() + (redirect ? " takes [status] URL-path URL" : " with status " + status
                    + " takes only the URL-path (no target URL)"));
            return;
        }
        if (!redirect) a.add("");
        boolean match = name.equals("redirectmatch");
        Pattern regex = match ? regex(d, a.get(0)) : null;
        if (match && regex == null) return;
        level.aliases.add(new Mount(Kind.REDIRECT, match ? null : a.get(0), regex, a.get(1), false, status, Map.of(),
                d.source()));
    }

    private void scriptAlias(Directive d, Level level, boolean match) {
        if (d.args().size() < 2) {
            error(d.source(), d.name() + " takes a URL path, a script file or directory, and options");
            return;
        }
        String url = d.args().get(0);
        String target = d.args().get(1);
        Map<String, String> options = new LinkedHashMap<>();
        for (String option : d.args().subList(2, d.args().size())) {
            int eq = option.indexOf('=');
            String key = eq < 0 ? option : option.substring(0, eq).toLowerCase(Locale.ROOT);
            if (eq < 0 || !List.of("process-group", "application-group", "callable-object", "pass-authorization")
                    .contains(key)) {
                error(d.source(), d.name() + ": unknown option '" + option + "' (process-group=, application-group=,"
                        + " callable-object=, pass-authorization=)");
                continue;
            }
            options.put(key, option.substring(eq + 1));
        }
        Pattern regex = match ? regex(d, url) : null;
        if (match && regex == null) return;
        if (!match && !url.startsWith("/")) {
            error(d.source(), d.name() + " " + url + ": the URL path must start with '/'");
            return;
        }
        String resolved = match && target.contains("$") ? relative(target) : path(target).toString();
        boolean directory = !match && url.endsWith("/") && target.endsWith("/");
        level.scripts.add(new Mount(Kind.WSGI, match ? null : url, regex, resolved, directory, 0, options, d.source()));
    }

    private void daemonProcess(Directive d, String inVirtualHost) {
        if (d.args().isEmpty()) {
            error(d.source(), "WSGIDaemonProcess needs a group name");
            return;
        }
        String name = d.args().getFirst();
        GroupDraft previous = groups.get(name);
        if (previous != null) {
            error(d.source(), "process group '" + name + "' is declared twice (first at " + previous.source() + ")");
            return;
        }
        DaemonOptions.Parsed parsed = DaemonOptions.parse(d, serverRoot, errors);
        List<Word> words = new ArrayList<>(parsed.words());
        groups.put(name, new GroupDraft(name, inVirtualHost, words, parsed.home(), d.source()));
    }

    private void ssl(Directive d, String name, Directive vhost) {
        if (vhost == null) {
            error(d.source(), d.name() + " belongs in the <VirtualHost> of the HTTPS port");
            return;
        }
        switch (name) {
            case "sslengine" -> {
                if (args(d, 1, 1) && onOff(d) == Boolean.TRUE) {
                    if (httpsSet) {
                        error(d.source(), "a second SSLEngine On virtual host: jwsgi serves one HTTPS port");
                        return;
                    }
                    httpsSet = true;
                    int port = vhostPort(vhost);
                    front(d, "--https-port", Integer.toString(port == 0 ? 443 : port));
                }
            }
            case "sslcertificatefile" -> pathWord(d, "--ssl-certificate-file");
            case "sslcertificatekeyfile" -> pathWord(d, "--ssl-certificate-key-file");
            case "sslcertificatechainfile" -> pathWord(d, "--ssl-certificate-chain-file");
            case "sslcacertificatefile" -> pathWord(d, "--ssl-ca-certificate-file");
            case "sslverifyclient" -> verifyClient(d, "/");
            case "ssloptions" -> {
                // +StdEnvVars: the SSL_* variables in the environ (--ssl-environment); the other options are
                // Apache's own (ExportCertData, StrictRequire, ...) and have no effect here.
                for (String o : d.args()) {
                    if (o.equalsIgnoreCase("+StdEnvVars") || o.equalsIgnoreCase("StdEnvVars")) {
                        frontEnd.add(new Word("--ssl-environment", d.source()));
                    }
                }
            }
            default -> { } // protocol and cipher choices and SSLVerifyDepth: Jetty's defaults (docs/tls.md)
        }
    }

    /** {@code SSLVerifyClient require} for a URL prefix: the whole host ("/") or a {@code <Location>}. */
    private void verifyClient(Directive d, String url) {
        if (!args(d, 1, 1)) return;
        switch (d.args().getFirst().toLowerCase(Locale.ROOT)) {
            case "require" -> front(d, "--ssl-verify-client", url);
            case "none" -> { }
            default -> error(d.source(), "SSLVerifyClient " + d.args().getFirst() + ": only require and none are"
                    + " supported (a certificate is asked for where it is required)");
        }
    }

    private void logLevel(Directive d) {
        for (String a : d.args()) {
            if (a.contains(":")) continue; // per-module levels (wsgi:info): one level for the whole server here
            String level = switch (a.toLowerCase(Locale.ROOT)) {
                case "emerg", "alert", "crit" -> "crit";
                case "error", "warn", "notice", "info", "debug" -> a.toLowerCase(Locale.ROOT);
                default -> a.toLowerCase(Locale.ROOT).startsWith("trace") ? "debug" : null;
            };
            if (level == null) error(d.source(), "LogLevel: '" + a + "' is not a level (emerg ... debug, trace1-8)");
            else front(d, "--log-level", level);
        }
    }

    private void errorLog(Directive d) {
        if (!args(d, 1, 1)) return;
        String target = d.args().getFirst();
        if (target.startsWith("|") || target.startsWith("syslog")) {
            error(d.source(), "ErrorLog " + target + ": piped and syslog error logs are not supported; give a file");
            return;
        }
        if (errorLogSet) {
            warnings.add(d.source() + ": ErrorLog " + target + " ignored: jwsgi keeps one error log for the server"
                    + " (every line names its group)");
            return;
        }
        errorLogSet = true;
        front(d, "--error-log-name", path(target).toString());
    }

    private void customLog(Directive d, boolean transfer) {
        if (!args(d, 1, transfer ? 1 : 3)) return;
        String target = d.args().getFirst();
        if (target.startsWith("|")) {
            error(d.source(), d.name() + " " + target + ": piped logs are not supported; give a file");
            return;
        }
        if (accessLogSet) {
            warnings.add(d.source() + ": " + d.name() + " " + target + " ignored: jwsgi keeps one access log");
            return;
        }
        accessLogSet = true;
        String format = transfer || d.args().size() < 2 ? logFormats.getOrDefault("default", "common") : d.args().get(1);
        format = logFormats.getOrDefault(format, format);
        try {
            io.jwsgi.config.AccessLogFormat.parse(format);
        } catch (io.jwsgi.config.InvalidValueException e) {
            error(d.source(), d.name() + ": " + e.getMessage());
            return;
        }
        frontEnd.add(new Word("--access-log", d.source()));
        front(d, "--access-log-name", path(target).toString());
        front(d, "--access-log-format", format);
    }

    /**
     * Apache's HttpProtocolOptions: RegisteredMethods is {@code --registered-methods}; Strict, LenientMethods and
     * Require1.0 are what jwsgi always does; Unsafe and Allow0.9 are refused (jwsgi's parser has no lenient mode).
     */
    private void httpProtocolOptions(Directive d, Directive vhost) {
        if (vhost != null) {
            error(d.source(), "HttpProtocolOptions belongs at server level, outside <VirtualHost>: jwsgi applies it to "
                    + "every request");
            return;
        }
        if (!args(d, 1, 3)) return;
        Boolean registered = null;
        for (String option : d.args()) {
            switch (option.toLowerCase(Locale.ROOT)) {
                case "registeredmethods" -> registered = true;
                case "lenientmethods" -> registered = false;
                case "strict", "require1.0" -> { } // always so in jwsgi
                case "unsafe", "allow0.9" -> error(d.source(), "HttpProtocolOptions " + option + ": not supported; "
                        + "jwsgi's request parsing is always strict and HTTP/0.9 is not served (docs/http-parsing.md)");
                default -> error(d.source(), "HttpProtocolOptions: '" + option + "' is not one of Strict, Unsafe, "
                        + "RegisteredMethods, LenientMethods, Allow0.9, Require1.0");
            }
        }
        if (Boolean.TRUE.equals(registered)) frontEnd.add(new Word("--registered-methods", d.source()));
    }

    private void frontEndWord(Directive d, String flag) {
        if (args(d, 1, 1)) front(d, flag, d.args().getFirst());
    }

    private void pathWord(Directive d, String flag) {
        if (args(d, 1, 1)) front(d, flag, path(d.args().getFirst()).toString());
    }

    private void groupDefault(Directive d, String flag) {
        if (!args(d, 1, 1)) return;
        groupDefaults.add(new Word(flag, d.source()));
        String v = d.args().getFirst();
        groupDefaults.add(new Word(flag.equals("--python-home") ? path(v).toString() : v, d.source()));
    }

    private void front(Directive d, String flag, String value) {
        frontEnd.add(new Word(flag, d.source()));
        frontEnd.add(new Word(value, d.source()));
    }

    private Pattern regex(Directive d, String text) {
        try {
            return Pattern.compile(text);
        } catch (PatternSyntaxException e) {
            error(d.source(), d.name() + ": the regular expression '" + text + "' does not compile: "
                    + e.getDescription());
            return null;
        }
    }

    private Boolean onOff(Directive d) {
        return ScopeBuilder.onOff(d, errors);
    }

    private boolean args(Directive d, int min, int max) {
        int n = d.args().size();
        if (n >= min && n <= max) return true;
        error(d.source(), d.name() + " takes " + (min == max ? min : min + " to " + max) + " argument"
                + (max == 1 ? "" : "s") + ", got " + n);
        return false;
    }

    private Path path(String p) {
        return serverRoot.resolve(p).normalize();
    }

    /** A pattern target ($1 ...) against the server root when relative, without normalizing what $N may add. */
    private String relative(String target) {
        return target.startsWith("/") ? target : serverRoot + "/" + target;
    }

    private void unknown(Directive d) {
        error(d.source(), "unknown directive " + d.name() + hint(d.name()));
    }

    private static String hint(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (ScopeBuilder.UNSUPPORTED.containsKey(lower)) return ": " + ScopeBuilder.UNSUPPORTED.get(lower);
        return " (docs/configuration.md lists the directives jwsgi implements)";
    }

    private void error(Source source, String message) {
        errors.add(new ConfigProblem(source, message));
    }

    private static Map<String, String> ignored() {
        Map<String, String> m = new HashMap<>();
        String noHtaccess = "jwsgi reads no .htaccess files";
        for (String n : List.of("serveradmin", "serversignature", "servertokens")) {
            m.put(n, "jwsgi sends no Server header and no signature on its pages");
        }
        m.put("allowoverride", noHtaccess);
        m.put("allowoverridelist", noHtaccess);
        m.put("accessfilename", noHtaccess);
        m.put("hostnamelookups", "jwsgi never resolves client addresses");
        m.put("usecanonicalname", "SERVER_NAME is the Host the client sent, as with Apache's default Off");
        m.put("loadmodule", "the modules jwsgi implements are built in (see <IfModule>)");
        for (String n : List.of("startservers", "minspareservers", "maxspareservers", "minsparethreads",
                "maxsparethreads", "threadsperchild", "maxrequestworkers", "maxclients", "serverlimit",
                "threadlimit", "maxconnectionsperchild", "maxrequestsperchild", "threadstacksize")) {
            m.put(n, "Apache's process model: jwsgi's front end is one process with virtual threads");
        }
        m.put("maxkeepaliverequests", "jwsgi does not cap the requests of one connection (keep-alive-timeout"
                + " bounds its idle time)");
        m.put("addcharset", "static files get their charset from their type (docs/static-files.md)");
        for (String n : List.of("mutex", "pidfile", "defaultruntimedir", "serverroot",
                "enablemmap", "enablesendfile", "addlanguage", "languagepriority", "forcelanguagepriority",
                "indexoptions", "addiconbytype", "addicon", "addiconbyencoding", "defaulticon", "readmename",
                "headername", "indexignore", "typesconfig", "mimemagicfile", "browsermatch", "traceenable")) {
            m.put(n, "has no counterpart in jwsgi (docs/configuration.md says why for each)");
        }
        return Map.copyOf(m);
    }
}
