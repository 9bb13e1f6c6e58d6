package io.jwsgi.cli;

import io.jwsgi.config.ConfigException;
import io.jwsgi.config.Environment;
import io.jwsgi.config.PythonInterpreter;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * {@code jwsgi install-package [--python PATH] [--user] [--uninstall]}: makes the Django integration importable by
 * an interpreter without pip or PyPI, by writing the jar's {@code integration/} tree (the {@code jwsgi_django}
 * package and the {@code mod_wsgi} stand-in with its {@code server} and {@code express} apps) into that
 * interpreter's site-packages, plus {@code jwsgi_django/installed.py} recording how to run this jwsgi (the
 * launcher it was started from) and which files were written.
 *
 * <p>Where: the interpreter's {@code purelib} (a virtualenv's or pyenv's site-packages) when it is writable, as pip
 * does; else, or with {@code --user}, its user site ({@code ~/.local/lib/pythonX.Y/site-packages}, or under
 * {@code PYTHONUSERBASE}). Reinstalling replaces the previous copy; {@code --uninstall} removes it from both places.
 * A {@code mod_wsgi} package that is not jwsgi's (mod_wsgi from PyPI) is never overwritten or removed.
 */
final class InstallPackage {
    private static final String PREFIX = "integration/";
    private static final List<String> PACKAGES = List.of("jwsgi_django", "mod_wsgi");
    /** A line only jwsgi's own stand-in has (src/main/integration/mod_wsgi/__init__.py). */
    private static final String MARKER = "JWSGI_INTEGRATION = True";

    /** Asks the interpreter where its packages go. One value per line, in this order. */
    private static final String PROBE = """
            import os, site, sys, sysconfig
            purelib = sysconfig.get_paths()['purelib']
            print(sys.executable)
            print('%d.%d' % sys.version_info[:2])
            print(purelib)
            print(site.getusersitepackages())
            print(1 if site.ENABLE_USER_SITE else 0)
            probe = purelib
            while not os.path.exists(probe):
                probe = os.path.dirname(probe)
            print(1 if os.access(probe, os.W_OK) else 0)
            """;

    private final PrintStream out;
    private final Environment environment;

    InstallPackage(PrintStream out, Environment environment) {
        this.out = out;
        this.environment = environment;
    }

    static final String HELP = """
            usage: jwsgi install-package [--python PATH] [--user] [--uninstall]

            Make jwsgi's Django integration importable by a Python interpreter (no pip, no PyPI): the
            packages jwsgi_django and mod_wsgi (with the Django apps mod_wsgi.server and mod_wsgi.express),
            so that "python manage.py runmodwsgi" runs the project on this jwsgi.

              --python PATH  the interpreter (default: python3 on PATH); a virtualenv's bin/python installs
                             into that virtualenv
              --user         write into the interpreter's user site even if its site-packages is writable
              --uninstall    remove what an earlier install-package wrote (both places)

            Prints every file it writes or removes. Running it again replaces the previous copy.
            """;

    int run(List<String> args) {
        String python = null;
        boolean user = false;
        boolean uninstall = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "--help", "-h" -> {
                    out.print(HELP);
                    return ExitCode.OK.code();
                }
                case "--user" -> user = true;
                case "--uninstall" -> uninstall = true;
                case "--python" -> {
                    if (i + 1 >= args.size()) throw new ConfigException("install-package: --python needs a PATH");
                    python = args.get(++i);
                }
                default -> {
                    if (arg.startsWith("--python=")) python = arg.substring("--python=".length());
                    else throw new ConfigException("install-package: unknown option '" + arg + "' (see jwsgi install-package --help)");
                }
            }
        }
        Interpreter interpreter = probe(PythonInterpreter.locate(python, environment));
        return uninstall ? uninstall(interpreter) : install(interpreter, user);
    }

    /** What the interpreter said about itself. */
    record Interpreter(Path requested, String executable, String version, Path purelib, Path userSite,
                       boolean userSiteEnabled, boolean purelibWritable) {}

    private Interpreter probe(Path python) {
        List<String> lines = runPython(python, List.of("-c", PROBE), "ask it where its packages go");
        if (lines.size() < 6) {
            throw new ConfigException("install-package: " + python + " (--python) did not answer as CPython 3 does: " + lines);
        }
        return new Interpreter(python, lines.get(0), lines.get(1), Path.of(lines.get(2)), Path.of(lines.get(3)),
                lines.get(4).equals("1"), lines.get(5).equals("1"));
    }

    private int install(Interpreter python, boolean user) {
        Path target;
        if (user || !python.purelibWritable()) {
            if (!python.userSiteEnabled()) {
                throw new ConfigException("install-package: " + (user
                        ? "--user: " + python.requested() + " has its user site turned off (a virtualenv, or "
                                + "PYTHONNOUSERSITE); install without --user"
                        : python.purelib() + " is not writable and " + python.requested() + " has no user site; run "
                                + "as a user who can write there, or use a virtualenv"));
            }
            target = python.userSite();
            if (!user) out.println(python.purelib() + " is not writable: installing into the user site");
        } else {
            target = python.purelib();
        }
        Map<String, byte[]> files = integrationFiles();
        refuseForeignModWsgi(target);
        for (String pkg : PACKAGES) removeTree(target.resolve(pkg), false);
        List<String> launcher = ServerSetup.launcher(environment);
        List<Path> written = new ArrayList<>();
        try {
            for (var e : files.entrySet()) {
                Path file = target.resolve(e.getKey());
                Files.createDirectories(file.getParent());
                Files.write(file, e.getValue());
                written.add(file);
            }
            Path installed = target.resolve("jwsgi_django/installed.py");
            written.add(installed);
            Files.writeString(installed, installedModule(launcher, written), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("install-package: cannot write into " + target + ": " + e.getMessage());
        }
        out.println("jwsgi install-package: for " + python.executable() + " (Python " + python.version() + ") wrote "
                + written.size() + " files into " + target + ":");
        for (Path p : written) out.println("  " + p);
        out.println("runmodwsgi will run: " + String.join(" ", launcher));
        // The proof: the interpreter imports what was written (without Django, which it may lack).
        runPython(python.requested(), List.of("-c", "import jwsgi_django.launcher, mod_wsgi.server, mod_wsgi.express"),
                "import the packages just written into " + target);
        out.println("Add 'jwsgi_django' to INSTALLED_APPS ('mod_wsgi.server' and 'mod_wsgi.express' work too), then: "
                + "python manage.py runmodwsgi [start-server options]");
        out.println("To remove it: jwsgi install-package --uninstall --python " + python.requested());
        return ExitCode.OK.code();
    }

    private int uninstall(Interpreter python) {
        int removed = 0;
        for (Path site : List.of(python.purelib(), python.userSite())) {
            if (!Files.isRegularFile(site.resolve("jwsgi_django/installed.py"))) continue;
            refuseForeignModWsgi(site);
            for (String pkg : PACKAGES) removed += removeTree(site.resolve(pkg), true);
        }
        out.println(removed == 0
                ? "jwsgi install-package: nothing to remove for " + python.executable()
                : "jwsgi install-package: removed " + removed + " files for " + python.executable());
        return ExitCode.OK.code();
    }

    private static void refuseForeignModWsgi(Path site) {
        Path init = site.resolve("mod_wsgi/__init__.py");
        Path dir = site.resolve("mod_wsgi");
        try {
            if (Files.exists(dir) && !(Files.isRegularFile(init) && Files.readString(init).contains(MARKER))) {
                throw new ConfigException("install-package: " + dir + " is a mod_wsgi package that is not jwsgi's "
                        + "(mod_wsgi from PyPI?); it is left alone: uninstall it (pip uninstall mod_wsgi) or use a "
                        + "virtualenv without it");
            }
        } catch (IOException e) {
            throw new ConfigException("install-package: cannot read " + init + ": " + e.getMessage());
        }
    }

    /** Deletes a package directory this command wrote; returns how many files went. */
    private int removeTree(Path dir, boolean say) {
        if (!Files.exists(dir)) return 0;
        int files = 0;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                boolean file = Files.isRegularFile(p);
                Files.delete(p);
                if (file) {
                    files++;
                    if (say) out.println("  removed " + p);
                }
            }
        } catch (IOException e) {
            throw new ConfigException("install-package: cannot remove " + dir + ": " + e.getMessage());
        }
        return files;
    }

    private static String installedModule(List<String> launcher, List<Path> files) {
        StringBuilder b = new StringBuilder("# Written by jwsgi install-package; rewritten by each run, removed by --uninstall.\n");
        b.append("# How runmodwsgi runs jwsgi (before the subcommand):\nCOMMAND = [");
        for (String s : launcher) b.append(pyString(s)).append(", ");
        b.append("]\n# What install-package wrote:\nFILES = [\n");
        for (Path p : files) b.append("    ").append(pyString(p.toString())).append(",\n");
        return b.append("]\n").toString();
    }

    private static String pyString(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** The jar's integration/ tree: relative path → bytes. */
    private static Map<String, byte[]> integrationFiles() {
        Map<String, byte[]> files = new TreeMap<>();
        try {
            Path source = Path.of(InstallPackage.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(source)) { // running from target/classes (tests)
                Path root = source.resolve(PREFIX);
                try (Stream<Path> walk = Files.walk(root)) {
                    for (Path p : walk.filter(Files::isRegularFile).toList()) {
                        files.put(root.relativize(p).toString(), Files.readAllBytes(p));
                    }
                }
            } else {
                try (JarFile jar = new JarFile(source.toFile())) {
                    for (JarEntry e : java.util.Collections.list(jar.entries())) {
                        if (!e.isDirectory() && e.getName().startsWith(PREFIX)) {
                            try (InputStream in = jar.getInputStream(e)) {
                                files.put(e.getName().substring(PREFIX.length()), in.readAllBytes());
                            }
                        }
                    }
                }
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot read the Django integration from the jwsgi jar", e);
        }
        if (!files.containsKey("jwsgi_django/__init__.py")) {
            throw new IllegalStateException("the Django integration is missing from the jwsgi jar");
        }
        return files;
    }

    private List<String> runPython(Path python, List<String> args, String purpose) {
        List<String> command = new ArrayList<>();
        command.add(python.toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(environment.variables());
        pb.directory(environment.cwd().toFile());
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = p.waitFor();
            if (status != 0) {
                throw new ConfigException("install-package: " + python + " (--python) could not " + purpose
                        + " (exit status " + status + "):\n" + output.strip());
            }
            return output.lines().toList();
        } catch (IOException e) {
            throw new ConfigException("install-package: cannot run " + python + " (--python): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException("install-package: interrupted while running " + python);
        }
    }
}
