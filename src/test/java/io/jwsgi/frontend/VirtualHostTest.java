package io.jwsgi.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import org.eclipse.jetty.http.HttpURI;
import org.junit.jupiter.api.Test;

/** Host comparison and ServerAlias wildcards; the handler itself is exercised end to end by VirtualHostIT. */
class VirtualHostTest {
    private static boolean matches(String pattern, String host) {
        return VirtualHost.glob(pattern, 0, host, 0);
    }

    @Test
    void wildcardsMatchAsApachesServerAlias() {
        assertThat(matches("*.example.com", "a.example.com")).isTrue();
        assertThat(matches("*.example.com", "a.b.example.com")).isTrue();
        assertThat(matches("*.example.com", "example.com")).isFalse();
        assertThat(matches("*.example.com", "a.example.com.evil.net")).isFalse();
        assertThat(matches("app?.example.com", "app1.example.com")).isTrue();
        assertThat(matches("app?.example.com", "app.example.com")).isFalse();
        assertThat(matches("app?.example.com", "app12.example.com")).isFalse();
        assertThat(matches("*", "anything")).isTrue();
        assertThat(matches("a*b*c", "aXXbYYc")).isTrue();
        assertThat(matches("a*b*c", "aXXbYY")).isFalse();
        assertThat(matches("exact.net", "exact.net")).isTrue();
        assertThat(matches("exact.net", "exact.network")).isFalse();
    }

    @Test
    void hostNamesLoseCaseTheirPortAndOneTrailingDot() {
        assertThat(VirtualHost.hostName(HttpURI.from("http://WWW.Example.COM.:8080/x"))).isEqualTo("www.example.com");
        assertThat(VirtualHost.hostName(HttpURI.from("http://127.0.0.1:80/"))).isEqualTo("127.0.0.1");
        assertThat(VirtualHost.hostName(HttpURI.from("/just/a/path"))).isNull();
    }
}
