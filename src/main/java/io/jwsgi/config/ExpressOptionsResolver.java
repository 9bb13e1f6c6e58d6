package io.jwsgi.config;

import static io.jwsgi.config.StartServerSettings.ALLOW_OVERRIDE;
import static io.jwsgi.config.StartServerSettings.DISABLE_RELOADING;
import static io.jwsgi.config.StartServerSettings.ENVVARS_SCRIPT;
import static io.jwsgi.config.StartServerSettings.ERROR_DOCUMENT;
import static io.jwsgi.config.StartServerSettings.ERROR_OVERRIDE;
import static io.jwsgi.config.StartServerSettings.IGNORED_OPTIONS;
import static io.jwsgi.config.StartServerSettings.MAP_HEAD_TO_GET;
import static io.jwsgi.config.StartServerSettings.ORPHAN_INTERPRETER;
import static io.jwsgi.config.StartServerSettings.PYTHON_EGGS;
import static io.jwsgi.config.StartServerSettings.PYTHON_WARNINGS;
import static io.jwsgi.config.StartServerSettings.REFUSED_OPTIONS;
import static io.jwsgi.config.StartServerSettings.REWRITE_RULES;
import static io.jwsgi.config.StartServerSettings.SERVER_METRICS;
import static io.jwsgi.config.StartServerSettings.SLOW_REQUESTS;
import static io.jwsgi.config.StartServerSettings.SWITCH_INTERVAL;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds {@link ExpressOptions}: checks the values, and words the warning of each Apache-only option given. */
final class ExpressOptionsResolver {
    private ExpressOptionsResolver() {}

    static ExpressOptions resolve(Arguments args, Path serverRoot, Path cwd) {
        refuse(args, cwd);
        Map<Integer, ErrorDocument> documents = new LinkedHashMap<>();
        for (Map.Entry<String, String> pair : args.values(ERROR_DOCUMENT)) {
            try {
                int status = ErrorDocument.status(pair.getKey());
                documents.put(status, ErrorDocument.of(status, pair.getValue()));
            } catch (InvalidValueException e) {
                throw new ConfigException(ERROR_DOCUMENT.flag() + ": " + e.getMessage());
            }
        }
        Path eggs = args.value(PYTHON_EGGS) == null ? null : cwd.resolve(args.value(PYTHON_EGGS)).normalize();
        Path envvars = envvarsScript(args, serverRoot, cwd);
        List<String> ignored = new ArrayList<>();
        for (Setting<?> s : IGNORED_OPTIONS) {
            if (args.isGiven(s)) {
                ignored.add("option ignored: " + s.flag() + ": " + s.help().replaceFirst("^Ignored, with a warning: ", ""));
            }
        }
        return new ExpressOptions(
                args.value(MAP_HEAD_TO_GET).equalsIgnoreCase("on"),
                args.isGiven(ERROR_OVERRIDE),
                documents,
                !args.isGiven(DISABLE_RELOADING),
                eggs,
                args.values(PYTHON_WARNINGS),
                args.value(SWITCH_INTERVAL),
                args.isGiven(ORPHAN_INTERPRETER),
                envvars,
                args.isGiven(SERVER_METRICS),
                args.value(SLOW_REQUESTS),
                ignored);
    }

    /** An explicit script must exist; the default one is used only when it does (mod_wsgi-express writes it). */
    private static Path envvarsScript(Arguments args, Path serverRoot, Path cwd) {
        Path given = args.value(ENVVARS_SCRIPT);
        if (given == null) {
            Path fallback = serverRoot.resolve("envvars");
            return Files.isRegularFile(fallback) ? fallback : null;
        }
        Path script = cwd.resolve(given).normalize();
        if (!Files.isRegularFile(script)) {
            throw new ConfigException(ENVVARS_SCRIPT.flag() + ": no such file: " + script);
        }
        return script;
    }

    /**
     * The options that would change what is served in a way jwsgi cannot: an error, except the values that ask for
     * nothing ({@code --allow-override None}, a rewrite file without directives), which old command lines carry.
     */
    private static void refuse(Arguments args, Path cwd) {
        for (Setting<?> s : REFUSED_OPTIONS) {
            if (!args.isGiven(s)) continue;
            if (s == ALLOW_OVERRIDE && args.values(ALLOW_OVERRIDE).stream().allMatch(v -> v.equalsIgnoreCase("none"))) {
                continue;
            }
            if (s == REWRITE_RULES && withoutDirectives(cwd.resolve(args.value(REWRITE_RULES)).normalize())) continue;
            String given = s == ALLOW_OVERRIDE ? " " + String.join(",", args.values(ALLOW_OVERRIDE)) : "";
            throw new ConfigException(s.flag() + given + ": " + s.help().replaceFirst("^Refused: ", ""));
        }
    }

    private static boolean withoutDirectives(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(REWRITE_RULES.flag() + ": no such file: " + file);
        }
        try {
            return Files.readAllLines(file).stream().map(String::strip)
                    .allMatch(line -> line.isEmpty() || line.startsWith("#"));
        } catch (IOException e) {
            throw new ConfigException(REWRITE_RULES.flag() + ": cannot read " + file + ": " + e.getMessage());
        }
    }
}
