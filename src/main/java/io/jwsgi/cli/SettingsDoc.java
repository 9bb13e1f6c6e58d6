package io.jwsgi.cli;

import io.jwsgi.config.Setting;
import io.jwsgi.config.StartServerSettings;
import java.util.List;

/**
 * {@code docs/settings.md}, generated from {@link StartServerSettings#ALL}; {@code jwsgi settings-doc} prints
 * it and a unit test fails when the checked-in file differs.
 */
final class SettingsDoc {
    static final String REGENERATE = "./jwsgi settings-doc > docs/settings.md";

    private SettingsDoc() {}

    static String render(List<Setting<?>> catalogue) {
        StringBuilder out = new StringBuilder();
        out.append("# start-server settings\n\n");
        out.append("<!-- Generated from io.jwsgi.config.StartServerSettings; do not edit. Regenerate with:\n");
        out.append("     ").append(REGENERATE).append(" -->\n\n");
        out.append("Every option of `jwsgi start-server [SCRIPT] [options]`. Names and defaults follow "
                + "mod_wsgi-express unless an entry says otherwise. Options may also be written "
                + "`--option=value`. A repeatable option adds a value each time it is given; any other option "
                + "given twice keeps the last. Durations are in seconds and may have decimals (`0.5`).\n");
        Setting.Section section = null;
        for (Setting<?> setting : catalogue) {
            if (setting.section() != section) {
                section = setting.section();
                out.append("\n## ").append(section.title()).append('\n');
            }
            out.append("\n### `").append(setting.synopsis()).append("`\n\n");
            out.append(escaped(setting.help())).append('\n');
            String facts = facts(setting);
            if (!facts.isEmpty()) {
                out.append('\n').append(facts).append('\n');
            }
        }
        out.append("\n## Exit status\n\n");
        out.append("| Code | Meaning |\n|---|---|\n");
        for (ExitCode exit : ExitCode.values()) {
            out.append("| ").append(exit.code()).append(" | ").append(exit.meaning()).append(" |\n");
        }
        return out.toString();
    }

    /** Help text is plain prose; keep {@code __wsgi__} and {@code processes * threads} from turning into emphasis. */
    private static String escaped(String text) {
        return text.replaceAll("([\\\\*_<])", "\\\\$1");
    }

    private static String facts(Setting<?> setting) {
        StringBuilder facts = new StringBuilder();
        if (setting.defaultText() != null) {
            facts.append("Default: `").append(setting.defaultText()).append("`.");
        }
        if (setting.repeatable()) {
            facts.append(facts.isEmpty() ? "" : " ").append("Repeatable.");
        }
        return facts.toString();
    }
}
