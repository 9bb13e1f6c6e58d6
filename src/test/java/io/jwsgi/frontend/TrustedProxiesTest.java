package io.jwsgi.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.config.IpRange;
import io.jwsgi.config.ProxyTrust;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {
    private static TrustedProxies trusting(String... ranges) {
        return new TrustedProxies(new ProxyTrust(List.of("X-Forwarded-For"),
                java.util.Arrays.stream(ranges).map(IpRange::parse).toList()));
    }

    @Test
    void forwardedForSkipsEmptyEntriesAndTrimsSpaces() {
        assertThat(TrustedProxies.hops(" , 1.2.3.4,,  5.6.7.8 ,")).containsExactly("1.2.3.4", "5.6.7.8");
        assertThat(TrustedProxies.hops(" ,, ")).isEmpty();
    }

    @Test
    void theClientIsTheRightmostAddressThatIsNotATrustedProxy() {
        TrustedProxies proxies = trusting("10.0.0.0/8", "192.168.0.1");
        assertThat(proxies.clientIndex(List.of("6.6.6.6", "1.2.3.4", "10.0.0.2", "192.168.0.1"))).isEqualTo(1);
        assertThat(proxies.clientIndex(List.of("1.2.3.4"))).isEqualTo(0);
        assertThat(proxies.clientIndex(List.of("10.9.9.9", "10.0.0.2"))).as("all trusted: the leftmost").isEqualTo(0);
        assertThat(proxies.clientIndex(List.of("1.2.3.4", "unknown", "10.0.0.2"))).as("not an address").isEqualTo(-1);
        assertThat(proxies.clientIndex(List.of("unknown", "1.2.3.4"))).isEqualTo(1);
        assertThat(proxies.clientIndex(List.of())).isEqualTo(-1);
    }

    @Test
    void withoutTrustedProxiesTheLeftmostAddressIsTheClient() {
        TrustedProxies everyone = trusting();
        assertThat(everyone.clientIndex(List.of("1.2.3.4", "10.0.0.2"))).isEqualTo(0);
        assertThat(everyone.clientIndex(List.of("nonsense", "10.0.0.2"))).isEqualTo(-1);
    }

    @Test
    void schemeHeadersTakeNamesOrFlagsAsModWsgiDoes() {
        assertThat(TrustedProxies.scheme("x-forwarded-proto", " HTTPS ")).isEqualTo("https");
        assertThat(TrustedProxies.scheme("x-scheme", "http")).isEqualTo("http");
        assertThat(TrustedProxies.scheme("x-forwarded-proto", "on")).isNull();
        assertThat(TrustedProxies.scheme("x-forwarded-ssl", "On")).isEqualTo("https");
        assertThat(TrustedProxies.scheme("x-forwarded-https", "true")).isEqualTo("https");
        assertThat(TrustedProxies.scheme("x-https", "1")).isEqualTo("https");
        assertThat(TrustedProxies.scheme("x-https", "off")).isEqualTo("http");
        assertThat(TrustedProxies.scheme("x-forwarded-ssl", "https")).isNull();
    }
}
