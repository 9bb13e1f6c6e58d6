package io.jwsgi.config;

import static io.jwsgi.config.StartServerSettings.ALLOW_LOCALHOST;
import static io.jwsgi.config.StartServerSettings.SERVER_ALIAS;
import static io.jwsgi.config.StartServerSettings.SERVER_NAME;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The name-based virtual host of {@code --server-name}, {@code --server-alias} and {@code --allow-localhost}
 * (mod_wsgi-express's ServerName/ServerAlias virtual host in front of a catch-all {@code _default_} one). The front
 * end's {@code VirtualHost} handler applies it (docs/virtual-hosts.md).
 *
 * @param serverName     lower case, or null when the feature is off (every Host is served)
 * @param aliases        lower case, in the order given; may hold the wildcards {@code *} and {@code ?}
 * @param allowLocalhost loopback clients are served whatever Host they send
 */
public record ServerNames(String serverName, List<String> aliases, boolean allowLocalhost) {

    /** A DNS name or an IPv4 address: dot-separated labels of letters, digits, '-' and '_' (no port, no scheme). */
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?"
            + "(?:\\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*");
    /** The same with Apache's ServerAlias wildcards: '*' (any run of characters) and '?' (any one character). */
    private static final Pattern HOST_PATTERN = Pattern.compile("[A-Za-z0-9_*?-]+(?:\\.[A-Za-z0-9_*?-]+)*");

    public ServerNames {
        aliases = List.copyOf(aliases);
    }

    public static ServerNames none() {
        return new ServerNames(null, List.of(), false);
    }

    /** Whether requests are sorted by Host at all. */
    public boolean enabled() {
        return serverName != null;
    }

    /**
     * The bare domain that is redirected to the server name when that starts with {@code www.}
     * (mod_wsgi-express's {@code parent_domain}), or null.
     */
    public String parentDomain() {
        return serverName != null && serverName.startsWith("www.") ? serverName.substring(4) : null;
    }

    static boolean isHostName(String value) {
        return HOST_NAME.matcher(value).matches();
    }

    static boolean isHostPattern(String value) {
        return HOST_PATTERN.matcher(value).matches();
    }

    static ServerNames resolve(Arguments args) {
        if (!args.isGiven(SERVER_NAME)) {
            for (var dependent : List.of(SERVER_ALIAS, ALLOW_LOCALHOST)) {
                if (args.isGiven(dependent)) {
                    throw new ConfigException(dependent.flag() + " needs " + SERVER_NAME.flag()
                            + " (it belongs to the name-based virtual host that option creates)");
                }
            }
            return none();
        }
        List<String> aliases = new ArrayList<>();
        for (String alias : args.values(SERVER_ALIAS)) {
            String lower = alias.toLowerCase(Locale.ROOT);
            if (!aliases.contains(lower)) aliases.add(lower);
        }
        return new ServerNames(args.value(SERVER_NAME).toLowerCase(Locale.ROOT), aliases,
                args.isGiven(ALLOW_LOCALHOST));
    }
}
