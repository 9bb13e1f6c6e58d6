package io.jwsgi.it;

import static io.jwsgi.it.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python access and auth hooks (docs/auth-hooks.md) with real clients: curl's Basic and Digest, Python's urllib
 * handlers, a hand-made Digest exchange for the replay check; in a configuration file and with start-server's flags;
 * mod_ssl.var_lookup with a client certificate.
 */
class AuthHooksIT {
    static final Path FIXTURES = Path.of("src/test/resources/auth").toAbsolutePath();

    @TempDir
    static Path dir;
    static JwsgiProcess site;

    @BeforeAll
    static void start() throws Exception {
        for (String f : List.of("app.wsgi", "auth.wsgi", "groups.wsgi", "access.wsgi", "boom.wsgi")) {
            Files.copy(FIXTURES.resolve(f), dir.resolve(f));
        }
        writeReloadScript("True", Instant.now().minusSeconds(60));
        Path conf = Files.writeString(dir.resolve("site.conf"), """
                WSGIDaemonProcess app threads=2
                WSGIProcessGroup app
                WSGIApplicationGroup %%{GLOBAL}
                SetEnv SITE_TIER gold
                WSGIScriptAlias / %1$s/app.wsgi
                <Location /basic>
                    AuthType Basic
                    AuthName "Basic Realm"
                    AuthBasicProvider wsgi
                    WSGIAuthUserScript %1$s/auth.wsgi
                    Require valid-user
                </Location>
                <Location /digest>
                    AuthType Digest
                    AuthName "digest realm"
                    AuthDigestProvider wsgi
                    WSGIAuthUserScript %1$s/auth.wsgi application-group=%%{GLOBAL}
                    Require valid-user
                </Location>
                <Location /admins>
                    AuthType Basic
                    AuthName "Admins"
                    AuthBasicProvider wsgi
                    WSGIAuthUserScript %1$s/auth.wsgi
                    WSGIAuthGroupScript %1$s/groups.wsgi application-group=directory
                    Require wsgi-group admins
                </Location>
                <Location /ann>
                    AuthType Basic
                    AuthName "Ann only"
                    AuthBasicProvider wsgi
                    WSGIAuthUserScript %1$s/auth.wsgi
                    Require user ann
                </Location>
                <Location /access>
                    WSGIAccessScript %1$s/access.wsgi
                </Location>
                <Location /reload>
                    WSGIAccessScript %1$s/reload.wsgi
                </Location>
                <Location /local>
                    AuthType Basic
                    AuthName "Local or login"
                    AuthBasicProvider wsgi
                    WSGIAuthUserScript %1$s/auth.wsgi
                    <RequireAny>
                        Require local
                        Require valid-user
                    </RequireAny>
                </Location>
                <Location /unconfigured>
                    Require valid-user
                </Location>
                <Location /boom>
                    AuthType Basic
                    AuthName "Boom"
                    AuthBasicProvider wsgi
                    WSGIAuthUserScript %1$s/boom.wsgi
                    Require valid-user
                </Location>
                """.formatted(dir));
        site = JwsgiProcess.serve(dir.resolve("root"), conf);
    }

    @AfterAll
    static void stop() throws Exception {
        if (site != null) site.close();
    }

    static void writeReloadScript(String answer, Instant mtime) throws Exception {
        Path p = dir.resolve("reload.wsgi");
        Files.writeString(p, "def allow_access(environ, host):\n    return " + answer + "\n");
        Files.setLastModifiedTime(p, FileTime.from(mtime));
    }

    static String curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-i", "--max-time", "20"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = Http.readAll(p.getInputStream());
        p.waitFor();
        return out;
    }

    /** The last response of a curl -i run (Digest makes two). */
    static String last(String out) {
        int at = out.lastIndexOf("HTTP/1.1 ");
        return at < 0 ? out : out.substring(at);
    }

    @Test
    void basicAuthenticationChallengesChecksThePasswordAndNamesTheUser() throws Exception {
        assertThat(curl(site.url("/basic/x"))).as(site.output()).startsWith("HTTP/1.1 401")
                .contains("WWW-Authenticate: Basic realm=\"Basic Realm\"");
        String ok = curl("-u", "bob:secret", site.url("/basic/x"));
        assertThat(ok).as(site.output()).startsWith("HTTP/1.1 200").contains("\"REMOTE_USER\": \"bob\"")
                .contains("\"AUTH_TYPE\": \"Basic\"").contains("\"HTTP_AUTHORIZATION\": null")
                .contains("\"SITE_TIER\": \"gold\"");
        assertThat(curl("-u", "bob:wrong", site.url("/basic/x"))).startsWith("HTTP/1.1 401")
                .contains("WWW-Authenticate: Basic");
        assertThat(curl("-u", "nobody:secret", site.url("/basic/x"))).startsWith("HTTP/1.1 401");
        // check_password answering a str replaces the user name
        assertThat(curl("-u", "alias:secret", site.url("/basic/x"))).startsWith("HTTP/1.1 200")
                .contains("\"REMOTE_USER\": \"renamed\"");
    }

    @Test
    void digestAuthenticationWithCurl() throws Exception {
        String challenge = curl(site.url("/digest/x"));
        assertThat(challenge).as(site.output()).startsWith("HTTP/1.1 401").containsPattern(
                "WWW-Authenticate: Digest realm=\"digest realm\", nonce=\"[^\"]+\", algorithm=MD5, qop=\"auth\"\r\n");
        String ok = last(curl("--digest", "-u", "ann:secret", site.url("/digest/x?q=1")));
        assertThat(ok).as(site.output()).startsWith("HTTP/1.1 200").contains("\"REMOTE_USER\": \"ann\"")
                .contains("\"AUTH_TYPE\": \"Digest\"");
        assertThat(last(curl("--digest", "-u", "ann:wrong", site.url("/digest/x")))).startsWith("HTTP/1.1 401");
        assertThat(last(curl("--digest", "-u", "nobody:secret", site.url("/digest/x")))).startsWith("HTTP/1.1 401");
    }

    @Test
    void aReplayedDigestIsRefusedAndAHigherNonceCountAccepted() throws Exception {
        HttpResponse<String> first = Http.get(site.url("/digest/replay"));
        assertThat(first.statusCode()).isEqualTo(401);
        Matcher m = Pattern.compile("nonce=\"([^\"]+)\"").matcher(first.headers().firstValue("WWW-Authenticate")
                .orElseThrow());
        assertThat(m.find()).isTrue();
        String nonce = m.group(1);
        String once = digest("ann", "secret", "digest realm", nonce, "/digest/replay", "00000001");
        assertThat(get("/digest/replay", once).statusCode()).isEqualTo(200);
        HttpResponse<String> replayed = get("/digest/replay", once);
        assertThat(replayed.statusCode()).as(site.output()).isEqualTo(401);
        assertThat(replayed.headers().firstValue("WWW-Authenticate").orElseThrow()).doesNotContain("stale");
        assertThat(get("/digest/replay", digest("ann", "secret", "digest realm", nonce, "/digest/replay",
                "00000002")).statusCode()).isEqualTo(200);
        // a digest made for another URI is refused (it could otherwise be replayed against any resource)
        assertThat(get("/digest/replay", digest("ann", "secret", "digest realm", nonce, "/digest/other",
                "00000003")).statusCode()).isEqualTo(400);
        // a nonce this server did not issue
        assertThat(get("/digest/replay", digest("ann", "secret", "digest realm", "AAAAAAAAAAA.00", "/digest/replay",
                "00000001")).statusCode()).isEqualTo(401);
        assertThat(site.output()).contains("digest nonce count replayed");
    }

    static HttpResponse<String> get(String path, String authorization) throws Exception {
        return Http.send(HttpRequest.newBuilder(URI.create(site.url(path))).header("Authorization", authorization)
                .build());
    }

    static String digest(String user, String password, String realm, String nonce, String uri, String nc)
            throws Exception {
        String cnonce = "0a4f113b";
        String ha1 = md5(user + ":" + realm + ":" + password);
        String ha2 = md5("GET:" + uri);
        String response = md5(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2);
        return "Digest username=\"" + user + "\", realm=\"" + realm + "\", nonce=\"" + nonce + "\", uri=\"" + uri
                + "\", algorithm=MD5, qop=auth, nc=" + nc + ", cnonce=\"" + cnonce + "\", response=\"" + response + "\"";
    }

    static String md5(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void groupAndUserRequirements() throws Exception {
        assertThat(curl("-u", "ann:secret", site.url("/admins/x"))).as(site.output()).startsWith("HTTP/1.1 200")
                .contains("\"REMOTE_USER\": \"ann\"");
        assertThat(curl("-u", "bob:secret", site.url("/admins/x"))).startsWith("HTTP/1.1 401")
                .contains("WWW-Authenticate: Basic realm=\"Admins\"");
        assertThat(curl("-u", "ann:secret", site.url("/ann"))).startsWith("HTTP/1.1 200");
        assertThat(curl("-u", "bob:secret", site.url("/ann"))).startsWith("HTTP/1.1 401");
    }

    @Test
    void hostRulesAndUserRulesCombineAsApacheCombinesThem() throws Exception {
        // a local client is let in by Require local without being asked for a password
        assertThat(curl(site.url("/local"))).as(site.output()).startsWith("HTTP/1.1 200")
                .contains("\"REMOTE_USER\": null");
        // a user rule with no AuthType to ask with is a configuration error, answered 500 with its reason logged
        assertThat(curl(site.url("/unconfigured"))).startsWith("HTTP/1.1 500");
        eventually(Duration.ofSeconds(20), () -> assertThat(site.output())
                .contains("problem=Require needs a user here but AuthType is not set"));
    }

    @Test
    void theAccessScriptRefusesWith403AndSeesTheCutDownEnviron() throws Exception {
        assertThat(curl(site.url("/access?deny"))).as(site.output()).startsWith("HTTP/1.1 403");
        assertThat(curl(site.url("/access"))).startsWith("HTTP/1.1 200").contains("\"REMOTE_USER\": null");
        // SetEnv values are not in the hooks' environ, mod_wsgi's rule
        assertThat(site.output()).contains("allow_access host=127.0.0.1 https=False setenv=None");
    }

    @Test
    void anExceptionInAHookIsA500WithItsTracebackInTheErrorLog() throws Exception {
        assertThat(curl("-u", "bob:secret", site.url("/boom"))).as(site.output()).startsWith("HTTP/1.1 500");
        eventually(Duration.ofSeconds(20), () -> assertThat(site.output()).contains("Traceback (most recent call last)")
                .contains("RuntimeError: user database unreachable")
                .contains("exception in check_password() of '" + dir.resolve("boom.wsgi") + "'"));
    }

    @Test
    void aHookScriptIsReloadedWhenItChanges() throws Exception {
        assertThat(curl(site.url("/reload"))).as(site.output()).startsWith("HTTP/1.1 200");
        writeReloadScript("False", Instant.now());
        eventually(Duration.ofSeconds(20), () -> assertThat(curl(site.url("/reload"))).startsWith("HTTP/1.1 403"));
    }

    @Test
    void pythonUrllibHandlersAuthenticateWithBasicAndDigest() throws Exception {
        String out = urllib(site.url("/basic/py"), "Basic Realm", "Basic", "bob")
                + urllib(site.url("/digest/py"), "digest realm", "Digest", "bob");
        assertThat(out).as(site.output()).contains("200 {\"REMOTE_USER\": \"bob\", \"AUTH_TYPE\": \"Basic\"")
                .contains("200 {\"REMOTE_USER\": \"bob\", \"AUTH_TYPE\": \"Digest\"");
    }

    /** Python's urllib with HTTPBasicAuthHandler or HTTPDigestAuthHandler, as {@code user}. */
    static String urllib(String url, String realm, String scheme, String user) throws Exception {
        String script = """
                import sys, urllib.request
                url, realm, scheme, user = sys.argv[1:5]
                passwords = urllib.request.HTTPPasswordMgr()
                passwords.add_password(realm, url, user, 'secret')
                handler = (urllib.request.HTTPBasicAuthHandler if scheme == 'Basic'
                           else urllib.request.HTTPDigestAuthHandler)(passwords)
                with urllib.request.build_opener(handler).open(url, timeout=20) as r:
                    print(r.status, r.read().decode())
                """;
        Process p = new ProcessBuilder("python3", "-c", script, url, realm, scheme, user).redirectErrorStream(true).start();
        String out = Http.readAll(p.getInputStream());
        p.waitFor();
        return out;
    }

    @Test
    void startServerFlagsProtectTheWholeSiteWithDigestAndAGroup(@TempDir Path root) throws Exception {
        try (JwsgiProcess express = JwsgiProcess.start(root, FIXTURES.resolve("app.wsgi").toString(),
                "--host", "127.0.0.1", "--port", "0", "--log-to-terminal",
                "--auth-user-script", FIXTURES.resolve("auth.wsgi").toString(), "--auth-type", "Digest",
                "--auth-group-script", FIXTURES.resolve("groups.wsgi").toString(), "--auth-group", "admins",
                "--host-access-script", FIXTURES.resolve("access.wsgi").toString())) {
            String realm = "127.0.0.1:" + express.port();
            assertThat(curl(express.url("/x"))).as(express.output()).startsWith("HTTP/1.1 401")
                    .contains("WWW-Authenticate: Digest realm=\"" + realm + "\"");
            assertThat(last(curl("--digest", "-u", "ann:secret", express.url("/x")))).as(express.output())
                    .startsWith("HTTP/1.1 200").contains("\"REMOTE_USER\": \"ann\"").contains("\"AUTH_TYPE\": \"Digest\"");
            assertThat(last(curl("--digest", "-u", "bob:secret", express.url("/x")))).startsWith("HTTP/1.1 401");
            assertThat(curl("--digest", "-u", "ann:secret", express.url("/x?deny"))).startsWith("HTTP/1.1 403");
            assertThat(urllib(express.url("/py"), realm, "Digest", "ann")).as(express.output())
                    .contains("200 {\"REMOTE_USER\": \"ann\", \"AUTH_TYPE\": \"Digest\"");
        }
    }

    @Test
    void theAccessScriptReadsTheClientCertificateThroughModSsl(@TempDir Path root) throws Exception {
        TestCertificates certs = TestCertificates.create(root.resolve("certs"));
        try (JwsgiProcess tls = JwsgiProcess.start(root.resolve("server"), FIXTURES.resolve("app.wsgi").toString(),
                "--host", "127.0.0.1", "--port", "0", "--log-to-terminal", "--https-port", "0",
                "--ssl-certificate-file", certs.fullChain.toString(),
                "--ssl-certificate-key-file", certs.serverKey.toString(),
                "--ssl-ca-certificate-file", certs.caCert.toString(), "--ssl-verify-client", "/secure",
                "--host-access-script", FIXTURES.resolve("access.wsgi").toString())) {
            Matcher m = TlsIT.HTTPS_URL.matcher(tls.output());
            assertThat(m.find()).as(tls.output()).isTrue();
            String base = "https://localhost:" + m.group(1);
            assertThat(curl("--cacert", certs.caCert.toString(), "--cert", certs.clientCert.toString(), "--key",
                    certs.clientKey.toString(), base + "/secure?cert")).as(tls.output()).startsWith("HTTP/1.1 200");
            // no certificate on this path: var_lookup('SSL_CLIENT_S_DN') is None, and the script refuses
            assertThat(curl("--cacert", certs.caCert.toString(), base + "/open?cert")).startsWith("HTTP/1.1 403");
            assertThat(tls.output()).contains("allow_access host=127.0.0.1 https=True");
        }
    }
}
