package io.jwsgi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --https-port, the --ssl-* options, --https-only, --hsts-policy and --http2 (mod_wsgi-express 6's rules). */
class ProtocolsSettingsTest {
    @TempDir
    Path temp;

    TestEnvironment env;
    Path cert;
    Path key;

    @BeforeEach
    void files() throws Exception {
        env = new TestEnvironment(temp);
        cert = Files.writeString(env.cwd.resolve("site.crt"), "certificate");
        key = Files.writeString(env.cwd.resolve("site.key"), "key");
    }

    @Test
    void withoutOptionsThereIsOnlyPlainHttp1() {
        assertThat(env.parseWithScript().protocols()).isEqualTo(Protocols.HTTP1_ONLY);
        assertThat(env.parseWithScript("--http2").protocols()).isEqualTo(new Protocols(true, null));
    }

    @Test
    void resolvesTheHttpsListenerWithPathsRelativeToTheCurrentDirectory() {
        Protocols p = env.parseWithScript("--https-port", "8443", "--ssl-certificate-file", "site.crt",
                "--ssl-certificate-key-file", "site.key", "--https-only", "--hsts-policy", "max-age=60").protocols();
        Protocols.Https https = p.https();
        assertThat(https.port()).isEqualTo(8443);
        assertThat(https.certificateFile()).isEqualTo(cert);
        assertThat(https.keyFile()).isEqualTo(key);
        assertThat(https.chainFile()).isNull();
        assertThat(https.httpsOnly()).isTrue();
        assertThat(https.hstsPolicy()).isEqualTo("max-age=60");
        assertThat(https.clientCertificateUrls()).isEmpty();
    }

    @Test
    void sslCertificateStemStandsForItsCrtAndKeyFiles() {
        Protocols.Https https = env.parseWithScript("--https-port", "8443", "--ssl-certificate", "site").protocols()
                .https();
        assertThat(https.certificateFile()).isEqualTo(cert);
        assertThat(https.keyFile()).isEqualTo(key);
        assertThatThrownBy(() -> env.parseWithScript("--https-port", "8443", "--ssl-certificate", "nothere"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--ssl-certificate: file not found: " + env.cwd.resolve("nothere.crt"));
    }

    @Test
    void aCaFileAloneCoversTheWholeSiteAndVerifyClientNarrowsIt() throws Exception {
        Files.writeString(env.cwd.resolve("ca.pem"), "ca");
        String[] base = {"--https-port", "0", "--ssl-certificate", "site", "--ssl-ca-certificate-file", "ca.pem"};
        assertThat(env.parseWithScript(base).protocols().https().clientCertificateUrls()).containsExactly("/");
        String[] narrowed = List.of(base, new String[] {"--ssl-verify-client", "/admin", "--ssl-verify-client",
                "/api/private"}).stream().flatMap(java.util.Arrays::stream).toArray(String[]::new);
        assertThat(env.parseWithScript(narrowed).protocols().https().clientCertificateUrls())
                .containsExactly("/admin", "/api/private");
    }

    @Test
    void everySslOptionNeedsHttpsPort() {
        assertThatThrownBy(() -> env.parseWithScript("--ssl-certificate-file", "site.crt"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--ssl-certificate-file: needs --https-port (there is no HTTPS listener)");
        assertThatThrownBy(() -> env.parseWithScript("--https-only"))
                .hasMessage("--https-only: needs --https-port (there is no HTTPS listener)");
        assertThatThrownBy(() -> env.parseWithScript("--ssl-verify-client", "/x"))
                .hasMessage("--ssl-verify-client: needs --https-port (there is no HTTPS listener)");
    }

    @Test
    void httpsPortNeedsACertificateAndItsKey() {
        assertThatThrownBy(() -> env.parseWithScript("--https-port", "8443"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--https-port: needs a certificate: give --ssl-certificate-file and "
                        + "--ssl-certificate-key-file (or --ssl-certificate)");
        assertThatThrownBy(() -> env.parseWithScript("--https-port", "8443", "--ssl-certificate-file", "site.crt"))
                .hasMessage("--https-port: needs the certificate's private key: give --ssl-certificate-key-file");
    }

    @Test
    void aMissingFileIsNamedWithItsOption() {
        assertThatThrownBy(() -> env.parseWithScript("--https-port", "8443", "--ssl-certificate-file", "gone.pem",
                "--ssl-certificate-key-file", "site.key"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--ssl-certificate-file: file not found: " + env.cwd.resolve("gone.pem"));
        assertThatThrownBy(() -> env.parseWithScript("--https-port", "8443", "--ssl-certificate", "site",
                "--ssl-ca-certificate-file", "/no/such/ca.pem"))
                .hasMessage("--ssl-ca-certificate-file: file not found: /no/such/ca.pem");
        assertThatThrownBy(() -> env.parseWithScript("--https-port", "8443", "--ssl-certificate", "site",
                "--ssl-certificate-chain-file", "."))
                .hasMessage("--ssl-certificate-chain-file: not a regular file: " + env.cwd);
    }

    @Test
    void hstsNeedsHttpsOnlyAndVerifyClientNeedsACaFile() {
        assertThatThrownBy(() -> env.parseWithScript("--https-port", "8443", "--ssl-certificate", "site",
                "--hsts-policy", "max-age=60"))
                .hasMessage("--hsts-policy: needs --https-only (the policy is sent only when plain HTTP is "
                        + "redirected to HTTPS)");
        assertThatThrownBy(() -> env.parseWithScript("--https-port", "8443", "--ssl-certificate", "site",
                "--ssl-verify-client", "/admin"))
                .hasMessage("--ssl-verify-client: needs --ssl-ca-certificate-file (the CAs client certificates are "
                        + "checked against)");
        assertThatThrownBy(() -> env.parseWithScript("--https-port", "8443", "--ssl-certificate", "site",
                "--ssl-verify-client", "admin"))
                .hasMessage("--ssl-verify-client: 'admin' does not start with '/'");
    }
}
