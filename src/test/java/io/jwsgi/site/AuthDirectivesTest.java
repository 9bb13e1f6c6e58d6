package io.jwsgi.site;

import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.site.AccessRule.Decision;
import io.jwsgi.site.Site.Auth;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The authentication directives into a scope, their errors, and the Require decisions with and without a user. */
class AuthDirectivesTest {
    @TempDir
    Path root;

    private SiteBuilder.Result build(String text) throws IOException {
        Files.writeString(root.resolve("app.wsgi"), "application = None\n");
        Path file = Files.writeString(root.resolve("site.conf"), """
                WSGIDaemonProcess one
                WSGIProcessGroup one
                WSGIScriptAlias / @ROOT@/app.wsgi
                """.replace("@ROOT@", root.toString()) + text);
        ConfigReader.Result read = ConfigReader.read(file, Map.of(), Set.of(), root, ConfigReader.MODULES);
        assertThat(read.errors()).isEmpty();
        return SiteBuilder.build(read.directives(), root, Map.of());
    }

    private List<String> errors(String text) throws IOException {
        return build(text).errors().stream().map(ConfigProblem::toString).toList();
    }

    /** A client at 127.0.0.1 with {@code user} (or none) and {@code groups}, counting the group look-ups. */
    private static AccessRule.Client client(String user, List<String> groups, boolean authoritative,
                                            AtomicInteger lookups) {
        return new AccessRule.Client() {
            public InetAddress peer() {
                return InetAddress.getLoopbackAddress();
            }

            public String user() {
                return user;
            }

            public List<String> groups() {
                lookups.incrementAndGet();
                return groups;
            }

            public boolean groupAuthoritative() {
                return authoritative;
            }
        };
    }

    @Test
    void aLocationsAuthDirectivesMergeOverTheEnclosingSection() throws Exception {
        SiteBuilder.Result r = build("""
                <Location /private>
                    AuthType digest
                    AuthName "Private area"
                    AuthDigestProvider wsgi
                    WSGIAuthUserScript /srv/auth.wsgi application-group=%{GLOBAL}
                    WSGIAuthGroupScript /srv/groups.wsgi application-group=admin
                    WSGIGroupAuthoritative Off
                    Require wsgi-group admins
                </Location>
                <Location /private/open>
                    WSGIAccessScript /srv/access.wsgi
                    Require all granted
                </Location>
                """);
        assertThat(r.errors()).isEmpty();
        Router router = new Router(r.site().hosts());
        Auth auth = router.route("x", 80, "/private/page").scope().auth();
        assertThat(auth.type()).isEqualTo("Digest");
        assertThat(auth.name()).isEqualTo("Private area");
        assertThat(auth.digestProvider()).isEqualTo("wsgi");
        assertThat(auth.userScript().path()).isEqualTo(Path.of("/srv/auth.wsgi"));
        assertThat(auth.userScript().applicationGroup()).isEmpty();
        assertThat(auth.groupScript().applicationGroup()).isEqualTo("admin");
        assertThat(auth.groupAuthoritative()).isFalse();
        assertThat(auth.accessScript()).isNull();
        Auth inner = router.route("x", 80, "/private/open/x").scope().auth();
        assertThat(inner.accessScript().path()).isEqualTo(Path.of("/srv/access.wsgi"));
        assertThat(inner.userScript()).isEqualTo(auth.userScript());
        assertThat(router.route("x", 80, "/public").scope().auth()).isEqualTo(Auth.NONE);
        assertThat(r.site().usesHooks()).isTrue();
    }

    @Test
    void userRulesAskForAUserThenDecideWithIt() throws Exception {
        SiteBuilder.Result r = build("""
                <Location /a>
                    <RequireAny>
                        Require ip 10.0.0.0/8
                        Require user ann bob
                    </RequireAny>
                </Location>
                <Location /g>
                    <RequireAll>
                        Require valid-user
                        Require group admins
                    </RequireAll>
                </Location>
                """);
        assertThat(r.errors()).isEmpty();
        Router router = new Router(r.site().hosts());
        AccessRule a = router.route("x", 80, "/a").scope().access();
        AccessRule g = router.route("x", 80, "/g").scope().access();
        AtomicInteger lookups = new AtomicInteger();
        assertThat(AccessRule.needsUser(a)).isTrue();
        assertThat(AccessRule.decide(a, client(null, List.of(), true, lookups))).isEqualTo(Decision.NO_USER);
        assertThat(AccessRule.decide(a, client("ann", List.of(), true, lookups))).isEqualTo(Decision.GRANTED);
        assertThat(AccessRule.decide(a, client("eve", List.of(), true, lookups))).isEqualTo(Decision.DENIED);
        assertThat(AccessRule.decide(g, client(null, List.of(), true, lookups))).isEqualTo(Decision.NO_USER);
        assertThat(lookups).hasValue(0); // no user, no groups asked
        assertThat(AccessRule.decide(g, client("ann", List.of("admins"), true, lookups))).isEqualTo(Decision.GRANTED);
        assertThat(AccessRule.decide(g, client("bob", List.of("staff"), true, lookups))).isEqualTo(Decision.DENIED);
        // WSGIGroupAuthoritative Off: the failed group rule is neutral and valid-user decides
        assertThat(AccessRule.decide(g, client("bob", List.of("staff"), false, lookups))).isEqualTo(Decision.GRANTED);
        assertThat(AccessRule.needsUser(AccessRule.GRANTED)).isFalse();
    }

    @Test
    void aMissingHookScriptIsAWarningAndTheHookGroupsNameIsReserved() throws Exception {
        SiteBuilder.Result r = build("""
                WSGIDaemonProcess jwsgi-hooks
                <Location /a>
                    WSGIAccessScript /nonexistent/access.wsgi
                </Location>
                """);
        assertThat(r.site().warnings()).anySatisfy(w -> assertThat(w).endsWith("the hook script"
                + " /nonexistent/access.wsgi does not exist (requests that need it will get 500)"));
        assertThat(r.errors().stream().map(ConfigProblem::toString)).anySatisfy(e -> assertThat(e).contains(
                "WSGIDaemonProcess jwsgi-hooks: the name is jwsgi's own hook process group's"));
    }

    @Test
    void everyBadInputNamesItsFileAndLine() throws Exception {
        String conf = root.resolve("site.conf").toString();
        assertThat(errors("WSGIAuthUserScript /srv/auth.wsgi\n")).containsExactly(conf + ":4: WSGIAuthUserScript is"
                + " only allowed in <Directory>, <Location> and <Files> sections (Apache's directory context), not at"
                + " server or <VirtualHost> level");
        assertThat(errors("<Location />\nAuthType NTLM\n</Location>\n")).containsExactly(conf + ":5: AuthType: 'NTLM'"
                + " is not supported (Basic, Digest or None)");
        assertThat(errors("<Location />\nAuthBasicProvider file\n</Location>\n")).singleElement().asString()
                .startsWith(conf + ":5: AuthBasicProvider: provider 'file' is not supported; only mod_wsgi's 'wsgi'");
        assertThat(errors("<Location />\nWSGIAccessScript access.wsgi\n</Location>\n")).containsExactly(conf
                + ":5: WSGIAccessScript: 'access.wsgi' is not an absolute path");
        assertThat(errors("<Location />\nWSGIAuthGroupScript /g.wsgi process-group=one\n</Location>\n"))
                .singleElement().asString().startsWith(conf + ":5: WSGIAuthGroupScript: process-group= is not an"
                        + " option of this directive");
        assertThat(errors("<Location />\nWSGIAuthUserScript /a.wsgi application-group=%{SERVER}\n</Location>\n"))
                .singleElement().asString().contains("only %{GLOBAL} or a literal name");
        assertThat(errors("<Location />\nWSGIAuthUserScript /a.wsgi colour=blue\n</Location>\n"))
                .singleElement().asString().contains("unknown option 'colour=blue'");
        assertThat(errors("<Location />\nRequire user\n</Location>\n")).containsExactly(conf + ":5: Require user"
                + " needs at least one name");
        assertThat(errors("<Location />\nAuthUserFile /etc/htpasswd\n</Location>\n")).singleElement().asString()
                .startsWith(conf + ":5: AuthUserFile: not supported yet");
    }
}
