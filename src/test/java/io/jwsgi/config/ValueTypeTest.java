package io.jwsgi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValueTypeTest {
    @Test
    void secondsAreWholeOrDecimal() {
        assertThat(ValueType.seconds().convert(List.of("45"))).isEqualTo(Duration.ofSeconds(45));
        assertThat(ValueType.seconds().convert(List.of("0.25"))).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void rejectsNegativeOrNonNumericSeconds() {
        assertThatThrownBy(() -> ValueType.seconds().convert(List.of("-1")))
                .isInstanceOf(InvalidValueException.class)
                .hasMessage("'-1' is not a number of seconds");
        assertThatThrownBy(() -> ValueType.seconds().convert(List.of("1e3")))
                .hasMessage("'1e3' is not a number of seconds");
    }

    @Test
    void rejectsWholeNumbersTooLargeForTheirType() {
        assertThatThrownBy(() -> ValueType.wholeNumber(0).convert(List.of("3000000000")))
                .hasMessage("must be at most 2147483647, got 3000000000");
        assertThatThrownBy(() -> ValueType.wholeNumber(0).convert(List.of("99999999999999999999")))
                .hasMessage("'99999999999999999999' is too large");
    }

    @Test
    void rejectsDecimalsWhereAWholeNumberIsExpected() {
        assertThatThrownBy(() -> ValueType.wholeNumber(1).convert(List.of("1.5")))
                .hasMessage("'1.5' is not a whole number");
    }

    @Test
    void choiceListsTheAllowedValues() {
        assertThat(ValueType.choice(LogLevel.values()).convert(List.of("notice"))).isEqualTo(LogLevel.NOTICE);
        assertThatThrownBy(() -> ValueType.choice(LogLevel.values()).convert(List.of("WARN")))
                .hasMessage("'WARN' is not one of emerg, alert, crit, error, warn, notice, info, debug");
    }

    @Test
    void rejectsEmptyText() {
        assertThatThrownBy(() -> ValueType.text().convert(List.of("")))
                .hasMessage("must not be empty");
    }
}
