package io.jwsgi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mod_wsgi-express's options of issue 13 part 3: how each resolves, and what is refused. */
class ExpressOptionsTest {
    @TempDir
    Path temp;

    TestEnvironment env;

    @BeforeEach
    void pinEnvironment() {
        env = new TestEnvironment(temp);
    }

    @Test
    void defaultsChangeNothing() {
        ServerConfig config = env.parseWithScript();
        assertThat(config.express()).isEqualTo(ExpressOptions.none());
        assertThat(config.express().wrapsResponses()).isFalse();
        assertThat(config.content().directoryListing()).isFalse();
        assertThat(config.content().types()).isEmpty();
    }

    @Test
    void resolvesTheOptionsThatAct() throws IOException {
        Files.writeString(env.cwd.resolve("envvars"), "export A=1\n");
        ExpressOptions e = env.parseWithScript("--map-head-to-get", "On", "--error-override",
                "--error-document", "404", "/missing.html", "--error-document", "503", "Come back later",
                "--error-document", "500", "https://status.example/", "--disable-reloading",
                "--python-eggs", "eggs", "--python-warnings", "ignore::DeprecationWarning",
                "--python-warnings", "error::ResourceWarning", "--switch-interval", "0.01", "--orphan-interpreter",
                "--envvars-script", "envvars", "--server-metrics", "--slow-requests", "2.5").express();

        assertThat(e.mapHeadToGet()).isTrue();
        assertThat(e.errorOverride()).isTrue();
        assertThat(e.errorDocuments()).containsExactly(
                Map.entry(404, new ErrorDocument(ErrorDocument.Kind.LOCAL, "/missing.html")),
                Map.entry(503, new ErrorDocument(ErrorDocument.Kind.TEXT, "Come back later")),
                Map.entry(500, new ErrorDocument(ErrorDocument.Kind.REMOTE, "https://status.example/")));
        assertThat(e.scriptReloading()).isFalse();
        assertThat(e.pythonEggs()).isEqualTo(env.cwd.resolve("eggs"));
        assertThat(e.pythonWarnings()).containsExactly("ignore::DeprecationWarning", "error::ResourceWarning");
        assertThat(e.switchInterval()).isEqualTo(Duration.ofMillis(10));
        assertThat(e.orphanInterpreter()).isTrue();
        assertThat(e.envvarsScript()).isEqualTo(env.cwd.resolve("envvars"));
        assertThat(e.serverMetrics()).isTrue();
        assertThat(e.slowRequests()).isEqualTo(Duration.ofMillis(2500));
        assertThat(e.ignored()).isEmpty();
    }

    @Test
    void mapHeadToGetAutoAndOffPassHeadThrough() {
        assertThat(env.parseWithScript("--map-head-to-get", "auto").express().mapHeadToGet()).isFalse();
        assertThat(env.parseWithScript("--map-head-to-get", "Off").express().mapHeadToGet()).isFalse();
        assertThatThrownBy(() -> env.parseWithScript("--map-head-to-get", "yes"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--map-head-to-get: 'yes' is not Off, On or Auto");
    }

    @Test
    void errorDocumentsAreCheckedAsApacheChecksErrorDocument() {
        assertThatThrownBy(() -> env.parseWithScript("--error-document", "200", "/x.html"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--error-document: '200' is not an error status (400 to 599)");
        assertThatThrownBy(() -> env.parseWithScript("--error-document", "404", "ftp://x/"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--error-document: 'ftp://x/' is neither an http(s) URL nor a local path starting with '/'");
        assertThatThrownBy(() -> env.parseWithScript("--error-document", "401", "https://login.example/"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--error-document: 401 with a full URL: Apache ignores it");
    }

    @Test
    void theEnvvarsScriptOfTheServerRootIsUsedWhenItExistsAndAGivenOneMustExist() throws IOException {
        Path root = temp.resolve("root");
        assertThat(env.parseWithScript("--server-root", root.toString()).express().envvarsScript()).isNull();
        Files.createDirectories(root);
        Files.writeString(root.resolve("envvars"), "");
        assertThat(env.parseWithScript("--server-root", root.toString()).express().envvarsScript())
                .isEqualTo(root.resolve("envvars"));
        assertThatThrownBy(() -> env.parseWithScript("--envvars-script", "nope.sh"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--envvars-script: no such file: " + env.cwd.resolve("nope.sh"));
    }

    @Test
    void apacheOnlyOptionsAreAcceptedWithOneWarningEach() {
        ExpressOptions e = env.parseWithScript("--server-mpm", "event", "--server-mpm", "worker",
                "--initial-workers", "0.2", "--httpd-executable", "/usr/sbin/httpd", "--embedded-mode").express();

        assertThat(e.ignored()).containsExactly(
                "option ignored: --initial-workers: Apache's StartServers: the front end has no child processes to "
                        + "pre-start; requests run on virtual threads, up to --max-clients at once.",
                "option ignored: --server-mpm: Apache's MPM: the front end is Jetty, one process with virtual "
                        + "threads.",
                "option ignored: --httpd-executable: the Apache binary; jwsgi is the server.",
                "option ignored: --embedded-mode: Python in the Apache children: start-server runs the application "
                        + "in its worker processes (--processes, --threads), as in daemon mode.");
        assertThatThrownBy(() -> env.parseWithScript("--initial-workers", "2"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--initial-workers: '2' is not a fraction from 0 to 1");
    }

    @Test
    void optionsThatWouldExposeFilesAreRefusedUnlessTheyAskForNothing() throws IOException {
        assertThatThrownBy(() -> env.parseWithScript("--with-cgi"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--with-cgi: CGI scripts are not run by jwsgi");
        assertThatThrownBy(() -> env.parseWithScript("--allow-override", "AuthConfig"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--allow-override AuthConfig: .htaccess files are not read");
        assertThat(env.parseWithScript("--allow-override", "None").express().ignored()).isEmpty();

        Path rules = env.cwd.resolve("rewrite.conf");
        Files.writeString(rules, "# no rules\n\n");
        env.parseWithScript("--rewrite-rules", "rewrite.conf");
        Files.writeString(rules, "RewriteRule ^/old /new [R]\n");
        assertThatThrownBy(() -> env.parseWithScript("--rewrite-rules", "rewrite.conf"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--rewrite-rules: mod_rewrite rules are not applied");
    }

    @Test
    void sslPortAndSocketPrefixAreTheOlderNamesOfHttpsPortAndSocketPath() throws IOException {
        Path cert = Files.writeString(env.cwd.resolve("c.pem"), "x");
        Path key = Files.writeString(env.cwd.resolve("k.pem"), "x");
        ServerConfig config = env.parseWithScript("--ssl-port", "8443", "--ssl-certificate-file", cert.toString(),
                "--ssl-certificate-key-file", key.toString(), "--socket-prefix", "socks");
        assertThat(config.protocols().https().port()).isEqualTo(8443);
        assertThat(config.operations().socketDirectory()).isEqualTo(env.cwd.resolve("socks"));
        assertThat(env.parseWithScript("--ssl-port", "8443", "--https-port", "9443", "--ssl-certificate-file",
                cert.toString(), "--ssl-certificate-key-file", key.toString()).protocols().https().port())
                .isEqualTo(9443);
        assertThatThrownBy(() -> env.parseWithScript("--ssl-port", "8443"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--ssl-port: needs a certificate");
    }

    @Test
    void mimeTypesAreReadAsApacheReadsMimeTypesFiles() throws IOException {
        Files.writeString(env.cwd.resolve("mime.types"), "# types\ntext/x-recipe  recipe rcp\n\n"
                + "application/x-thing .THING\n");
        ContentOptions content = env.parseWithScript("--mime-types", "mime.types", "--directory-listing").content();
        assertThat(content.types()).containsExactly(Map.entry(".recipe", "text/x-recipe"),
                Map.entry(".rcp", "text/x-recipe"), Map.entry(".thing", "application/x-thing"));
        assertThat(content.directoryListing()).isTrue();

        Files.writeString(env.cwd.resolve("bad.types"), "recipe text/x-recipe\n");
        assertThatThrownBy(() -> env.parseWithScript("--mime-types", "bad.types"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--mime-types: " + env.cwd.resolve("bad.types") + ":1: 'recipe' is not a content type "
                        + "(type/subtype)");
    }
}
