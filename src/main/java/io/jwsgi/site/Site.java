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
     * Settings that can be given at server, virtual host and section level; null means "not said here".
     *
     * @param processGroup     WSGIProcessGroup
     * @param applicationGroup WSGIApplicationGroup
     * @param callableObject   WSGICallableObject
     * @param passAuthorization WSGIPassAuthorization
     * @param chunkedRequest   WSGIChunkedRequest
     * @param access           the Require rules of this scope, or null
     * @param setenv           SetEnv values (a null value: UnsetEnv)
     */
    public record Scope(String processGroup, String applicationGroup, String callableObject,
                        Boolean passAuthorization, Boolean chunkedRequest, AccessRule access,
                        Map<String, String> setenv) {
        public static final Scope EMPTY = new Scope(null, null, null, null, null, null, Map.of());

        /** This scope's settings over {@code outer}'s: what is said here wins. */
        public Scope over(Scope outer) {
            // Routing merges per request: copy the (unmodifiable) SetEnv maps only when both sides have some.
            Map<String, String> env;
            if (setenv.isEmpty()) {
                env = outer.setenv;
            } else if (outer.setenv.isEmpty()) {
                env = setenv;
            } else {
                java.util.LinkedHashMap<String, String> both = new java.util.LinkedHashMap<>(outer.setenv);
                both.putAll(setenv);
                env = java.util.Collections.unmodifiableMap(both);
            }
            return new Scope(
                    processGroup != null ? processGroup : outer.processGroup,
                    applicationGroup != null ? applicationGroup : outer.applicationGroup,
                    callableObject != null ? callableObject : outer.callableObject,
                    passAuthorization != null ? passAuthorization : outer.passAuthorization,
                    chunkedRequest != null ? chunkedRequest : outer.chunkedRequest,
                    access != null ? access : outer.access,
                    env);
        }
    }

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
     */
    public record ProcessGroup(String name, String serverName, List<Word> words, Path home, List<Preload> preloads,
                               Source source) {
        public ProcessGroup {
            words = List.copyOf(words);
            preloads = List.copyOf(preloads);
        }
    }

    /** A script a process group loads at start, into an application group ('' is %{GLOBAL}). */
    public record Preload(Path script, String callableObject, String applicationGroup, boolean importOnly) {}
}
