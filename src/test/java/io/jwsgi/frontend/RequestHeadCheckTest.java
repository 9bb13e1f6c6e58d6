package io.jwsgi.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestHeadCheckTest {
    /** Feeds the head one byte per call, as a trickling client would; returns the first refusal, or null. */
    static RequestHeadCheck.Refusal trickle(RequestHeadCheck check, String head) {
        for (byte b : head.getBytes(StandardCharsets.ISO_8859_1)) {
            RequestHeadCheck.Refusal r = check.scan(ByteBuffer.wrap(new byte[] {b}));
            if (r != null) return r;
        }
        return null;
    }

    static RequestHeadCheck check() {
        return new RequestHeadCheck(100, 50, 3);
    }

    @Test
    void acceptsAValidHeadFedOneByteAtATimeAndSeesWhereItEnds() {
        RequestHeadCheck c = check();
        assertThat(trickle(c, "\r\nGET /x HTTP/1.1\r\nHost: a\r\nX: y\r\n")).isNull();
        assertThat(c.started()).isTrue();
        assertThat(c.done()).isFalse();
        assertThat(trickle(c, "\r\n")).isNull();
        assertThat(c.done()).isTrue();
        assertThat(c.bytes()).isEqualTo("GET /x HTTP/1.1\r\nHost: a\r\nX: y\r\n\r\n".length());
    }

    @Test
    void refusesTheRequestLineRulesJettyLetsThrough() {
        assertThat(trickle(check(), "GET  /x HTTP/1.1\r\n").status()).isEqualTo(400);
        assertThat(trickle(check(), "GET /x  HTTP/1.1\r\n").status()).isEqualTo(400);
        assertThat(trickle(check(), "GET /x HTTP/1.1 \r\n").status()).isEqualTo(400);
        assertThat(trickle(check(), "GET /x http/1.1\r\n").status()).isEqualTo(400);
        assertThat(trickle(check(), "GET * HTTP/1.1\r\n").status()).isEqualTo(400);
        assertThat(trickle(check(), "OPTIONSX * HTTP/1.1\r\n").status()).isEqualTo(400);
        assertThat(trickle(check(), "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n")).isNull();
        // A prefix of OPTIONS is not OPTIONS.
        assertThat(trickle(check(), "OPT * HTTP/1.1\r\n").status()).isEqualTo(400);
        assertThat(trickle(check(), "P * HTTP/1.1\r\n").status()).isEqualTo(400);
    }

    @Test
    void leavesTheHttp2PrefaceToJetty() {
        // h2c with prior knowledge starts with this; Jetty takes it up (with --http2) or refuses it.
        assertThat(trickle(check(), "PRI * HTTP/2.0\r\n\r\n")).isNull();
        assertThat(trickle(check(), "PRIX * HTTP/2.0\r\n").status()).isEqualTo(400);
    }

    @Test
    void countsLinesWithTheirCrlfAgainstTheLimits() {
        String line98 = "GET /" + "a".repeat(98 - 14) + " HTTP/1.1"; // 98 bytes + CRLF = 100
        assertThat(line98).hasSize(98);
        assertThat(trickle(check(), line98 + "\r\n")).isNull();
        assertThat(trickle(check(), "GET /a" + "a".repeat(98 - 14) + " HTTP/1.1\r\n").status()).isEqualTo(414);
        assertThat(trickle(check(), "GET / HTTP/1.1\r\nX: " + "v".repeat(45) + "\r\n")).isNull(); // 48 + 2
        assertThat(trickle(check(), "GET / HTTP/1.1\r\nX: " + "v".repeat(46) + "\r\n").status()).isEqualTo(431);
        assertThat(trickle(check(), "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n")).isNull();
        assertThat(trickle(check(), "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n").status()).isEqualTo(431);
    }

    @Test
    void startsAgainAfterReset() {
        RequestHeadCheck c = check();
        assertThat(trickle(c, "GET / HTTP/1.1\r\n\r\n")).isNull();
        assertThat(c.done()).isTrue();
        c.reset();
        assertThat(c.started()).isFalse();
        assertThat(trickle(c, "GET  / HTTP/1.1\r\n").status()).isEqualTo(400);
    }

    @Test
    void readsAHigherHttp1MinorVersionAs1AndRefusesOtherMajorVersionsWith505() {
        ByteBuffer head = ByteBuffer.wrap("GET /x HTTP/1.2\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(check().scan(head)).isNull();
        assertThat(StandardCharsets.ISO_8859_1.decode(head).toString()).startsWith("GET /x HTTP/1.1\r\n");
        // Byte by byte too: the minor digit is rewritten in the buffer it arrives in.
        RequestHeadCheck c = check();
        StringBuilder seen = new StringBuilder();
        for (byte b : "GET /x HTTP/1.9\r\n".getBytes(StandardCharsets.ISO_8859_1)) {
            ByteBuffer one = ByteBuffer.wrap(new byte[] {b});
            assertThat(c.scan(one)).isNull();
            seen.append((char) one.get(0));
        }
        assertThat(seen.toString()).isEqualTo("GET /x HTTP/1.1\r\n");
        assertThat(trickle(check(), "GET /x HTTP/1.0\r\n")).isNull();
        assertThat(trickle(check(), "GET /x HTTP/2.0\r\n").status()).isEqualTo(505);
        assertThat(trickle(check(), "GET /x HTTP/3.0\r\n").status()).isEqualTo(505);
        assertThat(trickle(check(), "GET /x HTTP/0.9\r\n").status()).isEqualTo(505);
        // Malformed versions stay Jetty's to refuse (400 or 505).
        assertThat(trickle(check(), "GET /x HTTP/1.10\r\n")).isNull();
        assertThat(trickle(check(), "GET /x HTTP/2\r\n")).isNull();
        // The h2c preface keeps its HTTP/2.0.
        assertThat(trickle(check(), "PRI * HTTP/2.0\r\n\r\n")).isNull();
    }
}
