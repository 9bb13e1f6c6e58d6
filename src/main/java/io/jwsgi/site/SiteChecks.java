package io.jwsgi.site;

import io.jwsgi.site.Site.HostSpec;
import io.jwsgi.site.Site.Kind;
import io.jwsgi.site.Site.Mount;
import io.jwsgi.site.Site.Preload;
import io.jwsgi.site.Site.ProcessGroup;
import io.jwsgi.site.Site.Scope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The checks that need the whole site: every WSGI mount runs in a declared daemon process group it may use, the
 * scripts exist (a warning: mod_wsgi answers 404 at request time), and the preloads ({@code WSGIImportScript}, and
 * {@code WSGIScriptAlias} with both group options, as mod_wsgi 4.6.0 does) go to their groups. Also which process
 * groups may see more than one application group: those run them in sub-interpreters (docs/subinterpreters.md);
 * a group with one runs it in the main interpreter, where every extension module loads.
 */
final class SiteChecks {
    private SiteChecks() {}

    /**
     * The hook scripts: a missing one is worth a warning at start (its calls will fail with 500 until it exists), and
     * the hook process group's name cannot also be a WSGIDaemonProcess's.
     */
    private static void hookScripts(Site site, Map<String, ProcessGroup> groups, List<ConfigProblem> errors,
                                    List<String> warnings) {
        if (!site.usesHooks()) return;
        ProcessGroup clash = groups.get(Site.HOOK_GROUP);
        if (clash != null) {
            errors.add(new ConfigProblem(clash.source(), "WSGIDaemonProcess " + Site.HOOK_GROUP + ": the name is jwsgi's"
                    + " own hook process group's (docs/auth-hooks.md); give this group another name"));
        }
        java.util.Set<Path> seen = new java.util.HashSet<>();
        for (HostSpec host : site.hosts()) {
            for (Scope scope : java.util.stream.Stream.concat(java.util.stream.Stream.of(host.scope()),
                    host.sections().stream().map(Site.Section::scope)).toList()) {
                Site.Auth a = scope.auth();
                for (Site.HookScript h : java.util.Arrays.asList(a.accessScript(), a.userScript(), a.groupScript())) {
                    if (h != null && seen.add(h.path()) && !Files.isRegularFile(h.path())) {
                        warnings.add(h.source() + ": the hook script " + h.path() + " does not exist (requests"
                                + " that need it will get 500)");
                    }
                }
            }
        }
    }

    /** What one mount runs in, as far as the configuration says without a request. */

    static Site check(Site site, List<ConfigProblem> errors, List<String> warnings, List<Directive> mainImports,
                      List<List<Directive>> vhostImports) {
        Map<String, ProcessGroup> groups = new LinkedHashMap<>();
        for (ProcessGroup g : site.groups()) groups.put(g.name(), g);
        Map<String, List<Preload>> preloads = new LinkedHashMap<>();
        // The application groups each process group will run, as far as they are known without a request; a
        // group that may see more than one runs them in sub-interpreters (%{GLOBAL} in the main interpreter).
        Map<String, java.util.Set<String>> applicationGroups = new LinkedHashMap<>();
        java.util.Set<String> dynamic = new java.util.HashSet<>();
        for (HostSpec host : site.hosts()) {
            for (Mount mount : host.mounts()) {
                if (mount.kind() != Kind.WSGI) continue;
                String url = mount.url() == null ? "/" : mount.url();
                Path file = mount.directory() || mount.target().contains("$") ? null : Path.of(mount.target());
                Scope scope = Router.scope(host, file == null ? Path.of(mount.target()) : file, url);
                String group = mount.options().getOrDefault("process-group", scope.processGroup());
                String what = (mount.regex() == null ? "WSGIScriptAlias " + mount.url() : "WSGIScriptAliasMatch "
                        + mount.regex().pattern()) + ": ";
                if (group == null || group.equalsIgnoreCase("%{GLOBAL}") || group.isEmpty()) {
                    errors.add(new ConfigProblem(mount.source(), what + "it would run in embedded mode (no"
                            + " WSGIProcessGroup or process-group= names a WSGIDaemonProcess), which jwsgi does not"
                            + " have yet: declare a WSGIDaemonProcess and delegate to it with WSGIProcessGroup"));
                    continue;
                }
                if (group.startsWith("%{")) continue; // chosen per request (%{ENV:...}, %{SERVER}, ...)
                ProcessGroup declared = groups.get(group);
                if (declared == null) {
                    errors.add(new ConfigProblem(mount.source(), what + "process group '" + group + "' is not"
                            + " declared by any WSGIDaemonProcess"));
                    continue;
                }
                if (!mayUse(declared, host)) {
                    errors.add(new ConfigProblem(mount.source(), what + "process group '" + group + "' was declared"
                            + " in the <VirtualHost> of " + declared.serverName() + " (" + declared.source()
                            + "), so only virtual hosts with that ServerName may use it"));
                    continue;
                }
                if (file != null && !Files.exists(file)) {
                    warnings.add(mount.source() + ": " + what + "the WSGI script " + file + " does not exist"
                            + " (requests for it will get 404)");
                }
                String app = mount.options().getOrDefault("application-group",
                        scope.applicationGroup() == null ? "%{RESOURCE}" : scope.applicationGroup());
                String key = staticApplicationGroup(app, host, mount);
                if (key != null) applicationGroups.computeIfAbsent(group, g -> new java.util.HashSet<>()).add(key);
                else dynamic.add(group);
                if (file != null && mount.options().containsKey("process-group")
                        && mount.options().containsKey("application-group") && key != null && !key.contains(":*")) {
                    String callable = mount.options().getOrDefault("callable-object",
                            scope.callableObject() == null ? "application" : scope.callableObject());
                    preloads.computeIfAbsent(group, g -> new ArrayList<>())
                            .add(new Preload(file, callable, key, false));
                }
            }
        }
        handlerScripts(site, groups.keySet(), dynamic);
        errorDocuments(site, errors);
        hookScripts(site, groups, errors, warnings);
        imports(mainImports, null, site, groups, preloads, errors);
        for (int i = 0; i < vhostImports.size(); i++) {
            imports(vhostImports.get(i), site.hosts().get(i), site, groups, preloads, errors);
        }
        for (Map.Entry<String, List<Preload>> e : preloads.entrySet()) {
            for (Preload p : e.getValue()) {
                applicationGroups.computeIfAbsent(e.getKey(), g -> new java.util.HashSet<>()).add(p.applicationGroup());
            }
        }
        List<ProcessGroup> built = new ArrayList<>();
        for (ProcessGroup g : site.groups()) {
            boolean several = dynamic.contains(g.name())
                    || applicationGroups.getOrDefault(g.name(), java.util.Set.of()).size() > 1;
            built.add(new ProcessGroup(g.name(), g.serverName(), g.words(), g.home(),
                    preloads.getOrDefault(g.name(), List.of()), g.environment(), several, g.source()));
        }
        return new Site(site.listens(), site.hosts(), built, site.frontEnd(), warnings);
    }

    /**
     * Scripts found through SetHandler/AddHandler wsgi-script are known only per request; unless their scope names
     * one fixed application group, each is its own (%{RESOURCE}), so their process group may see several.
     */
    private static void handlerScripts(Site site, java.util.Set<String> groups, java.util.Set<String> dynamic) {
        for (HostSpec host : site.hosts()) {
            List<Scope> scopes = new ArrayList<>();
            scopes.add(host.scope());
            for (Site.Section s : host.sections()) scopes.add(s.scope().over(host.scope()));
            for (Scope scope : scopes) {
                boolean handler = Router.namesHandler(scope);
                if (!handler) continue;
                String app = scope.applicationGroup();
                if (app != null && !app.startsWith("%{") || "%{GLOBAL}".equalsIgnoreCase(app)) continue;
                if (scope.processGroup() == null || scope.processGroup().startsWith("%{")) dynamic.addAll(groups);
                else dynamic.add(scope.processGroup());
            }
        }
    }

    /**
     * An {@code ErrorDocument} with a local path is served by routing that path again in the request's virtual host;
     * jwsgi serves it from static files only, so a path that routes to a WSGI application (a mount, or a script
     * found through a handler) or to a Redirect is an error here rather than a surprise at the first error.
     */
    private static void errorDocuments(Site site, List<ConfigProblem> errors) {
        Router router = new Router(site.hosts());
        java.util.Set<Site.ErrorDocument> reported = new java.util.HashSet<>();
        for (HostSpec host : site.hosts()) {
            List<Scope> scopes = new ArrayList<>();
            scopes.add(host.scope());
            for (Site.Section s : host.sections()) scopes.add(s.scope());
            for (Scope scope : scopes) {
                for (Map.Entry<Integer, Site.ErrorDocument> e : scope.errorDocuments().entrySet()) {
                    Site.ErrorDocument doc = e.getValue();
                    if (doc.kind() != Site.DocumentKind.LOCAL || reported.contains(doc)) continue;
                    String path = doc.value();
                    int query = path.indexOf('?');
                    Router.Route route = router.handlerScript(router.route(host,
                            query < 0 ? path : path.substring(0, query)));
                    if (route.kind() == Kind.WSGI || route.kind() == Kind.REDIRECT) {
                        reported.add(doc);
                        errors.add(new ConfigProblem(doc.source(), "ErrorDocument " + e.getKey() + " " + path + ": the"
                                + " path leads to " + (route.kind() == Kind.WSGI ? "a WSGI application" : "a Redirect")
                                + (host.main() ? "" : " in the virtual host " + host.serverName()) + "; jwsgi serves"
                                + " a local ErrorDocument from static files (Alias, DocumentRoot) only, not yet"
                                + " through an application"));
                    }
                }
            }
        }
    }

    /** WSGIImportScript FILE process-group=NAME application-group=NAME: both options are required. */
    private static void imports(List<Directive> directives, HostSpec host, Site site, Map<String, ProcessGroup> groups,
                                Map<String, List<Preload>> preloads, List<ConfigProblem> errors) {
        for (Directive d : directives) {
            if (d.args().isEmpty()) {
                errors.add(new ConfigProblem(d.source(), "WSGIImportScript needs a script file"));
                continue;
            }
            Path file = Path.of(d.args().getFirst());
            String group = null;
            String app = null;
            boolean bad = false;
            for (String option : d.args().subList(1, d.args().size())) {
                int eq = option.indexOf('=');
                String key = eq < 0 ? option : option.substring(0, eq).toLowerCase(Locale.ROOT);
                if (key.equals("process-group")) group = option.substring(eq + 1);
                else if (key.equals("application-group")) app = option.substring(eq + 1);
                else {
                    errors.add(new ConfigProblem(d.source(), "WSGIImportScript: unknown option '" + option
                            + "' (process-group=, application-group=)"));
                    bad = true;
                }
            }
            if (bad) continue;
            if (group == null || app == null) {
                errors.add(new ConfigProblem(d.source(), "WSGIImportScript " + file + ": both process-group= and"
                        + " application-group= are needed"));
                continue;
            }
            ProcessGroup declared = groups.get(group);
            if (declared == null) {
                errors.add(new ConfigProblem(d.source(), "WSGIImportScript " + file + ": process group '" + group
                        + "' is not declared by any WSGIDaemonProcess"));
                continue;
            }
            if (host != null && !mayUse(declared, host) || host == null && declared.serverName() != null) {
                errors.add(new ConfigProblem(d.source(), "WSGIImportScript " + file + ": process group '" + group
                        + "' belongs to the <VirtualHost> of " + declared.serverName()));
                continue;
            }
            if (!Files.isRegularFile(file)) {
                errors.add(new ConfigProblem(d.source(), "WSGIImportScript: the script " + file + " does not exist"));
                continue;
            }
            String key = app.equalsIgnoreCase("%{GLOBAL}") ? "" : app;
            if (key.startsWith("%{")) {
                errors.add(new ConfigProblem(d.source(), "WSGIImportScript " + file + ": application-group=" + app
                        + " is chosen per request; name the group, or use %{GLOBAL}"));
                continue;
            }
            preloads.computeIfAbsent(group, g -> new ArrayList<>()).add(new Preload(file, "application", key, true));
        }
    }

    private static boolean mayUse(ProcessGroup group, HostSpec host) {
        return group.serverName() == null || group.serverName().equals(host.serverName());
    }

    /**
     * The application group a mount runs in when it does not depend on the request, as the worker will see it
     * ('' for %{GLOBAL}); null when it does (%{HOST}, %{ENV:...}, %{RESOURCE} of a pattern or directory mount).
     * A virtual host on any port gets ":*" for the port.
     */
    static String staticApplicationGroup(String value, HostSpec host, Mount mount) {
        String upper = value.toUpperCase(Locale.ROOT);
        String server = host.serverName() == null ? "localhost" : host.serverName();
        // The port is the request's when the host listens on any ("*"): such a name is right for telling groups
        // apart, and is not used for a preload.
        if (host.port() == 0) server += ":*";
        else if (host.port() != 80 && host.port() != 443) server += ":" + host.port();
        return switch (upper) {
            case "%{GLOBAL}" -> "";
            case "%{SERVER}" -> server;
            case "%{RESOURCE}" -> mount.url() == null || mount.directory() ? null
                    : server + "|" + Router.stripSlash(mount.url());
            default -> value.startsWith("%{") ? null : value;
        };
    }
}
