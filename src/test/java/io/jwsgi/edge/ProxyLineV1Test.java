package io.jwsgi.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProxyLineV1Test {
    private static ProxyLineV1.Verdict check(String bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(("xx" + bytes).getBytes(StandardCharsets.ISO_8859_1));
        buffer.position(2);
        ProxyLineV1.Verdict verdict = ProxyLineV1.check(buffer);
        assertThat(buffer.position()).isEqualTo(2);
        return verdict;
    }

    @Test
    void acceptsTheSpecificationsForms() {
        assertThat(check("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET /")).isEqualTo(ProxyLineV1.Verdict.VALID);
        assertThat(check("PROXY TCP6 2001:db8::1 ::1 0 65535\r\n")).isEqualTo(ProxyLineV1.Verdict.VALID);
        assertThat(check("PROXY UNKNOWN\r\n")).isEqualTo(ProxyLineV1.Verdict.VALID);
        assertThat(check("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n")).isEqualTo(ProxyLineV1.Verdict.VALID);
    }

    @Test
    void waitsForTheWholeLineAndLeavesOtherBytesToJetty() {
        assertThat(check("PRO")).isEqualTo(ProxyLineV1.Verdict.INCOMPLETE);
        assertThat(check("PROXY TCP4 1.2.3.4")).isEqualTo(ProxyLineV1.Verdict.INCOMPLETE);
        assertThat(check("\r\n\r\n\0\r\nQUIT\n")).isEqualTo(ProxyLineV1.Verdict.NOT_V1);
        assertThat(check("GET / HTTP/1.1\r\n")).isEqualTo(ProxyLineV1.Verdict.NOT_V1);
    }

    @Test
    void refusesWhatJettyWouldAcceptOrResolve() {
        for (String bad : new String[] {
                "PROXY TCP4 1.2.3.4 localhost 1 2\r\n", // a name: Jetty would look it up in DNS
                "PROXY TCP4 2001:db8::1 1.2.3.4 1 2\r\n", // family and address disagree
                "PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n",
                "PROXY TCP4 01.2.3.4 1.2.3.4 1 2\r\n",
                "PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n",
                "PROXY TCP4 1.2.3.4 1.2.3.4 01 2\r\n",
                "PROXY TCP4 1.2.3.4 1.2.3.4 1 2 \r\n",
                "PROXY TCP4  1.2.3.4 1.2.3.4 1 2\r\n",
                "PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n",
                "PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n",
                "PROXY UNKNOWNX\r\n",
                "PROXY TCP4 1.2.3.4 1.2.3.4 1 " + "2".repeat(120)}) {
            assertThat(check(bad)).as(bad).isEqualTo(ProxyLineV1.Verdict.INVALID);
        }
    }
}
