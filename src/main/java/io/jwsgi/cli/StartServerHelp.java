package io.jwsgi.cli;

import io.jwsgi.config.Setting;
import io.jwsgi.config.StartServerSettings;
import java.util.List;

/** {@code jwsgi start-server --help}, generated from {@link StartServerSettings#ALL}. */
final class StartServerHelp {
    private static final int WIDTH = 100;
    private static final String INDENT = "      ";

    private StartServerHelp() {}

    static String render(List<Setting<?>> catalogue) {
        StringBuilder out = new StringBuilder();
        out.append("usage: jwsgi start-server [SCRIPT] [options]\n\n");
        paragraph(out, "", "Runs the WSGI application in SCRIPT in the foreground: an HTTP front end passing requests "
                + "to a pool of CPython worker processes, like mod_wsgi-express start-server. Without SCRIPT (or "
                + "--entry-point) a welcome page is served. Options may also be written --option=value.");
        Setting.Section section = null;
        for (Setting<?> setting : catalogue) {
            if (setting.section() != section) {
                section = setting.section();
                out.append('\n').append(section.title()).append(":\n");
            }
            out.append("  ").append(setting.synopsis()).append('\n');
            paragraph(out, INDENT, setting.help() + details(setting));
        }
        out.append("\nA repeatable option adds a value each time it is given; any other option given twice keeps "
                + "the last.\n");
        out.append("\nExit status:\n");
        for (ExitCode exit : ExitCode.values()) {
            out.append("  ").append(exit.code()).append("  ").append(exit.meaning()).append('\n');
        }
        return out.toString();
    }

    private static String details(Setting<?> setting) {
        StringBuilder details = new StringBuilder();
        if (setting.repeatable()) {
            details.append(" Repeatable.");
        }
        if (setting.defaultText() != null) {
            details.append(" [default: ").append(setting.defaultText()).append(']');
        }
        return details.toString();
    }

    private static void paragraph(StringBuilder out, String indent, String text) {
        for (String line : TextBlock.wrap(text, WIDTH - indent.length())) {
            out.append(indent).append(line).append('\n');
        }
    }
}
