package io.jwsgi.frontend;

import static io.jwsgi.it.TestCertificates.openssl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jwsgi.config.ConfigException;
import io.jwsgi.it.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading certbot/openssl PEM files with the JDK alone; every refusal names the file. */
class PemTest {
    static final char[] PASSWORD = "test".toCharArray();

    @TempDir
    static Path dir;
    static TestCertificates certs;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = TestCertificates.create(dir.resolve("certs"));
    }

    private static Certificate[] chain(KeyStore store) throws Exception {
        return store.getCertificateChain("jwsgi");
    }

    @Test
    void readsAFullChainAndAPkcs8RsaKeyAsCertbotWritesThem() throws Exception {
        KeyStore store = Pem.keyStore(certs.fullChain, certs.serverKey, null, PASSWORD);
        Certificate[] chain = chain(store);
        assertThat(chain).hasSize(2);
        assertThat(((X509Certificate) chain[0]).getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
        assertThat(((X509Certificate) chain[1]).getSubjectX500Principal().getName())
                .isEqualTo("CN=jwsgi test intermediate CA");
        assertThat(store.getKey("jwsgi", PASSWORD).getAlgorithm()).isEqualTo("RSA");
    }

    @Test
    void appendsTheChainFileAfterTheCertificate() throws Exception {
        Certificate[] chain = chain(Pem.keyStore(certs.serverCert, certs.serverKey, certs.intermediateCert, PASSWORD));
        assertThat(chain).hasSize(2);
        assertThat(((X509Certificate) chain[1]).getSubjectX500Principal().getName())
                .isEqualTo("CN=jwsgi test intermediate CA");
    }

    @Test
    void readsATraditionalRsaKey() throws Exception {
        openssl(certs.dir, "rsa", "-in", "server.key", "-traditional", "-out", "server-pkcs1.key");
        Path key = certs.dir.resolve("server-pkcs1.key");
        assertThat(Files.readString(key)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        KeyStore store = Pem.keyStore(certs.serverCert, key, null, PASSWORD);
        assertThat(store.getKey("jwsgi", PASSWORD).getEncoded())
                .isEqualTo(Pem.privateKey(certs.serverKey).getEncoded());
    }

    @Test
    void readsATraditionalEcKeyWithOrWithoutAParametersBlock() throws Exception {
        openssl(certs.dir, "ec", "-in", "client.key", "-out", "client-sec1.key");
        Path sec1 = certs.dir.resolve("client-sec1.key");
        assertThat(Files.readString(sec1)).startsWith("-----BEGIN EC PRIVATE KEY-----");
        assertThat(Pem.keyStore(certs.clientCert, sec1, null, PASSWORD).getKey("jwsgi", PASSWORD).getAlgorithm())
                .isEqualTo("EC");

        openssl(certs.dir, "ecparam", "-genkey", "-name", "secp384r1", "-out", "p384.key");
        openssl(certs.dir, "req", "-x509", "-key", "p384.key", "-out", "p384.crt", "-days", "1", "-subj", "/CN=p384");
        assertThat(Files.readString(certs.dir.resolve("p384.key"))).contains("BEGIN EC PARAMETERS");
        assertThat(Pem.keyStore(certs.dir.resolve("p384.crt"), certs.dir.resolve("p384.key"), null, PASSWORD)
                .getKey("jwsgi", PASSWORD).getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void readsAnEd25519Key() throws Exception {
        openssl(certs.dir, "genpkey", "-algorithm", "ed25519", "-out", "ed.key");
        openssl(certs.dir, "req", "-x509", "-key", "ed.key", "-out", "ed.crt", "-days", "1", "-subj", "/CN=ed");
        assertThat(Pem.keyStore(certs.dir.resolve("ed.crt"), certs.dir.resolve("ed.key"), null, PASSWORD)
                .getKey("jwsgi", PASSWORD)).isNotNull();
    }

    @Test
    void refusesAKeyThatDoesNotBelongToTheCertificate() {
        assertThatThrownBy(() -> Pem.keyStore(certs.serverCert, certs.clientKey, null, PASSWORD))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(certs.clientKey.toString())
                .hasMessageContaining("does not belong to the certificate in " + certs.serverCert)
                .hasMessageContaining("CN=localhost");
        // A chain in the wrong order (intermediate first) is the same mistake.
        assertThatThrownBy(() -> Pem.keyStore(certs.intermediateCert, certs.serverKey, certs.serverCert, PASSWORD))
                .isInstanceOf(ConfigException.class).hasMessageContaining("does not belong");
    }

    @Test
    void refusesEncryptedKeysAndSaysHowToDecryptThem() throws Exception {
        openssl(certs.dir, "pkcs8", "-topk8", "-in", "server.key", "-v2", "aes-256-cbc", "-passout", "pass:x",
                "-out", "enc8.key");
        openssl(certs.dir, "rsa", "-in", "server.key", "-traditional", "-aes256", "-passout", "pass:x",
                "-out", "enc1.key");
        for (String name : new String[] {"enc8.key", "enc1.key"}) {
            Path key = certs.dir.resolve(name);
            assertThatThrownBy(() -> Pem.privateKey(key))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(key + ": the private key is encrypted")
                    .hasMessageContaining("openssl pkey -in " + key);
        }
    }

    @Test
    void refusesFilesThatAreNotPemOrHoldTheWrongThing() throws Exception {
        openssl(certs.dir, "x509", "-in", "server.crt", "-outform", "DER", "-out", "server.der");
        Path der = certs.dir.resolve("server.der");
        assertThatThrownBy(() -> Pem.certificates(der)).isInstanceOf(ConfigException.class)
                .hasMessage(der + ": not a PEM file (no -----BEGIN ...----- block); DER and PKCS#12 files are not "
                        + "read, convert them with openssl to PEM");
        assertThatThrownBy(() -> Pem.certificates(certs.serverKey)).isInstanceOf(ConfigException.class)
                .hasMessage(certs.serverKey + ": no certificate found (expected PEM: -----BEGIN CERTIFICATE-----)");
        assertThatThrownBy(() -> Pem.privateKey(certs.serverCert)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(certs.serverCert + ": no private key found; jwsgi reads an unencrypted PEM "
                        + "private key: BEGIN PRIVATE KEY (PKCS#8), BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY");
        Path empty = Files.writeString(certs.dir.resolve("empty.pem"), "");
        assertThatThrownBy(() -> Pem.certificates(empty)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("no certificate found");
    }

    @Test
    void aTrustStoreHoldsEveryCaOfTheFile() throws Exception {
        Path both = Files.writeString(certs.dir.resolve("cas.pem"),
                Files.readString(certs.caCert) + Files.readString(certs.intermediateCert));
        KeyStore store = Pem.trustStore(both);
        assertThat(store.size()).isEqualTo(2);
        assertThat(store.isCertificateEntry("ca-0")).isTrue();
    }
}
