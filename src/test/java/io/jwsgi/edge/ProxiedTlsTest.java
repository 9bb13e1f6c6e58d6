package io.jwsgi.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProxiedTlsTest {
    private static byte[] ssl(int client, int verify, byte[]... subs) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(client);
        for (int shift = 24; shift >= 0; shift -= 8) b.write((verify >>> shift) & 0xff);
        for (byte[] s : subs) b.writeBytes(s);
        return b.toByteArray();
    }

    private static byte[] sub(int type, String value) {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        byte[] t = new byte[3 + v.length];
        t[0] = (byte) type;
        t[1] = (byte) (v.length >> 8);
        t[2] = (byte) v.length;
        System.arraycopy(v, 0, t, 3, v.length);
        return t;
    }

    @Test
    void mapsTheSslTlvToModSslNames() {
        var env = ProxiedTls.variables(ssl(0x07, 0, sub(0x21, "TLSv1.2"), sub(0x24, "SHA256"),
                sub(0x23, "ECDHE-RSA-AES128-GCM-SHA256"), sub(0x22, "Alice Example")), "app.example".getBytes());
        assertThat(env).containsExactly(
                java.util.Map.entry("SSL_PROTOCOL", "TLSv1.2"),
                java.util.Map.entry("SSL_CIPHER", "ECDHE-RSA-AES128-GCM-SHA256"),
                java.util.Map.entry("SSL_CLIENT_S_DN_CN", "Alice Example"),
                java.util.Map.entry("SSL_CLIENT_VERIFY", "SUCCESS"),
                java.util.Map.entry("SSL_TLS_SNI", "app.example"));
    }

    @Test
    void saysWhetherAClientCertificateWasSentAndVerified() {
        assertThat(ProxiedTls.variables(ssl(0x01, 0), null)).containsEntry("SSL_CLIENT_VERIFY", "NONE");
        assertThat(ProxiedTls.variables(ssl(0x03, 1), null)).containsEntry("SSL_CLIENT_VERIFY", "FAILED");
        assertThat(ProxiedTls.variables(ssl(0x05, 0), null)).containsEntry("SSL_CLIENT_VERIFY", "SUCCESS");
    }

    @Test
    void noTlsWithoutTheClientSslBitAndATruncatedSubTlvEndsTheList() {
        assertThat(ProxiedTls.variables(ssl(0x00, 0, sub(0x21, "TLSv1.3")), null)).isNull();
        assertThat(ProxiedTls.variables(new byte[] {1, 0, 0}, null)).isNull();
        byte[] cut = ssl(0x01, 0, sub(0x21, "TLSv1.3"), new byte[] {0x23, 0, 50, 'x'});
        assertThat(ProxiedTls.variables(cut, null)).containsEntry("SSL_PROTOCOL", "TLSv1.3")
                .doesNotContainKey("SSL_CIPHER");
    }
}
