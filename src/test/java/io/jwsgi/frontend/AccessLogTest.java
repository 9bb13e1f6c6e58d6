package io.jwsgi.frontend;

import static org.assertj.core.api.Assertions.assertThat;

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
}
