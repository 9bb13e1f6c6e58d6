package io.jwsgi.site;

import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.site.Site.HostSpec;
import io.jwsgi.site.Site.Kind;
import io.jwsgi.site.Site.ProcessGroup;
import io.jwsgi.site.Site.Word;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A configuration file's text to its site: what each directive family builds, and every bad input's message. */
class SiteBuilderTest {
    @TempDir
    Path root;

    @BeforeEach
    void scripts() throws IOException {
        for (String app : List.of("a", "b", "c")) {
            Files.createDirectories(root.resolve(app));
            Files.writeString(root.resolve(app).resolve("wsgi.py"), "application = None\n");
        }
        Files.createDirectories(root.resolve("static"));
    }

    private SiteBuilder.Result build(String text) throws IOException {
        Path file = Files.writeString(root.resolve("site.conf"), text.replace("@ROOT@", root.toString()));
        ConfigReader.Result read = ConfigReader.read(file, Map.of("HOME_DIR", root.toString()), Set.of(), root,
                ConfigReader.MODULES);
        assertThat(read.errors()).isEmpty();
        return SiteBuilder.build(read.directives(), root, Map.of());
    }

    private Site ok(String text) throws IOException {
        SiteBuilder.Result r = build(text);
        assertThat(r.errors()).isEmpty();
        return r.site();
    }

    private List<String> errors(String text) throws IOException {
        return build(text).errors().stream().map(ConfigProblem::toString).toList();
    }

    private static List<String> words(ProcessGroup g) {
        return g.words().stream().map(Word::text).toList();
    }

    @Test
    void aDjangoStyleVirtualHostBuildsItsGroupMountsAndStaticAliases() throws Exception {
        Site site = ok("""
                Listen 8080
                <VirtualHost *:8080>
                    ServerName www.example.com
                    ServerAlias example.com *.example.org
                    WSGIDaemonProcess example.com processes=2 threads=15 python-path=@ROOT@/a:@ROOT@/b display-name=%{GROUP}
                    WSGIProcessGroup example.com
                    WSGIApplicationGroup %{GLOBAL}
                    WSGIScriptAlias / @ROOT@/a/wsgi.py
                    Alias /static/ @ROOT@/static/
                    <Directory @ROOT@/static>
                        Require all granted
                    </Directory>
                    <Directory @ROOT@/a>
                        <Files wsgi.py>
                            Require all granted
                        </Files>
                    </Directory>
                </VirtualHost>
                """);
        assertThat(site.listens()).extracting(Site.Listen::port).containsExactly(8080);
        HostSpec host = site.hosts().getFirst();
        assertThat(host.serverName()).isEqualTo("www.example.com");
        assertThat(host.aliases()).containsExactly("example.com", "*.example.org");
        assertThat(host.port()).isEqualTo(8080);
        assertThat(host.mounts()).extracting(Site.Mount::kind).containsExactly(Kind.ALIAS, Kind.WSGI);
        ProcessGroup group = site.groups().getFirst();
        assertThat(group.name()).isEqualTo("example.com");
        assertThat(group.serverName()).isEqualTo("www.example.com");
        // mod_wsgi's defaults first, then what the file says (the last --threads wins)
        assertThat(words(group)).containsSubsequence("--threads", "15", "--processes", "2", "--threads", "15",
                "--python-path", root.resolve("a").toString(), "--python-path", root.resolve("b").toString(),
                "--process-name", "(wsgi:example.com)");
        assertThat(host.scope().processGroup()).isEqualTo("example.com");
        assertThat(host.scope().applicationGroup()).isEqualTo("%{GLOBAL}");
    }

    @Test
    void serverLevelDirectivesBecomeTheFrontEndsWordsAndGroupDefaults() throws Exception {
        Site site = ok("""
                Timeout 30
                KeepAlive Off
                LimitRequestBody 1048576
                LogLevel warn wsgi:info
                LogFormat "%h %l %u %t \\"%r\\" %>s %b" short
                CustomLog logs/access.log short
                ErrorLog logs/error.log
                WSGIPythonHome /opt/venv
                WSGIDaemonProcess one
                WSGIScriptAlias / @ROOT@/a/wsgi.py process-group=one
                ServerAdmin webmaster@example.com
                """);
        List<String> front = site.frontEnd().stream().map(Word::text).toList();
        assertThat(front).containsSubsequence("--socket-timeout", "30", "--keep-alive-timeout", "0",
                "--limit-request-body", "1048576", "--log-level", "warn");
        assertThat(front).contains("--access-log", "--access-log-name", root.resolve("logs/access.log").toString(),
                "--error-log-name", root.resolve("logs/error.log").toString());
        assertThat(words(site.groups().getFirst())).containsSubsequence("--python-home", "/opt/venv");
        assertThat(site.frontEnd()).allSatisfy(w -> assertThat(w.source().file()).isEqualTo(root.resolve("site.conf")));
    }

    @Test
    void aScriptAliasWithBothGroupOptionsAndAnImportScriptArePreloaded() throws Exception {
        Site site = ok("""
                WSGIDaemonProcess one
                WSGIImportScript @ROOT@/b/wsgi.py process-group=one application-group=%{GLOBAL}
                WSGIScriptAlias /a @ROOT@/a/wsgi.py process-group=one application-group=%{GLOBAL} callable-object=app
                """);
        assertThat(site.groups().getFirst().preloads()).containsExactly(
                new Site.Preload(root.resolve("a/wsgi.py"), "app", "", false),
                new Site.Preload(root.resolve("b/wsgi.py"), "application", "", true));
    }

    @Test
    void requireRulesAreEvaluatedAsApacheDoes() throws Exception {
        Site site = ok("""
                WSGIDaemonProcess one
                WSGIProcessGroup one
                WSGIScriptAlias / @ROOT@/a/wsgi.py
                <Location /admin>
                    <RequireAll>
                        Require ip 127.0.0.1 10.0.0.0/8
                        Require not ip 10.1.0.0/16
                    </RequireAll>
                </Location>
                """);
        Router router = new Router(site.hosts());
        AccessRule admin = router.route("x", 80, "/admin/users").scope().access();
        assertThat(admin.grants(InetAddress.ofLiteral("127.0.0.1"))).isTrue();
        assertThat(admin.grants(InetAddress.ofLiteral("10.2.3.4"))).isTrue();
        assertThat(admin.grants(InetAddress.ofLiteral("10.1.3.4"))).isFalse();
        assertThat(admin.grants(InetAddress.ofLiteral("192.168.1.1"))).isFalse();
        // nothing is denied unless a Require says so
        assertThat(router.route("x", 80, "/public").scope().access()).isNull();
    }

    @Test
    void everyBadInputNamesItsFileAndLine() throws Exception {
        String conf = root.resolve("site.conf").toString();
        assertThat(errors("""
                WSGIScriptAlias / @ROOT@/a/wsgi.py process-group=nowhere
                """)).containsExactly(conf + ":1: WSGIScriptAlias /: process group 'nowhere' is not declared by any"
                + " WSGIDaemonProcess");
        assertThat(errors("""
                WSGIDaemonProcess one
                WSGIDaemonProcess one threads=2
                WSGIScriptAlias / @ROOT@/a/wsgi.py process-group=one
                """)).containsExactly(conf + ":2: process group 'one' is declared twice (first at " + conf + ":1)");
        assertThat(errors("""
                WSGIDaemonProcess one processes=two
                WSGIScriptAlias / @ROOT@/a/wsgi.py process-group=one
                """)).singleElement().asString()
                .startsWith(conf + ":1: WSGIDaemonProcess one processes=two: ").contains("two");
        assertThat(errors("""
                WSGIDaemonProcess one colour=blue
                WSGIScriptAlias / @ROOT@/a/wsgi.py process-group=one
                """)).singleElement().asString().startsWith(conf + ":1: WSGIDaemonProcess one colour=blue: unknown"
                + " option 'colour'");
        assertThat(errors("""
                WSGIDaemonProcess one
                WSGIScriptAliasMatch ^/(a|b /srv/$1.py process-group=one
                """)).singleElement().asString().startsWith(conf + ":2: WSGIScriptAliasMatch: the regular expression"
                + " '^/(a|b' does not compile");
        assertThat(errors("""
                WSGIDaemonProcess one
                WSGIScriptAlias / @ROOT@/a/wsgi.py process-group=one
                FrobnicateRequests On
                """)).singleElement().asString().startsWith(conf + ":3: unknown directive FrobnicateRequests");
        assertThat(errors("""
                WSGIDaemonProcess one
                WSGIProcessGroup one
                <VirtualHost *:80>
                    ServerName a.example
                    WSGIScriptAlias / @ROOT@/a/wsgi.py
                </VirtualHost>
                <VirtualHost *:80>
                    ServerName a.example
                    WSGIScriptAlias / @ROOT@/b/wsgi.py
                </VirtualHost>
                """)).containsExactly(conf + ":7: a second <VirtualHost> for ServerName a.example on port 80 (the"
                + " first one would take every request)");
    }

    @Test
    void errorDocumentsMergeFromServerToSectionAndDefaultResets() throws Exception {
        Site site = ok("""
                WSGIDaemonProcess one
                WSGIProcessGroup one
                Alias /errors @ROOT@/static
                ErrorDocument 404 /errors/404.html
                ErrorDocument 500 "Sorry, it broke"
                ErrorDocument 503 Down
                <VirtualHost *:80>
                    ServerName a.example
                    WSGIScriptAlias / @ROOT@/a/wsgi.py
                    ErrorDocument 500 https://status.example/
                    ErrorDocument 404 default
                    <Location /api>
                        WSGIErrorOverride On
                        ErrorDocument 404 "Nothing here"
                    </Location>
                </VirtualHost>
                """);
        HostSpec main = site.hosts().getLast();
        assertThat(main.scope().errorDocument(404)).extracting(Site.ErrorDocument::kind, Site.ErrorDocument::value)
                .containsExactly(Site.DocumentKind.LOCAL, "/errors/404.html");
        assertThat(main.scope().errorDocument(500).kind()).isEqualTo(Site.DocumentKind.TEXT);
        assertThat(main.scope().errorDocument(500).value()).isEqualTo("Sorry, it broke");
        assertThat(main.scope().errorDocument(503).kind()).isEqualTo(Site.DocumentKind.TEXT); // Apache: one word
        assertThat(main.scope().errorOverride()).isNull();
        HostSpec vhost = site.hosts().getFirst();
        assertThat(vhost.scope().errorDocument(404)).isNull(); // default: the standard page again
        assertThat(vhost.scope().errorDocument(500)).extracting(Site.ErrorDocument::kind, Site.ErrorDocument::value)
                .containsExactly(Site.DocumentKind.REMOTE, "https://status.example/");
        assertThat(vhost.scope().errorDocument(503).value()).isEqualTo("Down"); // the server's, merged
        Site.Scope api = Router.scope(vhost, null, "/api/x");
        assertThat(api.errorOverride()).isTrue();
        assertThat(api.errorDocument(404).value()).isEqualTo("Nothing here");
        assertThat(Router.scope(vhost, null, "/other").errorOverride()).isNull();
    }

    @Test
    void badErrorDocumentsAreErrors() throws Exception {
        String conf = root.resolve("site.conf").toString();
        String head = "WSGIDaemonProcess one\nWSGIProcessGroup one\nWSGIScriptAlias /app @ROOT@/a/wsgi.py\n";
        assertThat(errors(head + "ErrorDocument 200 /x.html\n")).containsExactly(conf + ":4: ErrorDocument: '200' is"
                + " not an error status (400 to 599)");
        assertThat(errors(head + "ErrorDocument 404\n")).singleElement().asString()
                .startsWith(conf + ":4: ErrorDocument takes a status code and");
        assertThat(errors(head + "ErrorDocument 401 https://login.example/\n")).singleElement().asString()
                .startsWith(conf + ":4: ErrorDocument: 401 with a full URL: Apache ignores it");
        assertThat(errors(head + "ErrorDocument 404 ftp://files.example/404\n")).singleElement().asString()
                .contains("neither an http(s) URL nor a local path");
        assertThat(errors(head + "ErrorDocument 404 \"%{REQUEST_URI} is gone\"\n")).singleElement().asString()
                .contains("expressions (%{...}) are not supported");
        assertThat(errors(head + "WSGIErrorOverride Sometimes\n")).containsExactly(conf + ":4: WSGIErrorOverride"
                + " takes On or Off, got Sometimes");
        // A local document is served from static files only: one that routes to the application is refused.
        assertThat(errors(head + "<Location /app>\n    ErrorDocument 500 /app/oops\n</Location>\n"))
                .containsExactly(conf + ":5: ErrorDocument 500 /app/oops: the path leads to a WSGI application;"
                        + " jwsgi serves a local ErrorDocument from static files (Alias, DocumentRoot) only, not yet"
                        + " through an application");
    }

    @Test
    void aGroupDeclaredInAVirtualHostIsOnlyForHostsWithItsServerName() throws Exception {
        String conf = root.resolve("site.conf").toString();
        assertThat(errors("""
                <VirtualHost *:80>
                    ServerName a.example
                    WSGIDaemonProcess mine
                    WSGIScriptAlias / @ROOT@/a/wsgi.py process-group=mine
                </VirtualHost>
                <VirtualHost *:80>
                    ServerName b.example
                    WSGIScriptAlias / @ROOT@/b/wsgi.py process-group=mine
                </VirtualHost>
                """)).singleElement().asString().startsWith(conf + ":8: WSGIScriptAlias /: process group 'mine' was"
                + " declared in the <VirtualHost> of a.example");
    }

    @Test
    void aMountWithoutADaemonGroupWouldBeEmbeddedAndSaysSo() throws Exception {
        assertThat(errors("""
                WSGIScriptAlias / @ROOT@/a/wsgi.py
                """)).singleElement().asString().contains("embedded mode");
    }

    @Test
    void aProcessGroupThatMaySeeSeveralApplicationGroupsRunsThemInSubInterpreters() throws Exception {
        Site several = ok("""
                WSGIDaemonProcess one
                WSGIProcessGroup one
                WSGIScriptAlias /a @ROOT@/a/wsgi.py
                WSGIScriptAlias /b @ROOT@/b/wsgi.py
                """);
        assertThat(several.groups().getFirst().subinterpreters()).isTrue();
        // one application group (here %{GLOBAL} for both, so they share it as in mod_wsgi): the main interpreter
        Site shared = ok("""
                WSGIDaemonProcess one
                WSGIProcessGroup one
                WSGIApplicationGroup %{GLOBAL}
                WSGIScriptAlias /a @ROOT@/a/wsgi.py
                WSGIScriptAlias /b @ROOT@/b/wsgi.py
                """);
        assertThat(shared.groups().getFirst().subinterpreters()).isFalse();
        Site single = ok("""
                WSGIDaemonProcess one
                WSGIScriptAlias / @ROOT@/a/wsgi.py process-group=one
                """);
        assertThat(single.groups().getFirst().subinterpreters()).isFalse();
        // scripts found through AddHandler are each their own application group
        Site handlers = ok("""
                WSGIDaemonProcess one
                WSGIProcessGroup one
                DocumentRoot @ROOT@/a
                <Directory @ROOT@/a>
                    Options ExecCGI
                    AddHandler wsgi-script .py
                </Directory>
                """);
        assertThat(handlers.groups().getFirst().subinterpreters()).isTrue();
    }

    @Test
    void aMissingScriptIsAWarningNotAnError() throws Exception {
        SiteBuilder.Result r = build("""
                WSGIDaemonProcess one
                WSGIScriptAlias / @ROOT@/missing.wsgi process-group=one
                """);
        assertThat(r.errors()).isEmpty();
        assertThat(r.site().warnings()).singleElement().asString().contains("missing.wsgi does not exist");
    }

    @Test
    void switchIntervalServerMetricsAndDestroyInterpreterOffAreTheStartServerOptions() throws Exception {
        Site site = ok("""
                WSGIDestroyInterpreter Off
                WSGIDaemonProcess one switch-interval=0.01 server-metrics=On
                WSGIDaemonProcess two server-metrics=Off
                WSGIScriptAlias /a @ROOT@/a/wsgi.py process-group=one application-group=%{GLOBAL}
                WSGIScriptAlias /b @ROOT@/b/wsgi.py process-group=two application-group=%{GLOBAL}
                """);
        assertThat(words(site.groups().get(0))).containsSubsequence("--orphan-interpreter", "--switch-interval",
                "0.01", "--server-metrics");
        assertThat(words(site.groups().get(1))).contains("--orphan-interpreter").doesNotContain("--server-metrics");
    }

    @Test
    void serverLevelDefaultsReachEveryGroupWhereverTheyAreInTheFile() throws Exception {
        Site site = ok("""
                WSGIDaemonProcess early
                WSGIPythonHome /opt/venv
                User www-data
                WSGIDaemonProcess late user=nobody
                WSGIScriptAlias /a @ROOT@/a/wsgi.py process-group=early application-group=%{GLOBAL}
                WSGIScriptAlias /b @ROOT@/b/wsgi.py process-group=late application-group=%{GLOBAL}
                WSGIImportScript b/wsgi.py process-group=late application-group=%{GLOBAL}
                ListenBacklog 511
                """);
        assertThat(words(site.groups().get(0))).containsSubsequence("--python-home", "/opt/venv", "--user",
                "www-data");
        // the group's own user= comes after Apache's User, so it wins
        assertThat(words(site.groups().get(1))).containsSubsequence("--user", "www-data", "--user", "nobody");
        assertThat(site.groups().get(1).preloads()).extracting(Site.Preload::script)
                .contains(root.resolve("b/wsgi.py"));
        assertThat(site.frontEnd().stream().map(Word::text).toList()).containsSubsequence("--server-backlog", "511");
    }

    @Test
    void redirectGoneTakesNoTargetAndPatternTargetsResolveAgainstTheServerRoot() throws Exception {
        Site site = ok("""
                WSGIDaemonProcess one
                WSGIProcessGroup one
                Redirect gone /retired
                Redirect 410 /also-retired
                AliasMatch ^/img/(.*)$ static/$1
                """);
        Router router = new Router(site.hosts());
        assertThat(router.route("h", 80, "/retired/x").mount().status()).isEqualTo(410);
        assertThat(router.route("h", 80, "/also-retired").mount().status()).isEqualTo(410);
        assertThat(router.route("h", 80, "/img/a.png").file()).isEqualTo(root.resolve("static/a.png"));
    }

    @Test
    void clientCertificatesAndTheSslEnvironmentOfATlsVirtualHostBecomeTheListenersOptions() throws Exception {
        Site site = ok("""
                WSGIDaemonProcess one
                WSGIProcessGroup one
                <VirtualHost *:443>
                    ServerName secure.example
                    SSLEngine on
                    SSLCertificateFile cert.pem
                    SSLCertificateKeyFile key.pem
                    SSLCACertificateFile ca.pem
                    SSLOptions +StdEnvVars
                    WSGIScriptAlias / @ROOT@/a/wsgi.py
                    <Location /admin>
                        SSLVerifyClient require
                        SSLVerifyDepth 2
                    </Location>
                </VirtualHost>
                """);
        assertThat(site.frontEnd().stream().map(Word::text).toList()).containsSubsequence("--https-port", "443")
                .containsSubsequence("--ssl-ca-certificate-file", root.resolve("ca.pem").toString())
                .contains("--ssl-environment").containsSubsequence("--ssl-verify-client", "/admin");
        assertThat(errors("""
                <VirtualHost *:443>
                    SSLVerifyClient optional
                </VirtualHost>
                """)).singleElement().asString().contains("SSLVerifyClient optional: only require and none");
    }

    @Test
    void httpProtocolOptionsAndRemoteIpProxyProtocolBecomeFrontEndFlags() throws Exception {
        Site site = ok("""
                HttpProtocolOptions Strict RegisteredMethods Require1.0
                <VirtualHost *:80>
                    ServerName a.example
                    RemoteIPProxyProtocol On
                </VirtualHost>
                """);
        assertThat(site.frontEnd().stream().map(Word::text).toList())
                .contains("--registered-methods", "--proxy-protocol");
        Site lenient = ok("""
                HttpProtocolOptions LenientMethods
                RemoteIPProxyProtocol Off
                """);
        assertThat(lenient.frontEnd().stream().map(Word::text).toList())
                .doesNotContain("--registered-methods", "--proxy-protocol");
    }

    @Test
    void httpProtocolOptionsThatJwsgiDoesNotHaveAreRefused() throws Exception {
        assertThat(errors("HttpProtocolOptions Unsafe\n")).singleElement().asString()
                .contains("HttpProtocolOptions Unsafe: not supported");
        assertThat(errors("HttpProtocolOptions Allow0.9\n")).singleElement().asString()
                .contains("HTTP/0.9 is not served");
        assertThat(errors("HttpProtocolOptions Sloppy\n")).singleElement().asString()
                .contains("'Sloppy' is not one of");
        assertThat(errors("<VirtualHost *:80>\nHttpProtocolOptions RegisteredMethods\n</VirtualHost>\n"))
                .singleElement().asString().contains("belongs at server level");
        assertThat(errors("RemoteIPProxyProtocol Maybe\n")).singleElement().asString().contains("Maybe");
    }
}
