package io.jwsgi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jwsgi.config.AccessLogFormat.Directive;
import io.jwsgi.config.AccessLogFormat.Literal;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccessLogFormatTest {
    @Test
    void namedFormatsAreApachesLogFormats() {
        assertThat(AccessLogFormat.parse("common").items()).isEqualTo(AccessLogFormat.parse("%h %l %u %t \"%r\" %>s %b").items());
        assertThat(AccessLogFormat.parse("combined").items()).isEqualTo(AccessLogFormat.parse(
                "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\"").items());
        assertThat(AccessLogFormat.parse("json").json()).isTrue();
        assertThat(AccessLogFormat.parse("json").items()).isEmpty();
    }

    @Test
    void parsesConditionsParametersEscapesAndPercent() {
        assertThat(AccessLogFormat.parse("%!200,304{Referer}i|%>s %%\\t\\n\\\\").items()).containsExactly(
                new Directive('i', "Referer", List.of(200, 304), true),
                new Literal("|"),
                new Directive('s', null, List.of(), false),
                new Literal(" "),
                new Literal("%"),
                new Literal("\t\n\\"));
        Directive only = new Directive('i', "User-agent", List.of(400, 501), false);
        assertThat(only.appliesTo(400)).isTrue();
        assertThat(only.appliesTo(200)).isFalse();
        Directive unless = new Directive('i', "User-agent", List.of(200), true);
        assertThat(unless.appliesTo(200)).isFalse();
        assertThat(unless.appliesTo(404)).isTrue();
    }

    @Test
    void refusesWhatItCannotRenderNamingTheDirective() {
        assertThatThrownBy(() -> AccessLogFormat.parse("%h %Z")).hasMessage("unknown directive %Z at '%Z' in '%h %Z'");
        assertThatThrownBy(() -> AccessLogFormat.parse("%{X}e")).hasMessageContaining("%e is not supported by jwsgi");
        assertThatThrownBy(() -> AccessLogFormat.parse("%O")).hasMessageContaining("%O is not supported by jwsgi");
        assertThatThrownBy(() -> AccessLogFormat.parse("%i")).hasMessageContaining("%i needs a {name}");
        assertThatThrownBy(() -> AccessLogFormat.parse("%{x}p")).hasMessageContaining("%p takes");
        assertThatThrownBy(() -> AccessLogFormat.parse("%{%Q}t")).hasMessageContaining("'%Q' is not supported");
        assertThatThrownBy(() -> AccessLogFormat.parse("%{Referer")).hasMessageContaining("'{' without '}'");
        assertThatThrownBy(() -> AccessLogFormat.parse("ok %")).hasMessageContaining("without a directive");
        assertThatThrownBy(() -> AccessLogFormat.parse("%40{X}i")).hasMessageContaining("three digits");
    }

    @Test
    void aBadFormatOnTheCommandLineNamesTheFlag() {
        assertThatThrownBy(() -> Arguments.parse(StartServerSettings.ALL, List.of("--access-log-format", "%k")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--access-log-format: ");
    }

    @Test
    void strftimeWritesApachesCLocaleText() {
        // 2026-03-04 05:06:07.089012 UTC, a Wednesday.
        long micros = 1772600767_089012L;
        ZoneId utc = ZoneId.of("UTC");
        assertThat(Strftime.format("[%d/%b/%Y:%H:%M:%S %z]", micros, 0, utc)).isEqualTo("[04/Mar/2026:05:06:07 +0000]");
        assertThat(Strftime.format("%a %A %B %e %j %y %D %F %R %T %I%p %u %s %%", micros, 0, utc))
                .isEqualTo("Wed Wednesday March  4 063 26 03/04/26 2026-03-04 05:06 05:06:07 05AM 3 1772600767 %");
        assertThat(Strftime.format("%z", micros, 0, ZoneId.of("Asia/Kolkata"))).isEqualTo("+0530");
        assertThat(Strftime.format("%z", micros, 0, ZoneId.of("America/St_Johns"))).isEqualTo("-0330");
        assertThat(Strftime.format("sec", micros, 0, utc)).isEqualTo("1772600767");
        assertThat(Strftime.format("msec", micros, 0, utc)).isEqualTo("1772600767089");
        assertThat(Strftime.format("usec_frac", micros, 0, utc)).isEqualTo("089012");
        assertThat(Strftime.format("msec_frac", micros, 0, utc)).isEqualTo("089");
        assertThat(Strftime.format("end:sec", micros, 1772600770_000000L, utc)).isEqualTo("1772600770");
        assertThat(Strftime.format("begin:%H", micros, 0, utc)).isEqualTo("05");
    }
}
