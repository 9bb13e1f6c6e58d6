package io.jwsgi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --server-name, --server-alias, --allow-localhost (docs/virtual-hosts.md). */
class ServerNamesTest {
    @TempDir
    Path temp;

    TestEnvironment env;

    @BeforeEach
    void setUp() {
        env = new TestEnvironment(temp);
    }

    @Test
    void offByDefault() {
        ServerNames names = env.parseWithScript().serverNames();
        assertThat(names).isEqualTo(ServerNames.none());
        assertThat(names.enabled()).isFalse();
        assertThat(names.parentDomain()).isNull();
    }

    @Test
    void namesAreLowerCasedAndAliasesKeptInOrderWithoutRepeats() {
        ServerNames names = env.parseWithScript("--server-name", "WWW.Example.com", "--server-alias", "*.Example.org",
                "--server-alias", "api.example.net", "--server-alias", "*.example.org", "--allow-localhost")
                .serverNames();
        assertThat(names).isEqualTo(new ServerNames("www.example.com", List.of("*.example.org", "api.example.net"),
                true));
        assertThat(names.parentDomain()).isEqualTo("example.com");
    }

    @Test
    void onlyAWwwNameHasABareDomainToRedirect() {
        assertThat(env.parseWithScript("--server-name", "app.example.com").serverNames().parentDomain()).isNull();
    }

    @Test
    void badNamesAndLoneDependentsNameTheFlag() {
        assertThatThrownBy(() -> env.parseWithScript("--server-name", "example.com:8080"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--server-name").hasMessageContaining("'example.com:8080' is not a host name");
        assertThatThrownBy(() -> env.parseWithScript("--server-name", "*.example.com"))
                .hasMessageContaining("--server-name").hasMessageContaining("'*.example.com'");
        assertThatThrownBy(() -> env.parseWithScript("--server-name", "a.com", "--server-alias", "http://b.com"))
                .hasMessageContaining("--server-alias").hasMessageContaining("'http://b.com'");
        assertThatThrownBy(() -> env.parseWithScript("--server-alias", "b.com"))
                .hasMessage("--server-alias needs --server-name (it belongs to the name-based virtual host that "
                        + "option creates)");
        assertThatThrownBy(() -> env.parseWithScript("--allow-localhost"))
                .hasMessageStartingWith("--allow-localhost needs --server-name");
    }
}
