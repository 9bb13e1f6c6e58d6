package io.jwsgi.cli;

import io.jwsgi.Server;
import io.jwsgi.config.ConfigException;
import io.jwsgi.config.Environment;
import io.jwsgi.config.ServerConfig;
import io.jwsgi.config.StartServerSettings;
import io.jwsgi.config.Version;
import io.jwsgi.site.SiteLoader;
import java.io.PrintStream;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/** The {@code jwsgi} command: picks the subcommand, turns configuration errors into exit status 2. */
public final class Main {
    private static final String COMMANDS = """
            usage: jwsgi <command> [options]

            Commands:
              start-server [SCRIPT] [options]  Run the WSGI application in SCRIPT in the foreground.
              setup-server [SCRIPT] [options]  Write the server root and its control script (apachectl
                                               start|stop|restart|graceful|configtest) without starting.
              serve FILE [-D NAME]... [options]
                                               Run the site an Apache-style configuration file describes
                                               (WSGIDaemonProcess, WSGIScriptAlias, <VirtualHost>, ...) in
                                               the foreground; start-server options after it override it.
                                               -D defines a name for <IfDefine> and ${NAME}; -d DIR is the
                                               directory relative paths resolve against (default: the file's).
              configtest [options]             Check start-server options and exit ("Syntax OK").
              configtest FILE.conf | -f FILE   Check a configuration file: every error with its file:line.
              install-package [--python PATH] [--user] [--uninstall]
                                               Make the Django integration (manage.py runmodwsgi) importable
                                               by that interpreter; says what it wrote where.
              settings-doc                     Print the start-server options as Markdown (docs/settings.md).
              aot-training [options]           The run ./jwsgi makes once per build to train the JDK's
                                               start-up cache (a hello application on a loopback port).

            Options:
              --help     Show this list.
              --version  Print the version.

            Run 'jwsgi start-server --help' for the server's options.
            """;

    private final PrintStream out;
    private final PrintStream err;
    private final Supplier<Environment> environment;
    private final ToIntFunction<ServerConfig> server;
    private final ToIntFunction<SiteLoader.Plan> site;

    Main(PrintStream out, PrintStream err, Supplier<Environment> environment, ToIntFunction<ServerConfig> server) {
        this(out, err, environment, server, Server::run);
    }

    Main(PrintStream out, PrintStream err, Supplier<Environment> environment, ToIntFunction<ServerConfig> server,
         ToIntFunction<SiteLoader.Plan> site) {
        this.out = out;
        this.err = err;
        this.environment = environment;
        this.server = server;
        this.site = site;
    }

    public static void main(String[] args) {
        System.exit(new Main(System.out, System.err, Environment::current, Server::run, Server::run)
                .run(List.of(args)));
    }

    /** Runs one command; returns the exit status. */
    int run(List<String> args) {
        try {
            return dispatch(args);
        } catch (ConfigException e) {
            err.println("jwsgi: " + e.getMessage());
            return ExitCode.USAGE.code();
        } catch (SiteLoader.Invalid e) {
            for (var problem : e.problems()) err.println(problem);
            err.println("jwsgi: " + e.problems().size() + " error" + (e.problems().size() == 1 ? "" : "s")
                    + " in the configuration; nothing was started");
            return ExitCode.USAGE.code();
        } catch (RuntimeException | Error e) {
            err.println("jwsgi: internal error: " + e);
            e.printStackTrace(err);
            return ExitCode.INTERNAL_ERROR.code();
        }
    }

    private int dispatch(List<String> args) {
        if (args.isEmpty()) {
            err.print(COMMANDS);
            return ExitCode.USAGE.code();
        }
        List<String> rest = args.subList(1, args.size());
        return switch (args.getFirst()) {
            case "--help", "-h", "help" -> print(COMMANDS);
            case "--version" -> print("jwsgi " + Version.current() + "\n");
            case "settings-doc" -> print(SettingsDoc.render(StartServerSettings.ALL));
            case "start-server" -> startServer(rest);
            case "setup-server" -> setupServer(rest);
            case "configtest" -> configTest(rest);
            case "serve" -> serve(rest);
            case "install-package" -> new InstallPackage(out, environment.get()).run(rest);
            case "aot-training" -> aotTraining(rest);
            default -> throw new ConfigException("unknown command '" + args.getFirst() + "' (see jwsgi --help)");
        };
    }

    private int startServer(List<String> args) {
        if (asksForHelp(args)) {
            return print(StartServerHelp.render(StartServerSettings.ALL));
        }
        Environment env = environment.get();
        ServerConfig config = ServerConfig.parse(args, env);
        if (config.operations().setupOnly()) {
            warnIgnored(config);
            ServerSetup.write(config, args, env, out);
            return ExitCode.OK.code();
        }
        return server.applyAsInt(config);
    }

    private int setupServer(List<String> args) {
        if (asksForHelp(args)) {
            return print(StartServerHelp.render(StartServerSettings.ALL));
        }
        Environment env = environment.get();
        ServerConfig config = ServerConfig.parse(args, env);
        warnIgnored(config);
        ServerSetup.write(config, args, env, out);
        return ExitCode.OK.code();
    }

    private int aotTraining(List<String> args) {
        try {
            return AotTraining.run(args, environment.get());
        } catch (java.io.IOException e) {
            err.println("jwsgi: aot-training failed: " + e);
            return ExitCode.INTERNAL_ERROR.code();
        }
    }

    /** The Apache-only options given, one warning line each (a started server logs them in its error log). */
    private void warnIgnored(ServerConfig config) {
        for (String line : config.express().ignored()) err.println("jwsgi: warning: " + line);
    }

    /** apachectl configtest: the options resolve (script, interpreter, directories, socket path all checked). */
    private int configTest(List<String> args) {
        if (asksForHelp(args)) {
            return print(StartServerHelp.render(StartServerSettings.ALL));
        }
        if (!args.isEmpty() && (args.getFirst().equals("-f") || args.getFirst().endsWith(".conf"))) {
            List<String> fileArgs = args.getFirst().equals("-f") ? args.subList(1, args.size()) : args;
            SiteLoader.Plan plan = load(fileArgs, "configtest");
            for (String warning : plan.site().warnings()) err.println("warning: " + warning);
            return print("Syntax OK\n");
        }
        ServerConfig.parse(args, environment.get());
        return print("Syntax OK\n");
    }

    /** {@code jwsgi serve FILE}: the site in the foreground, as start-server runs one application. */
    private int serve(List<String> args) {
        if (args.isEmpty() || asksForHelp(args)) {
            if (args.isEmpty()) throw new ConfigException("serve: which configuration file? (jwsgi serve FILE)");
            return print(COMMANDS);
        }
        SiteLoader.Plan plan = load(args, "serve");
        for (String warning : plan.site().warnings()) err.println("jwsgi: warning: " + warning);
        return site.applyAsInt(plan);
    }

    /** FILE, then -D NAME / -DNAME and -d DIR in any order, then start-server options for every part of the site. */
    private SiteLoader.Plan load(List<String> args, String command) {
        if (args.isEmpty() || args.getFirst().startsWith("-")) {
            throw new ConfigException(command + ": the configuration file comes first (jwsgi " + command + " FILE)");
        }
        java.nio.file.Path file = java.nio.file.Path.of(args.getFirst());
        java.util.Set<String> defines = new java.util.LinkedHashSet<>();
        java.nio.file.Path root = null;
        List<String> words = new java.util.ArrayList<>();
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("-D") || a.equals("-d")) {
                if (i + 1 >= args.size()) throw new ConfigException(a + ": needs a value");
                if (a.equals("-D")) defines.add(args.get(++i));
                else root = java.nio.file.Path.of(args.get(++i));
            } else if (a.startsWith("-D") && a.length() > 2) {
                defines.add(a.substring(2));
            } else {
                words.add(a);
            }
        }
        Environment env = environment.get();
        if (!java.nio.file.Files.isRegularFile(env.cwd().resolve(file))) {
            throw new ConfigException(command + ": no such configuration file: " + env.cwd().resolve(file).normalize());
        }
        return SiteLoader.load(file, defines, root, words, env);
    }

    /** {@code --help} anywhere before {@code --}, so it works appended to a long command line. */
    private static boolean asksForHelp(List<String> args) {
        for (String arg : args) {
            if (arg.equals("--")) {
                return false;
            }
            if (arg.equals("--help") || arg.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    private int print(String text) {
        out.print(text);
        out.flush();
        return ExitCode.OK.code();
    }
}
