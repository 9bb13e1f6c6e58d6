package io.jwsgi.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StartServerSettingsTest {
    @Test
    void everyDeclaredDefaultIsAcceptedByItsOwnType() {
        for (Setting<?> setting : StartServerSettings.ALL) {
            if (setting.defaultValue() != null) {
                setting.type().convert(List.of(setting.defaultValue()));
            }
        }
    }

    @Test
    void namesAreUnique() {
        assertThat(StartServerSettings.ALL.stream().map(Setting::name)).doesNotHaveDuplicates();
    }

    @Test
    void everySettingHasHelp() {
        assertThat(StartServerSettings.ALL).allSatisfy(s -> assertThat(s.help()).isNotBlank());
    }

    @Test
    void declaresEveryModWsgiExpressOptionJwsgiSupports() {
        assertThat(StartServerSettings.ALL.stream().map(Setting::flag)).containsExactlyInAnyOrder(
                "--host", "--port", "--processes", "--threads", "--application-type", "--entry-point",
                "--callable-object", "--working-directory", "--python-path", "--server-root", "--log-directory",
                "--log-to-terminal", "--log-level", "--access-log", "--access-log-format", "--error-log-name",
                "--access-log-name", "--startup-log", "--startup-log-name", "--python", "--python-home",
                "--process-group", "--application-group", "--mount-point", "--daemon-backlog", "--queue-timeout",
                "--connect-timeout", "--socket-timeout", "--shutdown-timeout",
                "--header-buffer-size",
                "--limit-request-body", "--keep-alive-timeout", "--setenv", "--passenv", "--include-file",
                "--server-backlog", "--max-clients",
                "--maximum-requests", "--maximum-requests-jitter", "--restart-interval", "--inactivity-timeout",
                "--graceful-timeout", "--eviction-timeout", "--request-timeout", "--interrupt-timeout",
                "--startup-timeout", "--deadlock-timeout", "--response-buffer-size", "--memory-limit",
                "--virtual-memory-limit", "--cpu-time-limit", "--user", "--group", "--supplementary-groups",
                "--umask", "--lang", "--locale", "--python-hash-seed", "--dont-write-bytecode", "--process-name",
                "--reload-on-changes", "--service-script", "--service-user", "--service-group",
                "--proxy-mount-point", "--proxy-url-alias", "--proxy-virtual-host", "--proxy-timeout",
                "--http2", "--https-port", "--ssl-certificate-file", "--ssl-certificate-key-file", "--ssl-certificate",
                "--ssl-certificate-chain-file", "--ssl-ca-certificate-file", "--ssl-verify-client", "--ssl-environment",
                "--https-only", "--hsts-policy",
                "--document-root", "--directory-index", "--url-alias", "--enable-sendfile", "--compress-responses",
                "--rotate-logs", "--max-log-size", "--max-log-files", "--trust-proxy-header", "--trust-proxy",
                "--server-status", "--enable-metrics", "--metrics-path", "--health-check-path", "--socket-path",
                "--pid-file", "--setup-only", "--isatty",
                // draining on SIGTERM (docs/lifecycle.md)
                "--drain-delay",
                // client limits and read timeouts (docs/reliability.md)
                "--limit-request-line", "--limit-request-field-size", "--limit-request-fields", "--header-timeout",
                "--header-max-timeout", "--header-min-rate", "--body-timeout", "--body-max-timeout", "--body-min-rate",
                // name-based virtual host (docs/virtual-hosts.md)
                "--server-name", "--server-alias", "--allow-localhost",
                // the edge: PROXY protocol, registered methods (docs/behind-a-proxy.md, docs/http-parsing.md)
                "--proxy-protocol", "--registered-methods", "--register-method",
                // access and auth hooks (docs/auth-hooks.md)
                "--host-access-script", "--auth-user-script", "--auth-type", "--auth-group-script", "--auth-group",
                // several instances on one port (docs/scaling-out.md)
                "--reuse-port",
                // mod_wsgi-express options acted on (issue 13 part 3)
                "--service-log-file", "--chunked-request", "--map-head-to-get", "--error-document",
                "--error-override", "--disable-reloading", "--directory-listing", "--mime-types", "--ssl-port",
                "--socket-prefix", "--python-eggs", "--python-warnings", "--switch-interval", "--orphan-interpreter",
                "--envvars-script", "--server-metrics", "--slow-requests",
                // mod_wsgi-express options for Apache itself: accepted with a warning, or refused with a reason
                "--initial-workers", "--minimum-spare-workers", "--maximum-spare-workers", "--server-mpm",
                "--httpd-executable", "--modules-directory", "--shell-executable", "--rotatelogs-executable",
                "--embedded-mode", "--enable-docs", "--free-threading", "--with-php5", "--verbose-debugging",
                "--send-buffer-size", "--receive-buffer-size", "--response-socket-timeout", "--response-flush-delay",
                "--error-log-format", "--ignore-activity", "--telemetry-service", "--telemetry-interval",
                "--telemetry-options", "--enable-telemetry", "--telemetry-ui-port",
                "--with-cgi", "--add-handler", "--allow-override", "--rewrite-rules",

                // debugging (docs/debugging.md)
                "--debug-mode", "--enable-debugger", "--debugger-startup", "--enable-coverage", "--coverage-directory",
                "--enable-profiler", "--profiler-directory", "--enable-recorder", "--recorder-directory",
                "--enable-gdb", "--gdb-executable");
    }

    @Test
    void setenvTakesTwoValues() {
        assertThat(StartServerSettings.SETENV.arity()).isEqualTo(2);
        assertThat(StartServerSettings.SETENV.repeatable()).isTrue();
        assertThat(StartServerSettings.ACCESS_LOG.arity()).isZero();
    }
}
