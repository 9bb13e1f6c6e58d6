package io.jwsgi.config;

import static io.jwsgi.config.StartServerSettings.AUTH_GROUP;
import static io.jwsgi.config.StartServerSettings.AUTH_GROUP_SCRIPT;
import static io.jwsgi.config.StartServerSettings.AUTH_TYPE;
import static io.jwsgi.config.StartServerSettings.AUTH_USER_SCRIPT;
import static io.jwsgi.config.StartServerSettings.HOST_ACCESS_SCRIPT;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * start-server's access and authentication hooks (docs/auth-hooks.md): what mod_wsgi-express writes as
 * {@code <Location />} with {@code WSGIAccessScript}, {@code AuthType}, {@code AuthName 'HOST:PORT'},
 * {@code Auth<Type>Provider wsgi}, {@code WSGIAuthUserScript}, {@code WSGIAuthGroupScript} and
 * {@code Require valid-user} or {@code Require wsgi-group GROUP}.
 *
 * @param hostAccessScript absolute, or null
 * @param authUserScript   absolute, or null
 * @param authType         "Basic" or "Digest"
 * @param authGroupScript  absolute, or null (only with authUserScript)
 * @param authGroup        the group authGroupScript must list
 */
public record AuthHooks(Path hostAccessScript, Path authUserScript, String authType, Path authGroupScript,
                        String authGroup) {

    /** Whether any hook is configured (then the server starts its hook process group). */
    public boolean enabled() {
        return hostAccessScript != null || authUserScript != null;
    }

    static AuthHooks resolve(Arguments args, Path cwd) {
        Path access = script(args, HOST_ACCESS_SCRIPT, cwd);
        Path user = script(args, AUTH_USER_SCRIPT, cwd);
        Path group = script(args, AUTH_GROUP_SCRIPT, cwd);
        if (group != null && user == null) {
            throw new ConfigException(AUTH_GROUP_SCRIPT.flag() + " needs " + AUTH_USER_SCRIPT.flag()
                    + " (groups are looked up for an authenticated user)");
        }
        String type = args.value(AUTH_TYPE).toLowerCase(Locale.ROOT).equals("digest") ? "Digest" : "Basic";
        return new AuthHooks(access, user, type, group, args.value(AUTH_GROUP));
    }

    private static Path script(Arguments args, Setting<Path> setting, Path cwd) {
        Path p = args.value(setting);
        if (p == null) return null;
        Path file = cwd.resolve(p).normalize();
        if (!Files.isRegularFile(file)) throw new ConfigException(setting.flag() + ": no such file: " + file);
        return file;
    }
}
