package io.jwsgi.cli;

import io.jwsgi.config.Arguments;
import io.jwsgi.config.ConfigException;
import io.jwsgi.config.Environment;
import io.jwsgi.config.ServerConfig;
import io.jwsgi.config.StartServerSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code setup-server} (and {@code start-server --setup-only}): writes the server root without starting anything —
 * {@code server.args}, the start-server arguments the server will run with, one per line (the saved configuration:
 * edit it and run {@code apachectl configtest}); {@code server.conf}, every resolved setting, for reading; and
 * {@code apachectl}, the control script (start, stop, restart, graceful, graceful-stop, configtest, status).
 *
 * <p>The saved arguments are the ones given, minus {@code --setup-only} and {@code --isatty}, with what the
 * environment decided pinned down: the server root, the interpreter and the working directory. The control script
 * changes to the directory setup ran in, so relative paths in the arguments keep their meaning.
 */
final class ServerSetup {
    static final String ARGS_FILE = "server.args";
    static final String CONF_FILE = "server.conf";
    static final String CONTROL_SCRIPT = "apachectl";
    static final String OUTPUT_FILE = "jwsgi.out";
    private static final Set<String> DROPPED = Set.of("--setup-only", "--isatty");

    private ServerSetup() {}

    static void write(ServerConfig config, List<String> given, Environment environment, PrintStream out) {
        List<String> args = savedArguments(config, given);
        Path root = config.serverRoot();
        Path control = root.resolve(CONTROL_SCRIPT);
        try {
            Files.createDirectories(root);
            Files.write(root.resolve(ARGS_FILE), args);
            Files.writeString(root.resolve(CONF_FILE), describe(config));
            Files.writeString(control, ControlScript.render(launcher(environment), root, environment.cwd(),
                    config.operations().pidFile(), root.resolve(OUTPUT_FILE)));
            Files.setPosixFilePermissions(control, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new ConfigException("cannot write the server root " + root + ": " + e);
        }
        out.println("Server URL         : " + url(config));
        if (config.operations().serverStatus()) {
            out.println("Server Status      : " + url(config)
                    + io.jwsgi.config.Operations.SERVER_STATUS_PATH.substring(1));
        }
        out.println("Server Root        : " + root);
        out.println("Server Arguments   : " + root.resolve(ARGS_FILE));
        out.println("Server Settings    : " + root.resolve(CONF_FILE));
        out.println("Pid File           : " + config.operations().pidFile());
        out.println("Control Script     : " + control);
        out.flush();
    }

    /** The URL the banner prints: the --server-name when given (docs/virtual-hosts.md), else the --host. */
    static String url(ServerConfig config) {
        String host = config.serverNames().enabled() ? config.serverNames().serverName()
                : config.host() == null ? "localhost" : config.host();
        return "http://" + host + ":" + config.port() + "/";
    }

    /** The arguments apachectl starts the server with (package-private for tests). */
    static List<String> savedArguments(ServerConfig config, List<String> given) {
        List<String> args = new ArrayList<>();
        boolean options = true;
        for (String word : given) {
            if (word.indexOf('\n') >= 0 || word.indexOf('\r') >= 0) {
                throw new ConfigException("setup-server: the argument '" + word.replace("\n", "\\n")
                        + "' has a line break; server.args keeps one argument per line");
            }
            if (word.equals("--")) options = false;
            if (options && DROPPED.contains(word)) continue;
            args.add(word);
        }
        Arguments parsed = Arguments.parse(StartServerSettings.ALL, given);
        List<String> pinned = new ArrayList<>();
        if (!parsed.isGiven(StartServerSettings.SERVER_ROOT)) {
            pinned.addAll(List.of(StartServerSettings.SERVER_ROOT.flag(), config.serverRoot().toString()));
        }
        if (!parsed.isGiven(StartServerSettings.PYTHON_EXECUTABLE)) {
            pinned.addAll(List.of(StartServerSettings.PYTHON_EXECUTABLE.flag(), config.python().toString()));
        }
        if (!parsed.isGiven(StartServerSettings.WORKING_DIRECTORY)) {
            pinned.addAll(List.of(StartServerSettings.WORKING_DIRECTORY.flag(), config.workingDirectory().toString()));
        }
        int end = args.indexOf("--");
        args.addAll(end < 0 ? args.size() : end, pinned);
        return args;
    }

    /** Every component of the resolved configuration, one per line: generic, so new settings show up by themselves. */
    static String describe(ServerConfig config) {
        StringBuilder b = new StringBuilder("# The resolved configuration (generated by jwsgi setup-server; for reading:\n"
                + "# the server starts from " + ARGS_FILE + ").\n");
        for (RecordComponent c : ServerConfig.class.getRecordComponents()) {
            try {
                b.append(c.getName()).append(" = ").append(c.getAccessor().invoke(config)).append('\n');
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + c.getName(), e);
            }
        }
        return b.toString();
    }

    /**
     * How the control script runs jwsgi: the ./jwsgi launcher when this process was started by it (it says so in
     * JWSGI_LAUNCHER), else this JVM with this jar.
     */
    static List<String> launcher(Environment environment) {
        String launcher = environment.variable("JWSGI_LAUNCHER");
        if (launcher != null) return List.of(launcher);
        String java = ProcessHandle.current().info().command().orElse("java");
        try {
            Path jar = Path.of(ServerSetup.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return List.of(java, "-jar", jar.toString());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot locate the jwsgi jar", e);
        }
    }
}
