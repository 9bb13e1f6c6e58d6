package io.jwsgi.site;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The site a configuration file describes: listeners, virtual hosts and their mounts, process groups. Every part
 * is a small immutable record; the front end gets the {@link Router}, each process group its own
 * {@link ProcessGroup}, nobody the whole file. {@code start-server}'s flags describe the degenerate site of one
 * mount in one group; a configuration file may describe many.
 *
 * @param listens    every {@code Listen}, in order (the first is the primary port)
 * @param hosts      the {@code <VirtualHost>} sections in order, then the main server (the directives outside any
 *                   virtual host), which answers on a port no virtual host claims
 * @param groups     every {@code WSGIDaemonProcess}, in order
 * @param frontEnd   start-server words for the front end's settings (port, logs, limits, TLS), as the flags
 *                   spell them, with where each came from
 * @param warnings   things worth saying at start that do not stop it (a missing WSGI script)
 */
public record Site(List<Listen> listens, List<HostSpec> hosts, List<ProcessGroup> groups, List<Word> frontEnd,
                   List<String> warnings) {
    public Site {
        listens = List.copyOf(listens);
        hosts = List.copyOf(hosts);
        groups = List.copyOf(groups);
        frontEnd = List.copyOf(frontEnd);
        warnings = List.copyOf(warnings);
    }

    /** The process group the access and auth hooks run in (docs/auth-hooks.md); the server starts it by this name. */
    public static final String HOOK_GROUP = "jwsgi-hooks";

    /** Whether any scope names a Python access or auth hook script (then the server starts its hook process group). */
    public boolean usesHooks() {
        for (HostSpec h : hosts) {
            if (h.scope().auth().hasScripts()) return true;
            for (Section s : h.sections()) if (s.scope().auth().hasScripts()) return true;
        }
        return false;
    }

    /** One command-line word generated from a directive, with the directive's place for error messages. */
    public record Word(String text, Source source) {}

    /** {@code Listen [addr:]port}: host null means every interface. */
    public record Listen(String host, int port, Source source) {}

    /**
     * A {@code <VirtualHost>} (or the main server, {@link #main} true): the names it answers to, the ports it
     * listens on (0: any), its mounts in matching order, and its scoped sections.
     *
     * @param serverName lower case, or null (the main server without ServerName)
     * @param port       the port of its {@code <VirtualHost *:PORT>} address, 0 for {@code *} or the main server
     * @param mounts     the Redirect and Alias mounts (mod_alias), then the WSGIScriptAlias mounts, each in file
     *                   order, the main server's appended after the virtual host's own (Apache merges them so)
     * @param documentRoot absolute, or null
     * @param sections   Directory, Files and Location sections that apply, in merge order
     */
    public record HostSpec(String serverName, List<String> aliases, int port, boolean main, List<Mount> mounts,
                           Path documentRoot, Scope scope, List<Section> sections, Source source) {
        public HostSpec {
            aliases = List.copyOf(aliases);
            mounts = List.copyOf(mounts);
            sections = List.copyOf(sections);
        }
    }

    /** What a mount does with the requests it matches. */
    public enum Kind {
        /** WSGIScriptAlias / WSGIScriptAliasMatch: a WSGI application in a daemon process group */
        WSGI,
        /** Alias / AliasMatch: static files */
        ALIAS,
        /** Redirect / RedirectMatch */
        REDIRECT
    }

    /**
     * One alias.
     *
     * @param url        the URL prefix (prefix mounts), or null for a regex mount
     * @param regex      the compiled pattern of an ...Match directive, or null
     * @param target     file or directory path (may hold $N for a regex mount); for a redirect the target URL
     * @param directory  whether the target is a directory (a WSGI directory target: the next segment names the
     *                   script)
     * @param status     a redirect's status
     * @param options    the directive's own {@code key=value} options (process-group=, application-group=, ...)
     */
    public record Mount(Kind kind, String url, Pattern regex, String target, boolean directory, int status,
                        Map<String, String> options, Source source) {
        public Mount {
            options = Map.copyOf(options);
        }
    }

    /**
     * Settings that can be given at server, virtual host and section level; null (or empty) means "not said here".
     *
     * @param processGroup     WSGIProcessGroup
     * @param applicationGroup WSGIApplicationGroup
     * @param callableObject   WSGICallableObject
     * @param passAuthorization WSGIPassAuthorization
     * @param chunkedRequest   WSGIChunkedRequest
     * @param access           the Require (or Order/Allow/Deny) rules of this scope, or null
     * @param setenv           SetEnv values (a null value: UnsetEnv)
     * @param handler          SetHandler: "wsgi-script" makes every file here a WSGI script, "none" none
     * @param handlers         AddHandler: file extension (with its dot) to handler name
     * @param execCgi          Options ExecCGI (+ExecCGI true, -ExecCGI false): mod_wsgi serves a script found
     *                         through a handler only with it
     * @param mapHeadToGet     WSGIMapHEADToGET: On, Off or Auto
     * @param restrictProcess  WSGIRestrictProcess: the process groups a WSGIProcessGroup here may choose, or empty
     * @param conditions       SetEnvIf / SetEnvIfNoCase, in order
     * @param headers          Header edits of the responses, in order
     * @param types            AddType: file extension (with its dot, lower case) to content type, for static files
     * @param errorDocuments   ErrorDocument: status code to what answers it (a {@code default} entry resets an outer
     *                         one); use {@link #errorDocument}
     * @param errorOverride    WSGIErrorOverride: the application's 4xx and 5xx bodies are replaced by the front
     *                         end's error response
     * @param auth             AuthType, AuthName, the providers and the Python hook scripts (docs/auth-hooks.md)
     */
    public record Scope(String processGroup, String applicationGroup, String callableObject,
                        Boolean passAuthorization, Boolean chunkedRequest, AccessRule access,
                        Map<String, String> setenv, String handler, Map<String, String> handlers, Boolean execCgi,
                        String mapHeadToGet, List<String> restrictProcess, List<EnvCondition> conditions,
                        List<HeaderEdit> headers, Map<String, String> types, Map<Integer, ErrorDocument> errorDocuments,
                        Boolean errorOverride, Auth auth) {
        public static final Scope EMPTY = new Scope(null, null, null, null, null, null, Map.of(), null, Map.of(), null,
                null, List.of(), List.of(), List.of(), Map.of(), Map.of(), null, Auth.NONE);

        /** The ErrorDocument for a status, or null: none here or in an outer scope, or {@code default} said so. */
        public ErrorDocument errorDocument(int status) {
            ErrorDocument d = errorDocuments.get(status);
            return d == null || d.kind() == DocumentKind.DEFAULT ? null : d;
        }

        public Scope {
            restrictProcess = List.copyOf(restrictProcess);
            conditions = List.copyOf(conditions);
            headers = List.copyOf(headers);
        }

        /** This scope's settings over {@code outer}'s: what is said here wins; lists add up, outer first. */
        public Scope over(Scope outer) {
            // Routing merges per request: nothing is copied where one side says nothing.
            Map<String, String> env = merged(outer.setenv, setenv);
            Map<String, String> ext = merged(outer.handlers, handlers);
            List<EnvCondition> allConditions = joined(outer.conditions, conditions);
            List<HeaderEdit> allHeaders = joined(outer.headers, headers);
            return new Scope(
                    processGroup != null ? processGroup : outer.processGroup,
                    applicationGroup != null ? applicationGroup : outer.applicationGroup,
                    callableObject != null ? callableObject : outer.callableObject,
                    passAuthorization != null ? passAuthorization : outer.passAuthorization,
                    chunkedRequest != null ? chunkedRequest : outer.chunkedRequest,
                    access != null ? access : outer.access,
                    env,
                    handler != null ? handler : outer.handler,
                    ext,
                    execCgi != null ? execCgi : outer.execCgi,
                    mapHeadToGet != null ? mapHeadToGet : outer.mapHeadToGet,
                    restrictProcess.isEmpty() ? outer.restrictProcess : restrictProcess,
                    allConditions, allHeaders, merged(outer.types, types),
                    merged(outer.errorDocuments, errorDocuments),
                    errorOverride != null ? errorOverride : outer.errorOverride,
                    auth.over(outer.auth));
        }

        private static <K, V> Map<K, V> merged(Map<K, V> outer, Map<K, V> inner) {
            if (inner.isEmpty()) return outer;
            if (outer.isEmpty()) return inner;
            java.util.LinkedHashMap<K, V> both = new java.util.LinkedHashMap<>(outer);
            both.putAll(inner);
            return java.util.Collections.unmodifiableMap(both);
        }

        private static <T> List<T> joined(List<T> outer, List<T> inner) {
            if (inner.isEmpty()) return outer;
            if (outer.isEmpty()) return inner;
            List<T> both = new java.util.ArrayList<>(outer);
            both.addAll(inner);
            return List.copyOf(both);
        }
    }

    /** A Python hook script and the application group it is loaded in ('' is %{GLOBAL}, mod_wsgi's default). */
    public record HookScript(Path path, String applicationGroup, Source source) {}

    /**
     * Authentication in a scope (mod_auth_basic, mod_auth_digest, mod_wsgi's providers); each part null when not said
     * here. Only the {@code wsgi} providers exist: the hook scripts answer for users, passwords and groups.
     *
     * @param accessScript       WSGIAccessScript: {@code allow_access(environ, host)}
     * @param userScript         WSGIAuthUserScript: {@code check_password} (Basic), {@code get_realm_hash} (Digest)
     * @param groupScript        WSGIAuthGroupScript: {@code groups_for_user}, for {@code Require wsgi-group|group}
     * @param groupAuthoritative WSGIGroupAuthoritative (On by default): Off makes a group check that fails neutral,
     *                           so that other Require lines decide
     * @param type               AuthType: "Basic" or "Digest" (or "None")
     * @param name               AuthName: the realm
     * @param basicProvider      AuthBasicProvider
     * @param digestProvider     AuthDigestProvider
     */
    public record Auth(HookScript accessScript, HookScript userScript, HookScript groupScript,
                       Boolean groupAuthoritative, String type, String name, String basicProvider,
                       String digestProvider) {
        public static final Auth NONE = new Auth(null, null, null, null, null, null, null, null);

        /** This scope's settings over {@code outer}'s. */
        public Auth over(Auth outer) {
            if (this.equals(NONE)) return outer;
            if (outer.equals(NONE)) return this;
            return new Auth(or(accessScript, outer.accessScript), or(userScript, outer.userScript),
                    or(groupScript, outer.groupScript), or(groupAuthoritative, outer.groupAuthoritative),
                    or(type, outer.type), or(name, outer.name), or(basicProvider, outer.basicProvider),
                    or(digestProvider, outer.digestProvider));
        }

        /** Whether any hook script is configured here (then the site needs its hook process group). */
        public boolean hasScripts() {
            return accessScript != null || userScript != null || groupScript != null;
        }

        private static <T> T or(T inner, T outer) {
            return inner != null ? inner : outer;
        }
    }

    /**
     * {@code SetEnvIf attribute regex [!]name[=value] ...}: when the request's attribute (Remote_Addr, Request_Method,
     * Request_Protocol, Request_URI, Server_Addr, or a request header) matches, each name is set (to its value, "1"
     * without one) or, with '!', unset.
     */
    public record EnvCondition(String attribute, Pattern regex, Map<String, String> set, Source source) {
        public EnvCondition {
            set = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(set));
        }
    }

    /** What an {@code ErrorDocument} answers with. */
    public enum DocumentKind {
        /** a message: the body, as text/html */
        TEXT,
        /** a local URL path: its content (a static file), with the error's status */
        LOCAL,
        /** an http(s) URL: a 302 to it */
        REMOTE,
        /** {@code default}: the front end's own page, whatever an outer scope said */
        DEFAULT
    }

    /** {@code ErrorDocument CODE ACTION}: the message, path or URL ({@code value}) that answers status CODE. */
    public record ErrorDocument(DocumentKind kind, String value, Source source) {}

    /** {@code Header set|append|add|unset|merge NAME [VALUE]}: an edit of the response's headers. */
    public record HeaderEdit(String action, String name, String value) {}

    /** Which kind of section, hence what it is matched against. */
    public enum SectionKind { DIRECTORY, FILES, LOCATION }

    /**
     * A {@code <Directory>}, {@code <Files>} or {@code <Location>} section (or its ...Match form, {@code regex}).
     * Directory and Files match the file a request maps to; Location matches the URL. {@code pattern} is the text
     * as written for a wildcard section (null for a regex one); {@code regex} is what is matched either way.
     * {@code within} is the enclosing Directory of a nested {@code <Files>}, or null.
     */
    public record Section(SectionKind kind, String pattern, Pattern regex, Scope scope, Section within,
                          Source source) {}

    /**
     * A {@code WSGIDaemonProcess}.
     *
     * @param name        the group's name
     * @param serverName  the ServerName of the virtual host that declared it (only those may use it), or null
     * @param words       start-server words for its options (--processes 2, --threads 15, ...)
     * @param home        home=, or null
     * @param preloads    scripts loaded at process start (WSGIScriptAlias with both groups given, WSGIImportScript)
     * @param environment process environment variables its interpreter reads at start (WSGIPythonOptimize is
     *                    PYTHONOPTIMIZE, WSGIPythonWarnings PYTHONWARNINGS, WSGIPythonEggs PYTHON_EGG_CACHE)
     * @param subinterpreters whether its processes may see more than one application group, and so run each but
     *                    %{GLOBAL} in a sub-interpreter of its own
     */
    public record ProcessGroup(String name, String serverName, List<Word> words, Path home, List<Preload> preloads,
                               Map<String, String> environment, boolean subinterpreters, Source source) {
        public ProcessGroup {
            words = List.copyOf(words);
            preloads = List.copyOf(preloads);
            environment = Map.copyOf(environment);
        }
    }

    /** A script a process group loads at start, into an application group ('' is %{GLOBAL}). */
    public record Preload(Path script, String callableObject, String applicationGroup, boolean importOnly) {}
}
