package io.jwsgi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --host-access-script, --auth-user-script, --auth-type, --auth-group-script, --auth-group (docs/auth-hooks.md). */
class AuthHooksTest {
    @TempDir
    Path temp;

    TestEnvironment env;

    @BeforeEach
    void setUp() throws Exception {
        env = new TestEnvironment(temp);
        Files.writeString(env.cwd.resolve("auth.wsgi"), "def check_password(environ, user, password): pass\n");
        Files.writeString(env.cwd.resolve("groups.wsgi"), "def groups_for_user(environ, user): pass\n");
    }

    @Test
    void offByDefaultWithMod_wsgiExpressDefaults() {
        AuthHooks hooks = env.parseWithScript().authHooks();
        assertThat(hooks.enabled()).isFalse();
        assertThat(hooks.authType()).isEqualTo("Basic");
        assertThat(hooks.authGroup()).isEqualTo("wsgi");
    }

    @Test
    void scriptsResolveAgainstTheCurrentDirectoryAndTheTypeIsCaseInsensitive() {
        AuthHooks hooks = env.parseWithScript("--auth-user-script", "auth.wsgi", "--auth-type", "digest",
                "--auth-group-script", "groups.wsgi", "--auth-group", "admins").authHooks();
        assertThat(hooks.enabled()).isTrue();
        assertThat(hooks.authUserScript()).isEqualTo(env.cwd.resolve("auth.wsgi"));
        assertThat(hooks.authGroupScript()).isEqualTo(env.cwd.resolve("groups.wsgi"));
        assertThat(hooks.authType()).isEqualTo("Digest");
        assertThat(hooks.authGroup()).isEqualTo("admins");
    }

    @Test
    void badValuesNameTheirOption() {
        assertThatThrownBy(() -> env.parseWithScript("--auth-type", "NTLM"))
                .hasMessageContaining("--auth-type").hasMessageContaining("'NTLM' is not Basic or Digest");
        assertThatThrownBy(() -> env.parseWithScript("--host-access-script", "missing.wsgi"))
                .hasMessage("--host-access-script: no such file: " + env.cwd.resolve("missing.wsgi"));
        assertThatThrownBy(() -> env.parseWithScript("--auth-group-script", "groups.wsgi"))
                .hasMessageStartingWith("--auth-group-script needs --auth-user-script");
    }
}
