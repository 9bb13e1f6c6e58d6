package io.jwsgi.site;

import io.jwsgi.config.ConfigException;
import io.jwsgi.config.Environment;
import io.jwsgi.config.ServerConfig;
import io.jwsgi.site.Site.Listen;
import io.jwsgi.site.Site.ProcessGroup;
import io.jwsgi.site.Site.Word;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A configuration file to what the server starts: read ({@link ConfigReader}), interpreted ({@link SiteBuilder}),
 * then resolved into the same {@link ServerConfig} records {@code start-server}'s flags give, one for the front end
 * and one per process group. Every setting thus has one parser and one default, whichever way it was given; what a
 * file changes from express's defaults is written as words ({@link DaemonOptions#DEFAULTS}).
 */
public final class SiteLoader {
    private SiteLoader() {}

    /** One process group: its declaration and its settings. */
    public record Group(ProcessGroup group, ServerConfig config) {}

    /**
     * @param frontEnd the front end's settings (listeners, logs, limits, TLS)
     * @param listens  the Listen directives after the first (which is {@code frontEnd}'s port); with
     *                 {@code express}, every Listen
     * @param express  start-server's application is served too: requests no mount of the site takes go to it
     *                 ({@code --include-file})
     */
    public record Plan(Site site, ServerConfig frontEnd, List<Group> groups, Router router, List<Listen> listens,
                       Path file, boolean express) {}

    /** Every problem in the file, each with its {@code file:line}; the message has one per line. */
    public static final class Invalid extends RuntimeException {
        private final List<ConfigProblem> problems;

        Invalid(List<ConfigProblem> problems) {
            super(String.join("\n", problems.stream().map(ConfigProblem::toString).toList()));
            this.problems = List.copyOf(problems);
        }

        public List<ConfigProblem> problems() {
            return problems;
        }
    }

    /**
     * A group's settings: {@code before} (the front end's words), the group's own options, {@code after} (the
     * command line's), its name. A bad value names the directive it came from ({@code context} holds the front-end
     * words it may also have come from), else the WSGIDaemonProcess.
     */
    private static Group group(ProcessGroup g, List<String> before, List<String> after, List<Word> context,
                               Environment environment) {
        List<String> words = new ArrayList<>(before);
        for (Word w : g.words()) words.add(w.text());
        words.addAll(after);
        words.add("--process-group");
        words.add(g.name());
        try {
            return new Group(g, ServerConfig.parse(words, environment));
        } catch (ConfigException e) {
            List<Word> all = new ArrayList<>(context);
            all.addAll(g.words());
            Source at = where(all, e.getMessage(), null);
            throw new Invalid(List.of(new ConfigProblem(at == null ? g.source() : at, "WSGIDaemonProcess "
                    + g.name() + ": " + e.getMessage())));
        }
    }

    /** The directive a "--flag: message" came from: the last word spelling that flag, else {@code fallback}. */
    private static Source where(List<Word> words, String message, Path fallback) {
        int colon = message.indexOf(':');
        String flag = colon > 0 ? message.substring(0, colon) : message;
        for (int i = words.size() - 1; i >= 0; i--) {
            if (words.get(i).text().equals(flag)) return words.get(i).source();
        }
        return fallback == null ? null : new Source(fallback, 1);
    }

    /**
     * @param defines    {@code -D NAME} from the command line
     * @param serverRoot the directory relative paths in the file resolve against (Apache's ServerRoot): the
     *                   file's own directory unless given
     * @param extraWords start-server words from the command line, applied to the front end and every group after
     *                   the file's (so {@code --port} or {@code --server-root} given there win)
     */
    public static Plan load(Path file, Set<String> defines, Path serverRoot, List<String> extraWords,
                            Environment environment) {
        Path absolute = environment.cwd().resolve(file).normalize();
        Path root = serverRoot != null ? environment.cwd().resolve(serverRoot).normalize()
                : absolute.getParent() == null ? environment.cwd() : absolute.getParent();
        ConfigReader.Result read = ConfigReader.read(absolute, environment.variables(), new LinkedHashSet<>(defines),
                root, ConfigReader.MODULES);
        List<ConfigProblem> problems = new ArrayList<>(read.errors());
        SiteBuilder.Result built = SiteBuilder.build(read.directives(), root, environment.variables());
        problems.addAll(built.errors());
        Site site = built.site();
        if (problems.isEmpty() && site.groups().isEmpty()) {
            problems.add(new ConfigProblem(new Source(absolute, 1), "no WSGIDaemonProcess: a site needs at least one"
                    + " daemon process group and a WSGIScriptAlias delegated to it"));
        }
        if (!problems.isEmpty()) throw new Invalid(problems);

        List<String> common = new ArrayList<>();
        for (Word w : site.frontEnd()) common.add(w.text());
        // The SSLEngine virtual host's port is the HTTPS listener; the first other Listen the plain one.
        int https = common.contains("--https-port")
                ? Integer.parseInt(common.get(common.lastIndexOf("--https-port") + 1)) : -1;
        List<Listen> plain = site.listens().stream().filter(l -> l.port() != https).toList();
        if (!plain.isEmpty()) {
            Listen first = plain.getFirst();
            if (first.host() != null) {
                common.add("--host");
                common.add(first.host());
            }
            common.add("--port");
            common.add(Integer.toString(first.port()));
        }
        List<Group> groups = new ArrayList<>();
        int capacity = 0;
        for (ProcessGroup g : site.groups()) {
            Group group = group(g, common, extraWords, site.frontEnd(), environment);
            capacity += group.config().processes() * group.config().threads();
            groups.add(group);
        }
        List<String> front = new ArrayList<>(common);
        front.addAll(extraWords);
        if (!extraWords.contains("--max-clients")) {
            // Apache's MaxRequestWorkers has no counterpart: every group's threads, as express sizes one group's.
            front.add("--max-clients");
            front.add(Integer.toString(10 + Math.max(10, (int) (1.5 * capacity))));
        }
        ServerConfig frontEnd;
        try {
            frontEnd = ServerConfig.parse(front, environment);
        } catch (ConfigException e) {
            throw new Invalid(List.of(new ConfigProblem(where(site.frontEnd(), e.getMessage(), absolute),
                    e.getMessage())));
        }
        List<Listen> more = plain.size() > 1 ? plain.subList(1, plain.size()) : List.of();
        return new Plan(site, frontEnd, groups, new Router(site.hosts()), more, absolute, false);
    }

    /**
     * start-server's {@code --include-file}s: their directives add mounts, groups, aliases and access rules in front
     * of the express application. The front end stays start-server's: a directive that would change it (Timeout,
     * LogLevel, ...) is an error naming the start-server option to use instead.
     */
    public static Plan include(ServerConfig express, Environment environment) {
        List<Directive> directives = new ArrayList<>();
        List<ConfigProblem> problems = new ArrayList<>();
        for (Path file : express.includeFiles()) {
            ConfigReader.Result read = ConfigReader.read(file, environment.variables(), Set.of(), file.getParent(),
                    ConfigReader.MODULES);
            problems.addAll(read.errors());
            directives.addAll(read.directives());
        }
        Path first = express.includeFiles().getFirst();
        SiteBuilder.Result built = SiteBuilder.build(directives, first.getParent(), environment.variables());
        problems.addAll(built.errors());
        Site site = built.site();
        for (Word w : site.frontEnd()) {
            if (w.text().startsWith("--")) {
                problems.add(new ConfigProblem(w.source(), "in an --include-file this would change the front end:"
                        + " give start-server's " + w.text() + " instead"));
            }
        }
        for (ProcessGroup g : site.groups()) {
            if (g.name().equals(express.processGroup())) {
                problems.add(new ConfigProblem(g.source(), "process group '" + g.name() + "' is start-server's own"
                        + " (--process-group); give this WSGIDaemonProcess another name"));
            }
        }
        if (!problems.isEmpty()) throw new Invalid(problems);
        List<String> common = new ArrayList<>(List.of("--python", express.python().toString(), "--server-root",
                express.serverRoot().toString(), "--port", Integer.toString(express.port())));
        if (express.host() != null) common.addAll(List.of("--host", express.host()));
        List<Group> groups = new ArrayList<>();
        for (ProcessGroup g : site.groups()) groups.add(group(g, common, List.of(), List.of(), environment));
        return new Plan(site, express, groups, new Router(site.hosts()), site.listens(), first, true);
    }
}
