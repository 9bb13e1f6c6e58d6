package io.jwsgi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Path;

class RequestLimitsTest {
    @TempDir
    Path temp;
    @Test
    void defaultsAreApachesLimitsAndModWsgiExpressReadTimeouts() {
        RequestLimits l = new TestEnvironment(temp).parse("--port", "0").requestLimits();
        assertThat(l).isEqualTo(new RequestLimits(8190, 8190, 100, Duration.ofSeconds(15), Duration.ofSeconds(30), 500,
                Duration.ofSeconds(15), Duration.ZERO, 500));
    }

    @Test
    void theAllowanceGrowsOneSecondPerMinRateBytesUpToTheMaximum() {
        Duration base = Duration.ofSeconds(15), max = Duration.ofSeconds(30);
        assertThat(RequestLimits.allowance(base, max, 500, 0)).isEqualTo(Duration.ofSeconds(15));
        assertThat(RequestLimits.allowance(base, max, 500, 2500)).isEqualTo(Duration.ofSeconds(20));
        assertThat(RequestLimits.allowance(base, max, 500, 1_000_000)).isEqualTo(max);
        assertThat(RequestLimits.allowance(base, Duration.ZERO, 500, 1_000_000)).isEqualTo(Duration.ofSeconds(2015));
        assertThat(RequestLimits.allowance(base, max, 0, 1_000_000)).isEqualTo(base);
        assertThat(RequestLimits.allowance(Duration.ZERO, max, 500, 10)).isNull();
    }

    @Test
    void aMaximumBelowTheTimeoutNamesBothFlags() {
        assertThatThrownBy(() -> new TestEnvironment(temp).parse("--header-timeout", "20", "--header-max-timeout", "10"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--header-max-timeout").hasMessageContaining("--header-timeout");
    }

    @Test
    void aNegativeFieldCountIsRefusedNamingTheFlag() {
        assertThatThrownBy(() -> new TestEnvironment(temp).parse("--limit-request-fields", "0"))
                .hasMessageContaining("--limit-request-fields").hasMessageContaining("0");
    }
}
