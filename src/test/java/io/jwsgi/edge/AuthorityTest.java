package io.jwsgi.edge;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AuthorityTest {
    @Test
    void acceptsNamesDottedQuadsAndBracketedIpv6() {
        for (String ok : new String[] {"", "localhost", "LOCALHOST:8000", "example.com.", "a-b_c.example", "0.0.0.0",
                "255.255.255.255:65535", "10.0.0.1:", "[::1]", "[2001:db8::1]:443", "[::ffff:127.0.0.1]",
                "1.example", "0x.example.com", "0.0.0.0=5000", "a~b"}) {
            assertThat(Authority.problem(ok)).as(ok).isNull();
        }
    }

    @Test
    void refusesNumericFormsOtherThanTheDottedQuad() {
        assertThat(Authority.problem("0x7f.0.0.1")).contains("IPv4");
        assertThat(Authority.problem("0X7F000001")).contains("numeric host");
        assertThat(Authority.problem("0177.0.0.1")).contains("leading zeros");
        assertThat(Authority.problem("2130706433")).contains("numeric host");
        assertThat(Authority.problem("127.1")).contains("numeric host");
        assertThat(Authority.problem("256.0.0.1")).contains("0-255");
        assertThat(Authority.problem("1.2.3.4.5:80")).contains("numeric host");
        assertThat(Authority.problem("example.123")).contains("numeric host");
        assertThat(Authority.problem("example.0x")).contains("numeric host");
    }

    @Test
    void refusesPercentEncodingUnbracketedIpv6AndBadPorts() {
        assertThat(Authority.problem("%6c%6f")).contains("percent-encoded");
        assertThat(Authority.problem("::1")).contains("without brackets");
        assertThat(Authority.problem("2001:db8::1:8080")).contains("without brackets");
        assertThat(Authority.problem("[::1")).contains("closing bracket");
        assertThat(Authority.problem("[v1.fe]")).contains("not an IPv6 address");
        assertThat(Authority.problem("[127.0.0.1]")).contains("not an IPv6 address");
        assertThat(Authority.problem("[fe80::1%25eth0]")).contains("not an IPv6 address");
        assertThat(Authority.problem("[::1]x")).contains("after");
        assertThat(Authority.problem("host:65536")).contains("over 65535");
        assertThat(Authority.problem("host:123456")).contains("over 65535");
        assertThat(Authority.problem("host:8a")).contains("not a number");
        assertThat(Authority.problem(":80")).contains("empty host");
        assertThat(Authority.problem("a..b")).contains("empty label");
        assertThat(Authority.problem("user@host")).contains("userinfo");
        assertThat(Authority.problem("caf\u00e9.example")).contains("cannot have");
        assertThat(Authority.problem("a\tb")).contains("\\x09");
    }
}
