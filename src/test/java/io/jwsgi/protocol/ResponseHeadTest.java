package io.jwsgi.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseHeadTest {
    private static ResponseHead decode(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return ResponseHead.decode(b, 0, b.length);
    }

    @Test
    void keepsRepeatedHeadersInTheApplicationsOrder() {
        ResponseHead h = decode("200 OK\r\nSet-Cookie: a=1\r\nX: y\r\nSet-Cookie: b=2\r\n");
        assertThat(h.status()).isEqualTo(200);
        assertThat(h.names()).containsExactly("Set-Cookie", "X", "Set-Cookie");
        assertThat(h.values()).containsExactly("a=1", "y", "b=2");
    }

    @Test
    void acceptsABareStatusCodeAndLatin1Values() {
        ResponseHead h = decode("204\r\nX-Name: caf\u00e9\r\n");
        assertThat(h.status()).isEqualTo(204);
        assertThat(h.reason()).isEmpty();
        assertThat(h.values()).containsExactly("caf\u00e9");
    }

    @Test
    void refusesAnythingThatCouldSplitTheResponse() {
        assertThatThrownBy(() -> decode("200 OK\r\nX: a\nInjected: b\r\n")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> decode("200 OK\r\nNoColon\r\n")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> decode("2x0 OK\r\n")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> decode("200 OK")).isInstanceOf(ProtocolException.class);
    }

    @Test
    void refusesWhatTheWorkersStartResponseCheckRefusesFoundByFuzzing() {
        // Jazzer (docs/fuzzing.md): a bare CR in the status line came through in the reason.
        assertThatThrownBy(() -> decode("200 OK\rX\r\n")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> decode("2000\r\n")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> decode("099 Low\r\n")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> decode("+20 OK\r\n")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> decode("200 OK\r\nBad Name: v\r\n")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> decode("200 OK\r\nX: a\u000bb\r\n")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> decode("200 OK\r\nX: a\u007fb\r\n")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> decode("200 OK\r\n: v\r\n")).isInstanceOf(ProtocolException.class);
        ResponseHead tab = decode("200 OK\r\nX: a\tb\r\n");
        assertThat(tab.values()).containsExactly("a\tb");
    }
}
