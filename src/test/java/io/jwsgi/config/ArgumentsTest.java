package io.jwsgi.config;

import static io.jwsgi.config.StartServerSettings.ACCESS_LOG;
import static io.jwsgi.config.StartServerSettings.ALL;
import static io.jwsgi.config.StartServerSettings.PORT;
import static io.jwsgi.config.StartServerSettings.PROCESSES;
import static io.jwsgi.config.StartServerSettings.THREADS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ArgumentsTest {
    private static Arguments parse(String... words) {
        return Arguments.parse(ALL, List.of(words));
    }

    @Test
    void absentOptionsTakeTheirDeclaredDefault() {
        Arguments args = parse();

        assertThat(args.isGiven(PORT)).isFalse();
        assertThat(args.value(PORT)).isEqualTo(8000);
    }

    @Test
    void acceptsValuesAfterAnEqualsSign() {
        assertThat(parse("--port=9000").value(PORT)).isEqualTo(9000);
    }

    @Test
    void aNonRepeatableOptionGivenTwiceKeepsTheLastValue() {
        assertThat(parse("--threads", "2", "--threads", "7").value(THREADS)).isEqualTo(7);
    }

    @Test
    void doubleDashEndsTheOptions() {
        Arguments args = parse("--port", "1", "--", "--not-an-option");

        assertThat(args.positionals()).containsExactly("--not-an-option");
    }

    @Test
    void positionalsMayComeBeforeOrAfterOptions() {
        assertThat(parse("a.py", "--port", "1").positionals()).containsExactly("a.py");
        assertThat(parse("--port", "1", "a.py").positionals()).containsExactly("a.py");
    }

    @Test
    void rejectsMisspelledOptionWithASuggestion() {
        assertThatThrownBy(() -> parse("--procesess", "2"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("unknown option '--procesess' (did you mean --processes?)");
    }

    @Test
    void suggestsTheOptionAnAbbreviationStandsForButDoesNotAcceptIt() {
        assertThatThrownBy(() -> parse("--proc", "2"))
                .hasMessage("unknown option '--proc' (did you mean --processes?)");
    }

    @Test
    void rejectsUnrelatedOptionWithoutASuggestion() {
        assertThatThrownBy(() -> parse("--zzzzzzzz"))
                .hasMessage("unknown option '--zzzzzzzz' (see --help)");
    }

    @Test
    void rejectsAnOptionWithoutItsValue() {
        assertThatThrownBy(() -> parse("--port"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--port: missing value");
    }

    @Test
    void treatsAFollowingOptionAsAMissingValue() {
        assertThatThrownBy(() -> parse("--port", "--threads", "2"))
                .hasMessage("--port: missing value");
    }

    @Test
    void passesANegativeNumberToTheTypeWhichRejectsIt() {
        assertThatThrownBy(() -> parse("--processes", "-1"))
                .hasMessage("--processes: must be at least 1, got -1");
    }

    @Test
    void rejectsAValueForAnOnOffFlag() {
        assertThatThrownBy(() -> parse("--access-log=yes"))
                .hasMessage("--access-log: takes no value");
    }

    @Test
    void rejectsEqualsFormForTwoValueOptions() {
        assertThatThrownBy(() -> parse("--setenv=A"))
                .hasMessage("--setenv: write its values as --setenv KEY VALUE");
    }

    @Test
    void onOffFlagsAreGivenOrNot() {
        assertThat(parse("--access-log").isGiven(ACCESS_LOG)).isTrue();
        assertThat(parse().isGiven(ACCESS_LOG)).isFalse();
    }

    @Test
    void givenIsRecordedEvenWhenTheValueEqualsTheDefault() {
        assertThat(parse("--processes", "1").isGiven(PROCESSES)).isTrue();
    }
}
