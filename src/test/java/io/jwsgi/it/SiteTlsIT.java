package io.jwsgi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The usual pair of virtual hosts for one name: port 80's redirecting to HTTPS, and the SSLEngine one serving the
 * application, on the ports the file's Listen directives give (${PLAIN} and ${TLS} from the environment).
 */
class SiteTlsIT {
    @TempDir
    Path dir;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-i", "--max-time", "20"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = Http.readAll(p.getInputStream());
        p.waitFor();
        return out;
    }

    @Test
    void aRedirectingPlainHostAndAnSslEngineHostForTheSameName() throws Exception {
        TestCertificates certs = TestCertificates.create(dir.resolve("certs"));
        Files.copy(SiteIT.ECHO, dir.resolve("echo.wsgi"));
        Path conf = Files.writeString(dir.resolve("site.conf"), """
                Listen 127.0.0.1:${PLAIN}
                Listen 127.0.0.1:${TLS}
                WSGIDaemonProcess app threads=2
                WSGIProcessGroup app
                WSGIApplicationGroup %%{GLOBAL}
                <VirtualHost *:${PLAIN}>
                    ServerName localhost
                    Redirect permanent / https://localhost:${TLS}/
                </VirtualHost>
                <VirtualHost *:${TLS}>
                    ServerName localhost
                    SSLEngine on
                    SSLCertificateFile %s
                    SSLCertificateKeyFile %s
                    WSGIScriptAlias / echo.wsgi
                </VirtualHost>
                """.formatted(certs.fullChain, certs.serverKey));
        int plain = freePort();
        int tls = freePort();
        List<String> cmd = List.of(JwsgiProcess.java(), "-jar", JwsgiProcess.jar().toString(), "serve",
                conf.toString(), "--server-root", dir.resolve("root").toString(), "--log-to-terminal");
        try (JwsgiProcess p = JwsgiProcess.launchCommand(dir.resolve("root"), cmd,
                Map.of("PLAIN", Integer.toString(plain), "TLS", Integer.toString(tls)))) {
            p.awaitReady(Duration.ofSeconds(60));
            String redirect = curl(
                    "http://localhost:" + plain + "/account?x=1");
            assertThat(redirect).as(p.output()).startsWith("HTTP/1.1 301")
                    .contains("Location: https://localhost:" + tls + "/account?x=1");
            String secure = curl("--cacert", certs.caCert.toString(),
                    "https://localhost:" + tls + "/account");
            assertThat(secure).as(p.output()).startsWith("HTTP/1.1 200").contains("\"PATH_INFO\": \"/account\"")
                    .contains("\"mod_wsgi.process_group\": \"app\"");
        }
    }
}
