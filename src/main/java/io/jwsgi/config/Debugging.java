package io.jwsgi.config;

import static io.jwsgi.config.StartServerSettings.COVERAGE_DIRECTORY;
import static io.jwsgi.config.StartServerSettings.DEBUGGER_STARTUP;
import static io.jwsgi.config.StartServerSettings.DEBUG_MODE;
import static io.jwsgi.config.StartServerSettings.ENABLE_COVERAGE;
import static io.jwsgi.config.StartServerSettings.ENABLE_DEBUGGER;
import static io.jwsgi.config.StartServerSettings.ENABLE_GDB;
import static io.jwsgi.config.StartServerSettings.ENABLE_PROFILER;
import static io.jwsgi.config.StartServerSettings.ENABLE_RECORDER;
import static io.jwsgi.config.StartServerSettings.GDB_EXECUTABLE;
import static io.jwsgi.config.StartServerSettings.PROFILER_DIRECTORY;
import static io.jwsgi.config.StartServerSettings.RECORDER_DIRECTORY;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * mod_wsgi-express's debugging family (docs/debugging.md): what the worker's Python side does (pdb, cProfile,
 * coverage.py, the request recorder, gdb) and whether the server runs in debug mode. Any of the tools implies debug
 * mode, as in express. A directory or executable is null when its tool is off.
 *
 * @param debugMode          one process, one thread, the terminal as the worker's stdin and stdout, no timeouts, no
 *                           recycling, no reloading (applied by the resolver to the other records)
 * @param debugger           pdb post-mortem on an exception from the application
 * @param debuggerStartup    pdb at start-up, before the application loads
 * @param coverageDirectory  absolute; where .coverage and the HTML report go
 * @param profilerDirectory  absolute; one pstats file per request
 * @param recorderDirectory  absolute; the recorded requests
 * @param gdbExecutable      absolute path of the gdb that attaches to the worker
 */
public record Debugging(
        boolean debugMode,
        boolean debugger,
        boolean debuggerStartup,
        Path coverageDirectory,
        Path profilerDirectory,
        Path recorderDirectory,
        Path gdbExecutable) {

    /** Nothing on: what a configuration file's groups and the tests get. */
    public static final Debugging OFF = new Debugging(false, false, false, null, null, null, null);

    static Debugging resolve(Arguments args, Path serverRoot, Environment environment) {
        boolean debugger = args.isGiven(ENABLE_DEBUGGER);
        if (args.isGiven(DEBUGGER_STARTUP) && !debugger) {
            // mod_wsgi-express's own rule.
            throw new ConfigException(DEBUGGER_STARTUP.flag() + " needs " + ENABLE_DEBUGGER.flag());
        }
        Path cwd = environment.cwd();
        Path coverage = args.isGiven(ENABLE_COVERAGE)
                ? directory(args.value(COVERAGE_DIRECTORY), serverRoot.resolve("htmlcov"), cwd) : null;
        Path profiler = args.isGiven(ENABLE_PROFILER)
                ? directory(args.value(PROFILER_DIRECTORY), serverRoot.resolve("pstats"), cwd) : null;
        Path recorder = args.isGiven(ENABLE_RECORDER)
                ? directory(args.value(RECORDER_DIRECTORY), serverRoot.resolve("archive"), cwd) : null;
        Path gdb = args.isGiven(ENABLE_GDB) ? gdb(args.value(GDB_EXECUTABLE), environment) : null;
        boolean tool = debugger || coverage != null || profiler != null || recorder != null || gdb != null;
        return new Debugging(args.isGiven(DEBUG_MODE) || tool, debugger, args.isGiven(DEBUGGER_STARTUP), coverage,
                profiler, recorder, gdb);
    }

    private static Path directory(Path given, Path fallback, Path cwd) {
        return given == null ? fallback : cwd.resolve(given).normalize();
    }

    /** A path, or a name looked up on PATH as a shell would; missing either way is an error naming the flag. */
    private static Path gdb(String name, Environment environment) {
        Path cwd = environment.cwd();
        if (name.contains("/")) {
            Path path = cwd.resolve(name).normalize();
            if (!executable(path)) {
                throw new ConfigException(ENABLE_GDB.flag() + ": gdb '" + name + "' (" + GDB_EXECUTABLE.flag()
                        + ") is not an executable file ("
                        + path + "); install gdb (Debian: apt-get install gdb) or give its path");
            }
            return path;
        }
        String searchPath = environment.variable("PATH");
        if (searchPath != null) {
            for (String directory : searchPath.split(File.pathSeparator, -1)) {
                Path candidate = (directory.isEmpty() ? cwd : cwd.resolve(directory)).resolve(name).normalize();
                if (executable(candidate)) return candidate;
            }
        }
        throw new ConfigException(ENABLE_GDB.flag() + ": gdb '" + name + "' (" + GDB_EXECUTABLE.flag()
                + ") not found on PATH (" + searchPath + "); install gdb (Debian: apt-get install gdb) or give its path");
    }

    private static boolean executable(Path path) {
        return Files.isRegularFile(path) && Files.isExecutable(path);
    }
}
