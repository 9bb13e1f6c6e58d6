package io.jwsgi.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parts of sd_notify that need no systemd: the watchdog's interval and the socket address. */
class SystemdNotifyTest {
    @Test
    void theWatchdogIsFedAtHalfItsTimeoutAndOnlyForTheProcessItIsMeantFor() {
        assertThat(SystemdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000"), 42))
                .isEqualTo(Duration.ofSeconds(15));
        assertThat(SystemdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "42"), 42))
                .isEqualTo(Duration.ofSeconds(15));
        assertThat(SystemdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "7"), 42))
                .isNull();
        assertThat(SystemdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "0"), 42)).isNull();
        assertThat(SystemdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "soon"), 42)).isNull();
        assertThat(SystemdNotify.watchdogInterval(Map.of(), 42)).isNull();
    }

    @Test
    void withoutNotifySocketNothingIsSent() {
        SystemdNotify off = SystemdNotify.from(Map.of("WATCHDOG_USEC", "1000000"), 42);
        assertThat(off.enabled()).isFalse();
        assertThat(off.watchdogInterval()).isNull();
        off.ready("serving"); // nothing to send to, nothing thrown
    }

    @Test
    void aPathIsNulTerminatedAndAnAbstractNameStartsWithNul() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = arena.allocate(110);
            assertThat(SystemdNotify.address(address, "/run/systemd/notify")).isEqualTo(2 + 19 + 1);
            assertThat(address.get(ValueLayout.JAVA_SHORT, 0)).isEqualTo((short) 1); // AF_UNIX
            assertThat(new String(address.asSlice(2, 19).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8))
                    .isEqualTo("/run/systemd/notify");
            assertThat(address.get(ValueLayout.JAVA_BYTE, 2 + 19)).isZero();

            assertThat(SystemdNotify.address(address, "@unit/notify")).isEqualTo(2 + 1 + 11);
            assertThat(address.get(ValueLayout.JAVA_BYTE, 2)).isZero();
            assertThat(new String(address.asSlice(3, 11).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8))
                    .isEqualTo("unit/notify");

            assertThatThrownBy(() -> SystemdNotify.address(address, "/" + "x".repeat(107)))
                    .hasMessageContaining("NOTIFY_SOCKET");
        }
    }
}
