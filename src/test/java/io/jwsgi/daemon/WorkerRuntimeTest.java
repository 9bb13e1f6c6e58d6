package io.jwsgi.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.config.Environment;
import io.jwsgi.config.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a worker is told about mod_wsgi-express's options: its JSON configuration and its environment. */
class WorkerRuntimeTest {
    @TempDir
    Path temp;

    Environment environment;
    Path script;

    @BeforeEach
    void fakePython() throws IOException {
        Path python = Files.createDirectories(temp.resolve("bin")).resolve("python3");
        Files.writeString(python, "#!/bin/sh\n");
        Files.setPosixFilePermissions(python, PosixFilePermissions.fromString("rwxr-xr-x"));
        script = Files.writeString(temp.resolve("app.py"), "");
        environment = new Environment(Map.of("PATH", python.getParent().toString()), temp, 1000);
    }

    private String json(String... options) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of(script.toString()));
        args.addAll(List.of(options));
        Path file = temp.resolve("worker.json");
        WorkerRuntime.writeConfig(ServerConfig.parse(args, environment), "g", false, file);
        return Files.readString(file);
    }

    @Test
    void theWorkerConfigurationCarriesTheInterpreterOptions() throws IOException {
        assertThat(json()).contains("\"script_reloading\": true", "\"switch_interval\": null",
                "\"orphan_interpreter\": false", "\"server_metrics\": false", "\"slow_requests\": null");
        assertThat(json("--disable-reloading", "--switch-interval", "0.01", "--orphan-interpreter",
                "--server-metrics", "--slow-requests", "1.5"))
                .contains("\"script_reloading\": false", "\"switch_interval\": 0.01", "\"orphan_interpreter\": true",
                        "\"server_metrics\": true", "\"slow_requests\": 1.5");
    }

    @Test
    void pythonEggsAndWarningsBecomeTheVariablesWsgiPythonEggsAndWarningsSet() {
        ServerConfig c = ServerConfig.parse(List.of(script.toString(), "--python-eggs", "eggs",
                "--python-warnings", "ignore", "--python-warnings", "error::ResourceWarning"), environment);
        Map<String, String> env = new java.util.HashMap<>();
        WorkerRuntime.pythonEnvironment(c.express(), env);
        assertThat(env).containsExactlyInAnyOrderEntriesOf(Map.of("PYTHON_EGG_CACHE", temp.resolve("eggs").toString(),
                "PYTHONWARNINGS", "ignore,error::ResourceWarning"));
    }

    @Test
    void expressVariablesNameTheBoundPortsAndTheServerName() {
        ServerConfig c = ServerConfig.parse(List.of(script.toString(), "--server-name", "example.com",
                "--server-alias", "www.example.com", "--server-alias", "*.example.org", "--reload-on-changes",
                "--port", "0"), environment);
        Map<String, String> env = WorkerRuntime.expressEnvironment(c, 41234, 41443, "www", "web");
        assertThat(env).containsEntry("MOD_WSGI_EXPRESS", "true")
                .containsEntry("MOD_WSGI_SERVER_NAME", "example.com")
                .containsEntry("MOD_WSGI_SERVER_ALIASES", "www.example.com *.example.org")
                .containsEntry("MOD_WSGI_RELOADER_ENABLED", "true")
                .containsEntry("MOD_WSGI_LISTENER_HOST", "localhost")
                .containsEntry("MOD_WSGI_HTTP_PORT", "41234")
                .containsEntry("MOD_WSGI_HTTPS_PORT", "41443")
                .containsEntry("MOD_WSGI_USER", "www")
                .containsEntry("MOD_WSGI_GROUP", "web")
                .containsEntry("MOD_WSGI_WORKING_DIRECTORY", temp.toString())
                .containsEntry("MOD_WSGI_SERVER_ROOT", c.serverRoot().toString());
        assertThat(WorkerRuntime.expressEnvironment(c, 1, null, null, null))
                .doesNotContainKeys("MOD_WSGI_HTTPS_PORT", "MOD_WSGI_USER", "MOD_WSGI_GROUP");
    }

    @Test
    void theEnvvarsScriptGivesWhatItSetsOrChanges() throws IOException {
        Path script = Files.writeString(temp.resolve("envvars"), "export ADDED='one two'\nCHANGED=new\n"
                + "export CHANGED\necho noise\n");
        Map<String, String> base = Map.of("PATH", "/usr/bin:/bin", "CHANGED", "old", "KEPT", "same");
        assertThat(EnvvarsScript.source(script, base))
                .containsExactlyInAnyOrderEntriesOf(Map.of("ADDED", "one two", "CHANGED", "new"));
    }

    @Test
    void aFailingEnvvarsScriptIsAnErrorWithItsMessage() throws IOException {
        Path script = Files.writeString(temp.resolve("envvars"), "echo broken >&2\nexit 3\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EnvvarsScript.source(script, Map.of("PATH", "/bin")))
                .isInstanceOf(io.jwsgi.config.ConfigException.class)
                .hasMessage("--envvars-script: " + script + " failed (exit status 3): broken");
    }
}
