package io.jwsgi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyAndRotationSettingsTest {
    @TempDir
    Path temp;
    TestEnvironment env;

    @BeforeEach
    void setUp() {
        env = new TestEnvironment(temp);
    }

    @Test
    void rotationDefaultsAreModWsgiExpressFiveMegabytesAndTenFiles() {
        assertThat(env.parseWithScript().logRotation()).isEqualTo(new LogRotation(false, 5L << 20, 10));
        assertThat(env.parseWithScript("--rotate-logs", "--max-log-size", "2", "--max-log-files", "3").logRotation())
                .isEqualTo(new LogRotation(true, 2L << 20, 3));
        // mod_wsgi-express: logging to the terminal turns rotation off.
        assertThat(env.parseWithScript("--rotate-logs", "--log-to-terminal").logRotation().enabled()).isFalse();
        assertThatThrownBy(() -> env.parseWithScript("--max-log-size", "0")).hasMessageContaining("--max-log-size");
        assertThatThrownBy(() -> env.parseWithScript("--max-log-files", "0")).hasMessageContaining("--max-log-files");
    }

    @Test
    void trustedHeadersAreCanonicalisedAndUnknownOnesRefused() {
        ServerConfig c = env.parseWithScript("--trust-proxy-header", "x-forwarded-for", "--trust-proxy-header",
                "X_FORWARDED_PROTO", "--trust-proxy-header", "X-Forwarded-For", "--trust-proxy", "10.0.0.0/8",
                "--trust-proxy", "::1");
        assertThat(c.proxyTrust().headers()).containsExactly("X-Forwarded-For", "X-Forwarded-Proto");
        assertThat(c.proxyTrust().proxies()).extracting(IpRange::toString).containsExactly("10.0.0.0/8", "::1");
        assertThat(c.proxyTrust().enabled()).isTrue();
        assertThat(env.parseWithScript().proxyTrust().enabled()).isFalse();
        assertThatThrownBy(() -> env.parseWithScript("--trust-proxy-header", "Forwarded"))
                .hasMessageStartingWith("--trust-proxy-header: 'Forwarded' is not a forwarded header jwsgi knows");
        assertThatThrownBy(() -> env.parseWithScript("--trust-proxy", "10.0.0.1"))
                .hasMessageStartingWith("--trust-proxy: has no effect without --trust-proxy-header");
        assertThatThrownBy(() -> env.parseWithScript("--trust-proxy-header", "X-Real-IP", "--trust-proxy", "proxy.lan"))
                .hasMessage("--trust-proxy: 'proxy.lan' is not an IP address or network (such as 10.0.0.0/8)");
        assertThatThrownBy(() -> env.parseWithScript("--trust-proxy-header", "X-Real-IP", "--trust-proxy", "::/129"))
                .hasMessage("--trust-proxy: '::/129' has a prefix length that is not 0 to 128");
    }

    @Test
    void ipRangesMatchByPrefixAndFamily() throws Exception {
        IpRange ten = IpRange.parse("10.1.0.0/16");
        assertThat(ten.contains(InetAddress.ofLiteral("10.1.255.3"))).isTrue();
        assertThat(ten.contains(InetAddress.ofLiteral("10.2.0.1"))).isFalse();
        assertThat(ten.contains(InetAddress.ofLiteral("::ffff:10.1.0.9"))).as("IPv4-mapped is IPv4").isTrue();
        assertThat(ten.contains(InetAddress.ofLiteral("::1"))).isFalse();
        IpRange odd = IpRange.parse("192.168.1.128/25");
        assertThat(odd.contains(InetAddress.ofLiteral("192.168.1.200"))).isTrue();
        assertThat(odd.contains(InetAddress.ofLiteral("192.168.1.127"))).isFalse();
        assertThat(IpRange.parse("0.0.0.0/0").contains(InetAddress.ofLiteral("203.0.113.9"))).isTrue();
        assertThat(IpRange.parse("127.0.0.1").contains(InetAddress.ofLiteral("127.0.0.2"))).isFalse();
        IpRange v6 = IpRange.parse("fd00::/8");
        assertThat(v6.contains(InetAddress.ofLiteral("fd12:3456::1"))).isTrue();
        assertThat(v6.contains(InetAddress.ofLiteral("fe80::1"))).isFalse();
        assertThat(IpRange.address("example.com")).as("never resolved").isNull();
        assertThat(IpRange.address("")).isNull();
        assertThat(IpRange.address("1.2.3.4:80")).isNull();
    }
}
