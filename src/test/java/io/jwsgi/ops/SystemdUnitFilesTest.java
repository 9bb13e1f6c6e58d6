package io.jwsgi.ops;

import static io.jwsgi.config.StartServerSettings.ALL;
import static io.jwsgi.config.StartServerSettings.DRAIN_DELAY;
import static io.jwsgi.config.StartServerSettings.HEALTH_CHECK_PATH;
import static io.jwsgi.config.StartServerSettings.PORT;
import static io.jwsgi.config.StartServerSettings.SHUTDOWN_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.config.Arguments;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shipped examples/systemd unit files say what the server does: flags it has, Type=notify, one port. */
class SystemdUnitFilesTest {
    static final Path DIR = Path.of("examples/systemd");

    /** A unit file's settings by "Section.Key" (the last assignment wins, as systemd's for these keys). */
    static Map<String, String> read(Path file) throws IOException {
        Map<String, String> settings = new LinkedHashMap<>();
        String section = "";
        StringBuilder continued = new StringBuilder();
        for (String raw : Files.readAllLines(file)) {
            String line = raw.strip();
            if (continued.isEmpty() && (line.isEmpty() || line.startsWith("#") || line.startsWith(";"))) continue;
            if (line.endsWith("\\")) { // a continuation line, joined with a space as systemd does
                continued.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            line = continued + line;
            continued.setLength(0);
            if (line.startsWith("[") && line.endsWith("]")) {
                section = line.substring(1, line.length() - 1);
                continue;
            }
            int equals = line.indexOf('=');
            assertThat(equals).as("%s: not a Key=value line: %s", file, line).isPositive();
            settings.put(section + "." + line.substring(0, equals).strip(), line.substring(equals + 1).strip());
        }
        return settings;
    }

    static Duration seconds(String value) {
        return Duration.ofMillis((long) (Double.parseDouble(value.replaceAll("s$", "")) * 1000));
    }

    @Test
    void theServiceRunsStartServerWithFlagsItHasAndTellsSystemdWhenReady() throws IOException {
        Map<String, String> service = read(DIR.resolve("jwsgi.service"));
        assertThat(service).containsEntry("Service.Type", "notify").containsEntry("Service.NotifyAccess", "main");
        List<String> exec = Arrays.asList(service.get("Service.ExecStart").split("\\s+"));
        assertThat(exec.get(0)).endsWith("/jwsgi");
        assertThat(exec.get(1)).isEqualTo("start-server");
        // The server's own parser: an unknown flag or a bad value fails here with the flag's name.
        Arguments args = Arguments.parse(ALL, exec.subList(2, exec.size()));
        assertThat(args.positionals()).hasSize(1);
        assertThat(args.value(HEALTH_CHECK_PATH)).startsWith("/");

        // SIGTERM to jwsgi only; it stops its workers itself, after the drain.
        assertThat(service).containsEntry("Service.KillMode", "mixed");
        assertThat(service.get("Service.ExecReload")).contains("-HUP").contains("$MAINPID");
        Duration stopBudget = args.value(DRAIN_DELAY).plus(args.value(SHUTDOWN_TIMEOUT)).plusSeconds(1);
        assertThat(seconds(service.get("Service.TimeoutStopSec"))).isGreaterThan(stopBudget);
        assertThat(seconds(service.get("Service.WatchdogSec"))).isPositive();
        assertThat(service.get("Unit.Requires")).contains("jwsgi.socket");
    }

    @Test
    void theSocketListensOnThePortTheServiceNames() throws IOException {
        Map<String, String> socket = read(DIR.resolve("jwsgi.socket"));
        Map<String, String> service = read(DIR.resolve("jwsgi.service"));
        List<String> exec = Arrays.asList(service.get("Service.ExecStart").split("\\s+"));
        int port = Arguments.parse(ALL, exec.subList(2, exec.size())).value(PORT);
        String listen = socket.get("Socket.ListenStream");
        assertThat(listen.substring(listen.lastIndexOf(':') + 1)).isEqualTo(Integer.toString(port));
        // jwsgi takes exactly one socket (LISTEN_FDS=1), passed to one process.
        assertThat(socket.keySet().stream().filter(k -> k.startsWith("Socket.Listen"))).hasSize(1);
        assertThat(socket.getOrDefault("Socket.Accept", "no")).isIn("no", "false");
    }
}
