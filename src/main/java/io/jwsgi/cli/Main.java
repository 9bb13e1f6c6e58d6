package io.jwsgi.cli;

import io.jwsgi.Server;
import io.jwsgi.config.ConfigException;
import io.jwsgi.config.Environment;
import io.jwsgi.config.ServerConfig;
import io.jwsgi.config.StartServerSettings;
import io.jwsgi.config.Version;
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
              configtest [options]             Check start-server options and exit ("Syntax OK").
              settings-doc                     Print the start-server options as Markdown (docs/settings.md).

            Options:
              --help     Show this list.
              --version  Print the version.

            Run 'jwsgi start-server --help' for the server's options.
            """;

    private final PrintStream out;
    private final PrintStream err;
    private final Supplier<Environment> environment;
    private final ToIntFunction<ServerConfig> server;

    Main(PrintStream out, PrintStream err, Supplier<Environment> environment, ToIntFunction<ServerConfig> server) {
        this.out = out;
        this.err = err;
        this.environment = environment;
        this.server = server;
    }

    public static void main(String[] args) {
        System.exit(new Main(System.out, System.err, Environment::current, Server::run).run(List.of(args)));
    }

    /** Runs one command; returns the exit status. */
    int run(List<String> args) {
        try {
            return dispatch(args);
        } catch (ConfigException e) {
            err.println("jwsgi: " + e.getMessage());
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
        ServerSetup.write(config, args, env, out);
        return ExitCode.OK.code();
    }

    /** apachectl configtest: the options resolve (script, interpreter, directories, socket path all checked). */
    private int configTest(List<String> args) {
        if (asksForHelp(args)) {
            return print(StartServerHelp.render(StartServerSettings.ALL));
        }
        ServerConfig.parse(args, environment.get());
        return print("Syntax OK\n");
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
