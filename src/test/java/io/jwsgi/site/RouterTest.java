package io.jwsgi.site;

import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.site.Site.Kind;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Virtual host, then the first matching mount: Apache's matching rules, one place. */
class RouterTest {
    @TempDir
    Path root;

    private Router router(String text) throws IOException {
        Files.createDirectories(root.resolve("apps"));
        Files.createDirectories(root.resolve("static"));
        Path file = Files.writeString(root.resolve("site.conf"), text.replace("@ROOT@", root.toString()));
        ConfigReader.Result read = ConfigReader.read(file, Map.of(), Set.of(), root, ConfigReader.MODULES);
        assertThat(read.errors()).isEmpty();
        SiteBuilder.Result built = SiteBuilder.build(read.directives(), root, Map.of());
        assertThat(built.errors()).isEmpty();
        return new Router(built.site().hosts());
    }

    @Test
    void aliasesMatchOnSegmentBoundariesAndSlashRunsAsApacheDoes() {
        assertThat(Router.aliasMatch("/app", "/app")).isEqualTo(4);
        assertThat(Router.aliasMatch("/app", "/app/x")).isEqualTo(4);
        assertThat(Router.aliasMatch("/app", "/application")).isEqualTo(-1);
        assertThat(Router.aliasMatch("/static/", "/static")).isEqualTo(-1);
        assertThat(Router.aliasMatch("/static/", "/static/a.css")).isEqualTo(8);
        assertThat(Router.aliasMatch("/a/b", "/a//b/c")).isEqualTo(5);
        assertThat(Router.aliasMatch("/", "/anything")).isEqualTo(1);
    }

    @Test
    void scriptNameIsTheMountWithoutTrailingSlashesAndPathInfoTheRest() throws Exception {
        Router r = router("""
                WSGIDaemonProcess g
                WSGIProcessGroup g
                WSGIApplicationGroup %{GLOBAL}
                WSGIScriptAlias /app @ROOT@/apps/app.wsgi
                WSGIScriptAlias / @ROOT@/apps/root.wsgi
                """);
        Router.Route app = r.route("h", 80, "/app/users/1");
        assertThat(app.kind()).isEqualTo(Kind.WSGI);
        assertThat(app.scriptName()).isEqualTo("/app");
        assertThat(app.pathInfo()).isEqualTo("/users/1");
        assertThat(app.file()).isEqualTo(root.resolve("apps/app.wsgi"));
        Router.Route top = r.route("h", 80, "/application");
        assertThat(top.scriptName()).isEmpty();
        assertThat(top.pathInfo()).isEqualTo("/application");
        assertThat(top.file()).isEqualTo(root.resolve("apps/root.wsgi"));
    }

    @Test
    void anAliasWinsOverAScriptAliasAtTheRootAndRedirectsComeFirst() throws Exception {
        Router r = router("""
                WSGIDaemonProcess g
                WSGIProcessGroup g
                WSGIScriptAlias / @ROOT@/apps/root.wsgi
                Alias /static/ @ROOT@/static/
                Redirect permanent /old https://example.com/new
                """);
        Router.Route file = r.route("h", 80, "/static/css/site.css");
        assertThat(file.kind()).isEqualTo(Kind.ALIAS);
        assertThat(file.file()).isEqualTo(root.resolve("static/css/site.css"));
        Router.Route moved = r.route("h", 80, "/old/page");
        assertThat(moved.kind()).isEqualTo(Kind.REDIRECT);
        assertThat(moved.location()).isEqualTo("https://example.com/new/page");
        assertThat(moved.mount().status()).isEqualTo(301);
        assertThat(r.route("h", 80, "/staticfiles").kind()).isEqualTo(Kind.WSGI);
    }

    @Test
    void patternMountsSubstituteTheirGroupsAndDirectoryMountsTakeTheNextSegment() throws Exception {
        Router r = router("""
                WSGIDaemonProcess g
                WSGIProcessGroup g
                WSGIScriptAliasMatch ^/tools/([^/]+) @ROOT@/apps/$1.wsgi
                WSGIScriptAlias /wsgi/ @ROOT@/apps/
                """);
        Router.Route tool = r.route("h", 80, "/tools/report/2026");
        assertThat(tool.file()).isEqualTo(root.resolve("apps/report.wsgi"));
        assertThat(tool.scriptName()).isEqualTo("/tools/report");
        assertThat(tool.pathInfo()).isEqualTo("/2026");
        Router.Route dir = r.route("h", 80, "/wsgi/hello.py/x");
        assertThat(dir.file()).isEqualTo(root.resolve("apps/hello.py"));
        assertThat(dir.scriptName()).isEqualTo("/wsgi/hello.py");
        assertThat(dir.pathInfo()).isEqualTo("/x");
    }

    @Test
    void theVirtualHostIsChosenByNameOnItsPortElseThePortsFirst() throws Exception {
        Router r = router("""
                WSGIDaemonProcess g
                WSGIProcessGroup g
                WSGIApplicationGroup %{GLOBAL}
                <VirtualHost *:80>
                    ServerName one.example
                    WSGIScriptAlias / @ROOT@/apps/one.wsgi
                </VirtualHost>
                <VirtualHost *:80>
                    ServerName two.example
                    ServerAlias *.two.example
                    WSGIScriptAlias / @ROOT@/apps/two.wsgi
                </VirtualHost>
                <VirtualHost *:8443>
                    ServerName one.example
                    WSGIScriptAlias / @ROOT@/apps/secure.wsgi
                </VirtualHost>
                """);
        assertThat(r.route("two.example", 80, "/").file()).isEqualTo(root.resolve("apps/two.wsgi"));
        assertThat(r.route("www.two.example", 80, "/").file()).isEqualTo(root.resolve("apps/two.wsgi"));
        assertThat(r.route("unknown.example", 80, "/").file()).isEqualTo(root.resolve("apps/one.wsgi"));
        assertThat(r.route(null, 80, "/").file()).isEqualTo(root.resolve("apps/one.wsgi"));
        assertThat(r.route("one.example", 8443, "/").file()).isEqualTo(root.resolve("apps/secure.wsgi"));
    }

    @Test
    void theFirstHostInOrderWinsWhetherItNamesTheHostExactlyOrByWildcard() throws Exception {
        Router r = router("""
                WSGIDaemonProcess g
                WSGIProcessGroup g
                WSGIApplicationGroup %{GLOBAL}
                <VirtualHost *:80>
                    ServerName first.example
                    WSGIScriptAlias / @ROOT@/apps/first.wsgi
                </VirtualHost>
                <VirtualHost *:80>
                    ServerName wild.example
                    ServerAlias *.shop.example ap?.example
                    WSGIScriptAlias / @ROOT@/apps/wild.wsgi
                </VirtualHost>
                <VirtualHost *:80>
                    ServerName www.shop.example
                    ServerAlias app.example api.example
                    WSGIScriptAlias / @ROOT@/apps/exact.wsgi
                </VirtualHost>
                <VirtualHost *:81>
                    ServerName www.shop.example
                    WSGIScriptAlias / @ROOT@/apps/other-port.wsgi
                </VirtualHost>
                """);
        // an earlier host's wildcard beats a later host's exact name, as Apache's in-order search does
        assertThat(r.route("www.shop.example", 80, "/").file()).isEqualTo(root.resolve("apps/wild.wsgi"));
        assertThat(r.route("app.example", 80, "/").file()).isEqualTo(root.resolve("apps/wild.wsgi"));
        // '?' is one character, '*' needs the literal text around it
        assertThat(r.route("apps.example", 80, "/").file()).isEqualTo(root.resolve("apps/first.wsgi"));
        assertThat(r.route("shop.example", 80, "/").file()).isEqualTo(root.resolve("apps/first.wsgi"));
        assertThat(r.route("a.b.shop.example", 80, "/").file()).isEqualTo(root.resolve("apps/wild.wsgi"));
        // the other port has its own hosts; a port no host names falls to the main server (no mounts: 404)
        assertThat(r.route("www.shop.example", 81, "/").file()).isEqualTo(root.resolve("apps/other-port.wsgi"));
        assertThat(r.route("unknown.example", 81, "/").file()).isEqualTo(root.resolve("apps/other-port.wsgi"));
        assertThat(r.route("www.shop.example", 82, "/").notFound()).isTrue();
    }

    @Test
    void aScriptMountGetsItsDirectorySectionsAndTheLocationsOfEachRequest() throws Exception {
        Router r = router("""
                WSGIDaemonProcess a
                WSGIDaemonProcess b
                WSGIProcessGroup a
                WSGIScriptAlias /app @ROOT@/apps/app.wsgi
                <Directory @ROOT@/apps>
                    SetEnv FROM directory
                    SetEnv TIER base
                </Directory>
                <Files app.wsgi>
                    SetEnv FILE yes
                </Files>
                <Location /app/admin>
                    WSGIProcessGroup b
                    SetEnv TIER admin
                </Location>
                """);
        for (int i = 0; i < 2; i++) { // the same mount twice: nothing of one request stays for the next
            Router.Route plain = r.route("h", 80, "/app/x");
            assertThat(plain.scope().processGroup()).isEqualTo("a");
            assertThat(plain.scope().setenv()).containsEntry("FROM", "directory").containsEntry("TIER", "base")
                    .containsEntry("FILE", "yes");
            Router.Route admin = r.route("h", 80, "/app/admin/users");
            assertThat(admin.scope().processGroup()).isEqualTo("b");
            assertThat(admin.scope().setenv()).containsEntry("FROM", "directory").containsEntry("TIER", "admin")
                    .containsEntry("FILE", "yes");
        }
    }

    @Test
    void locationSectionsOverrideTheHostAndTheLaterSectionWins() throws Exception {
        Router r = router("""
                WSGIDaemonProcess a
                WSGIDaemonProcess b
                WSGIProcessGroup a
                WSGIApplicationGroup %{GLOBAL}
                WSGIScriptAlias / @ROOT@/apps/root.wsgi
                <Location /api>
                    WSGIProcessGroup b
                    SetEnv TIER api
                </Location>
                <LocationMatch ^/api/v2>
                    SetEnv TIER v2
                </LocationMatch>
                """);
        assertThat(r.route("h", 80, "/").scope().processGroup()).isEqualTo("a");
        assertThat(r.route("h", 80, "/api/x").scope().processGroup()).isEqualTo("b");
        assertThat(r.route("h", 80, "/api/x").scope().setenv()).containsEntry("TIER", "api");
        assertThat(r.route("h", 80, "/api/v2/x").scope().setenv()).containsEntry("TIER", "v2");
    }

    @Test
    void groupNamesExpandPerRequest() throws Exception {
        Router r = router("""
                WSGIDaemonProcess g
                WSGIProcessGroup g
                <VirtualHost *:8080>
                    ServerName site.example
                    WSGIScriptAlias /app @ROOT@/apps/app.wsgi
                    SetEnv APP_GROUP from-setenv
                </VirtualHost>
                """);
        Router.Route route = r.route("site.example", 8080, "/app/x");
        assertThat(Router.expand("%{GLOBAL}", route, "site.example", 8080, Map.of())).isEmpty();
        assertThat(Router.expand("%{RESOURCE}", route, "site.example", 8080, Map.of()))
                .isEqualTo("site.example:8080|/app");
        assertThat(Router.expand("%{SERVER}", route, "site.example", 80, Map.of())).isEqualTo("site.example");
        assertThat(Router.expand("%{HOST}", route, "alias.example", 8080, Map.of())).isEqualTo("alias.example:8080");
        assertThat(Router.expand("%{ENV:APP_GROUP}", route, null, 80, Map.of())).isEqualTo("from-setenv");
        assertThat(Router.expand("%{ENV:OTHER}", route, null, 80, Map.of("OTHER", "env"))).isEqualTo("env");
        assertThat(Router.expand("literal", route, null, 80, Map.of())).isEqualTo("literal");
    }

    @Test
    void aFilesSectionNestedInADirectoryAppliesToThatFileOnly() throws Exception {
        // Django's deployment guide: everything denied, then only the WSGI script granted.
        Router r = router("""
                WSGIDaemonProcess g
                WSGIProcessGroup g
                WSGIApplicationGroup %{GLOBAL}
                <Directory />
                    Require all denied
                </Directory>
                WSGIScriptAlias /app @ROOT@/apps/wsgi.py
                WSGIScriptAlias /else @ROOT@/apps/other.py
                <Directory @ROOT@/apps>
                    SetEnv IN apps
                    <Files wsgi.py>
                        Require all granted
                    </Files>
                </Directory>
                """);
        InetAddress client = InetAddress.getLoopbackAddress();
        Router.Route granted = r.route("h", 80, "/app/x");
        assertThat(granted.scope().access().grants(client)).isTrue();
        assertThat(granted.scope().setenv()).containsEntry("IN", "apps");
        Router.Route denied = r.route("h", 80, "/else/x");
        assertThat(denied.scope().access().grants(client)).isFalse();
        assertThat(denied.scope().setenv()).containsEntry("IN", "apps");
    }

    @Test
    void aLocationMatchesWholeSegmentsUnlessItEndsWithASlash() throws Exception {
        // httpd's location walk: a pattern not ending in '/' must be followed by '/' or the end of the URL.
        Router r = router("""
                WSGIDaemonProcess g
                WSGIProcessGroup g
                WSGIScriptAlias / @ROOT@/apps/root.wsgi
                <Location /api>
                    SetEnv TIER api
                </Location>
                <Location /v2/>
                    SetEnv TIER v2
                </Location>
                """);
        assertThat(r.route("h", 80, "/api").scope().setenv()).containsEntry("TIER", "api");
        assertThat(r.route("h", 80, "/api/x").scope().setenv()).containsEntry("TIER", "api");
        assertThat(r.route("h", 80, "/apix").scope().setenv()).doesNotContainKey("TIER");
        assertThat(r.route("h", 80, "/api.json").scope().setenv()).doesNotContainKey("TIER");
        assertThat(r.route("h", 80, "/v2/x").scope().setenv()).containsEntry("TIER", "v2");
        assertThat(r.route("h", 80, "/v2").scope().setenv()).doesNotContainKey("TIER");
    }

    @Test
    void aRedirectEscapesTheRestOfThePathAgainAsModAliasDoes() throws Exception {
        Router r = router("""
                Redirect /old /new
                """);
        // The router sees the decoded path, one latin-1 char per byte ("\u00c3\u00a9" is UTF-8 e-acute).
        assertThat(r.route("h", 80, "/old/a b").location()).isEqualTo("/new/a%20b");
        assertThat(r.route("h", 80, "/old/\u00c3\u00a9/100%").location()).isEqualTo("/new/%c3%a9/100%25");
        assertThat(r.route("h", 80, "/old/a?b#c").location()).isEqualTo("/new/a%3fb%23c");
        assertThat(r.route("h", 80, "/old/keep-$_.+!*'(),:;@&=~").location()).isEqualTo("/new/keep-$_.+!*'(),:;@&=~");
    }
}
