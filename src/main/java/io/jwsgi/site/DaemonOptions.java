package io.jwsgi.site;

import io.jwsgi.config.Arguments;
import io.jwsgi.config.ConfigException;
import io.jwsgi.config.Setting;
import io.jwsgi.config.StartServerSettings;
import io.jwsgi.site.Site.Word;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The options of {@code WSGIDaemonProcess NAME option=value ...}, turned into the {@code start-server} words of the
 * same settings: each option is declared once, in {@link StartServerSettings}, and has one name as a flag, as a
 * directive option, in the docs and in the logs. An option named like a worker-process setting is that setting;
 * the few mod_wsgi spells differently are in {@link #RENAMED}. Values are checked by the same parser the flags use,
 * so {@code processes=two} gets the message {@code --processes two} would, with the directive's {@code file:line}.
 *
 * <p>A configuration file gets mod_wsgi's defaults where they differ from mod_wsgi-express's ({@link #DEFAULTS}:
 * 15 threads, no queue, request or start-up timeout, a 300-second deadlock timeout), placed before the options so
 * that what the file says wins.
 */
public final class DaemonOptions {
    private DaemonOptions() {}

    /** mod_wsgi's WSGIDaemonProcess defaults (feature catalogue §3.1) where express's differ. */
    static final List<String> DEFAULTS = List.of("--threads", "15", "--queue-timeout", "0", "--request-timeout", "0",
            "--startup-timeout", "0", "--deadlock-timeout", "300");

    /** mod_wsgi option → jwsgi setting, where the names differ. */
    static final Map<String, String> RENAMED = Map.of(
            "listen-backlog", "daemon-backlog",
            "display-name", "process-name");

    /** Settings of the SERVER section that a group may also set for itself (mod_wsgi has them per group). */
    private static final Set<String> PER_GROUP = Set.of("socket-timeout", "switch-interval", "server-metrics");

    /** Options mod_wsgi has for its own sockets or platform that mean nothing here; accepted, with the reason. */
    static final Map<String, String> NO_EFFECT = Map.of(
            "send-buffer-size", "jwsgi sizes its channel buffers itself (docs/performance.md)",
            "receive-buffer-size", "jwsgi sizes its channel buffers itself (docs/performance.md)",
            "response-flush-delay", "jwsgi flushes what a worker sends as it arrives",
            "response-socket-timeout", "writes to the client use socket-timeout",
            "socket-user", "the channel sockets belong to the group's user (docs/configuration.md)",
            "python-eggs", "eggs are no longer used by Python's packaging");

    /** Options not built yet: an error, so a site never runs without what it asked for. */
    static final Map<String, String> UNSUPPORTED = Map.of(
            "chroot", "chroot= is not supported (mod_wsgi deprecates it; use a container or systemd's RootDirectory=)",
            "script-user", "script-user= is not supported yet",
            "script-group", "script-group= is not supported yet",
            "cpu-priority", "cpu-priority= is not supported yet (start the server under nice)",
            "stack-size", "stack-size= is not supported yet");

    /** The words for the options, and {@code home=} (which is not a setting of the express server). */
    public record Parsed(List<Word> words, Path home) {}

    static Parsed parse(Directive d, Path serverRoot, List<ConfigProblem> errors) {
        String group = d.args().getFirst();
        List<Word> words = new ArrayList<>();
        for (String w : DEFAULTS) words.add(new Word(w, d.source()));
        Path home = null;
        for (String option : d.args().subList(1, d.args().size())) {
            int eq = option.indexOf('=');
            String key = (eq < 0 ? option : option.substring(0, eq)).toLowerCase(Locale.ROOT);
            String value = eq < 0 ? "" : option.substring(eq + 1);
            String where = "WSGIDaemonProcess " + group + " " + option + ": ";
            if (eq < 0) {
                errors.add(new ConfigProblem(d.source(), where + "options are written name=value"));
                continue;
            }
            if (NO_EFFECT.containsKey(key)) continue;
            if (UNSUPPORTED.containsKey(key)) {
                errors.add(new ConfigProblem(d.source(), where + UNSUPPORTED.get(key)));
                continue;
            }
            List<String> flagWords = new ArrayList<>();
            switch (key) {
                case "home" -> {
                    if (!value.startsWith("/")) {
                        errors.add(new ConfigProblem(d.source(), where + "home= must be an absolute directory"));
                    } else {
                        home = Path.of(value).normalize();
                    }
                    continue;
                }
                case "python-path" -> {
                    for (String dir : value.split(":")) {
                        if (dir.isEmpty()) continue;
                        flagWords.add("--python-path");
                        flagWords.add(serverRoot.resolve(dir).normalize().toString());
                    }
                }
                case "python-home" -> {
                    flagWords.add("--python-home");
                    flagWords.add(serverRoot.resolve(value).normalize().toString());
                }
                case "display-name" -> {
                    flagWords.add("--process-name");
                    flagWords.add(value.replace("%{GROUP}", "(wsgi:" + group + ")"));
                }
                default -> {
                    String name = RENAMED.getOrDefault(key, key);
                    Setting<?> setting = setting(name);
                    if (setting == null) {
                        errors.add(new ConfigProblem(d.source(), where + "unknown option '" + key + "'"
                                + " (docs/configuration.md lists the WSGIDaemonProcess options)"));
                        continue;
                    }
                    flagWords.add(setting.flag());
                    if (setting.arity() == 0) {
                        Boolean on = switch (value.toLowerCase(Locale.ROOT)) {
                            case "on", "true", "1" -> Boolean.TRUE;
                            case "off", "false", "0" -> Boolean.FALSE;
                            default -> null;
                        };
                        if (on == null) {
                            errors.add(new ConfigProblem(d.source(), where + "'" + value + "' is not On or Off"));
                            continue;
                        }
                        if (!on) continue;
                    } else {
                        flagWords.add(value);
                    }
                }
            }
            try {
                Arguments.parse(StartServerSettings.ALL, flagWords);
            } catch (ConfigException e) {
                String message = e.getMessage();
                int colon = message.indexOf(": ");
                if (message.startsWith("--") && colon > 0) message = message.substring(colon + 2);
                errors.add(new ConfigProblem(d.source(), where + message));
                continue;
            }
            for (String w : flagWords) words.add(new Word(w, d.source()));
        }
        return new Parsed(words, home);
    }

    /** The worker-process setting a directive option names, or null. */
    static Setting<?> setting(String name) {
        if (EXPRESS_ONLY.contains(name)) return null;
        for (Setting<?> s : StartServerSettings.ALL) {
            if (!s.name().equals(name)) continue;
            if (s.section() == Setting.Section.DAEMON || PER_GROUP.contains(name)) return s;
            if (name.equals("python-home") || name.equals("python-path")) return s;
        }
        return null;
    }

    /** Every option name a WSGIDaemonProcess accepts, for the docs and their test. */
    static List<String> names() {
        List<String> names = new ArrayList<>();
        for (Setting<?> s : StartServerSettings.ALL) {
            if (s.section() == Setting.Section.DAEMON || PER_GROUP.contains(s.name())) {
                String mod = RENAMED.entrySet().stream().filter(e -> e.getValue().equals(s.name()))
                        .map(Map.Entry::getKey).findFirst().orElse(s.name());
                if (!EXPRESS_ONLY.contains(s.name())) names.add(mod);
            }
        }
        names.addAll(List.of("home", "python-home", "python-path"));
        names.addAll(NO_EFFECT.keySet());
        return names.stream().sorted().toList();
    }

    /** DAEMON settings that are express's own, not WSGIDaemonProcess options (a file has other directives for them). */
    static final Set<String> EXPRESS_ONLY = Set.of("process-group", "service-script", "service-user", "service-group",
            "service-log-file", "disable-reloading");
}
