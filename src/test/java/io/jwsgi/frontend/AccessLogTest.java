package io.jwsgi.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class AccessLogTest {
    @Test
    void escapesAsApachesApEscapeLogitem() {
        assertThat(AccessLog.escape("plain text/ok")).isEqualTo("plain text/ok");
        assertThat(AccessLog.escape("a\"b\\c")).isEqualTo("a\\\"b\\\\c");
        assertThat(AccessLog.escape("\b\n\r\t\u000b")).isEqualTo("\\b\\n\\r\\t\\v");
        assertThat(AccessLog.escape("\u0000\u001b[31m\u007f")).isEqualTo("\\x00\\x1b[31m\\x7f");
        assertThat(AccessLog.escape("caf\u00c3\u00a9")).as("latin-1 reading of UTF-8 bytes").isEqualTo("caf\\xc3\\xa9");
        assertThat(AccessLog.escape("\u20ac")).as("beyond latin-1: its UTF-8 bytes").isEqualTo("\\xe2\\x82\\xac");
        assertThat(AccessLog.escape(null)).isNull();
    }

    @Test
    void writesAddressesAsApacheDoesIpv6InItsShortForm() throws Exception {
        assertThat(AccessLog.address(new InetSocketAddress(InetAddress.ofLiteral("203.0.113.7"), 1))).isEqualTo("203.0.113.7");
        assertThat(address("::1")).isEqualTo("::1");
        assertThat(address("::")).isEqualTo("::");
        assertThat(address("2001:db8:0:0:1:0:0:1")).isEqualTo("2001:db8::1:0:0:1");
        assertThat(address("2001:db8:0:1:1:1:1:1")).as("one zero group stays").isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(address("fe80:0:0:0:0:0:0:0")).isEqualTo("fe80::");
        assertThat(address("2001:0:0:1:0:0:0:1")).as("the longest run").isEqualTo("2001:0:0:1::1");
        assertThat(AccessLog.address(InetSocketAddress.createUnresolved("2001:db8::7", 1))).isEqualTo("2001:db8::7");
        assertThat(AccessLog.address(null)).isNull();
    }

    private static String address(String literal) {
        return AccessLog.address(new InetSocketAddress(InetAddress.ofLiteral(literal), 1));
    }
}
