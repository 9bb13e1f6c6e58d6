package io.jwsgi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --proxy-protocol, --registered-methods and --register-method as the command line gives them. */
class EdgeSettingsTest {
    @TempDir
    Path temp;

    private ServerConfig parse(String... args) {
        return new TestEnvironment(temp).parseWithScript(args);
    }

    @Test
    void offByDefault() {
        ServerConfig c = parse();
        assertThat(c.proxyProtocol().enabled()).isFalse();
        assertThat(c.registeredMethods().enabled()).isFalse();
        assertThat(c.registeredMethods().allows("MKCALENDAR")).isTrue();
    }

    @Test
    void proxyProtocolTakesItsPeersFromTrustProxyAndNeedsThem() {
        ServerConfig c = parse("--proxy-protocol", "--trust-proxy", "10.0.0.0/8", "--trust-proxy", "::1");
        assertThat(c.proxyProtocol().enabled()).isTrue();
        assertThat(c.proxyProtocol().peers()).extracting(IpRange::text).containsExactly("10.0.0.0/8", "::1");
        // --trust-proxy alone is fine with --proxy-protocol (it names the balancers), and headers stay off.
        assertThat(c.proxyTrust().enabled()).isFalse();
        assertThatThrownBy(() -> parse("--proxy-protocol")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--proxy-protocol: needs --trust-proxy");
        assertThatThrownBy(() -> parse("--proxy-protocol", "--trust-proxy", "10.0.0.0/33"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("--trust-proxy: ");
    }

    @Test
    void registeredMethodsAreApachesPlusTheOnesAdded() {
        ServerConfig c = parse("--registered-methods", "--register-method", "MKCALENDAR");
        assertThat(c.registeredMethods().methods()).containsAll(RegisteredMethods.APACHE).contains("MKCALENDAR");
        assertThat(c.registeredMethods().allows("PROPFIND")).isTrue();
        assertThat(c.registeredMethods().allows("BREW")).isFalse();
        assertThat(c.registeredMethods().allows("get")).isFalse();
        assertThatThrownBy(() -> parse("--register-method", "MKCALENDAR")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--register-method: has no effect without --registered-methods");
        assertThatThrownBy(() -> parse("--registered-methods", "--register-method", "MK CAL"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--register-method")
                .hasMessageContaining("'MK CAL' is not a method name");
    }
}
