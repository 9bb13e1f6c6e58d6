package io.jwsgi.config;

import static io.jwsgi.config.StartServerSettings.PROXY_MOUNT_POINT;
import static io.jwsgi.config.StartServerSettings.PROXY_TIMEOUT;
import static io.jwsgi.config.StartServerSettings.PROXY_URL_ALIAS;
import static io.jwsgi.config.StartServerSettings.PROXY_VIRTUAL_HOST;
import static io.jwsgi.config.StartServerSettings.SOCKET_TIMEOUT;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reverse proxying beside the WSGI application: {@code --proxy-mount-point} (alias {@code --proxy-url-alias}),
 * {@code --proxy-virtual-host}, {@code --proxy-timeout}. The front end's share of the configuration; see
 * docs/proxying.md for what is forwarded and how.
 *
 * @param mountPoints  longest prefix first, so the most specific mount point wins whatever the order given
 * @param virtualHosts in the order given; host names are lower case
 * @param timeout      longest wait for the backend's next bytes (and idle time of a tunnelled WebSocket)
 */
public record ProxyOptions(List<MountPoint> mountPoints, List<VirtualHost> virtualHosts, Duration timeout) {

    /** Nothing proxied. */
    public static final ProxyOptions NONE = new ProxyOptions(List.of(), List.of(), Duration.ofSeconds(60));

    /**
     * Requests for {@code prefix} and below go to {@code target}; the prefix is replaced by the target's path.
     *
     * @param prefix "/api" (no trailing slash), or "" when mounted at "/"
     * @param target http URI; its path has no trailing slash ("" for the root)
     * @param socket the UNIX socket to connect to instead of the target's host and port, or null
     */
    public record MountPoint(String prefix, URI target, Path socket) {
        public MountPoint(String prefix, URI target) {
            this(prefix, target, null);
        }
    }

    /**
     * Requests whose Host is {@code host} (any port) go to {@code target}, whatever their path.
     *
     * @param host   lower case, without a port
     * @param target http URI; its path has no trailing slash
     * @param socket the UNIX socket to connect to instead of the target's host and port, or null
     */
    public record VirtualHost(String host, URI target, Path socket) {
        public VirtualHost(String host, URI target) {
            this(host, target, null);
        }
    }

    /** A backend: its URL, and the UNIX socket it listens on when given as {@code unix:/path|http://host/}. */
    private record Backend(URI url, Path socket) {}

    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?");

    public ProxyOptions {
        mountPoints = mountPoints.stream()
                .sorted(Comparator.comparingInt((MountPoint m) -> m.prefix().length()).reversed())
                .toList();
        virtualHosts = List.copyOf(virtualHosts);
    }

    /** Whether anything is proxied at all. */
    public boolean enabled() {
        return !mountPoints.isEmpty() || !virtualHosts.isEmpty();
    }

    /** Resolves the proxy settings; a bad mount point, host name or URL is a {@link ConfigException} naming it. */
    static ProxyOptions resolve(Arguments args) {
        List<MountPoint> mounts = new ArrayList<>();
        Set<String> prefixes = new HashSet<>();
        for (Setting<Map.Entry<String, String>> setting : List.of(PROXY_MOUNT_POINT, PROXY_URL_ALIAS)) {
            for (Map.Entry<String, String> pair : args.values(setting)) {
                String path = pair.getKey();
                if (!path.startsWith("/")) {
                    throw new ConfigException(setting.flag() + ": '" + path + "' does not start with '/'");
                }
                String prefix = path.replaceAll("/+$", "");
                if (!prefixes.add(prefix)) {
                    throw new ConfigException(setting.flag() + ": '" + path + "' is proxied twice");
                }
                Backend backend = backend(setting, pair.getValue());
                mounts.add(new MountPoint(prefix, backend.url(), backend.socket()));
            }
        }
        List<VirtualHost> hosts = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Map.Entry<String, String> pair : args.values(PROXY_VIRTUAL_HOST)) {
            String host = pair.getKey();
            if (!HOST_NAME.matcher(host).matches()) {
                throw new ConfigException(PROXY_VIRTUAL_HOST.flag() + ": '" + host + "' is not a host name");
            }
            if (!names.add(host.toLowerCase(Locale.ROOT))) {
                throw new ConfigException(PROXY_VIRTUAL_HOST.flag() + ": '" + host + "' is proxied twice");
            }
            Backend backend = backend(PROXY_VIRTUAL_HOST, pair.getValue());
            hosts.add(new VirtualHost(host.toLowerCase(Locale.ROOT), backend.url(), backend.socket()));
        }
        Duration timeout = args.isGiven(PROXY_TIMEOUT) ? args.value(PROXY_TIMEOUT) : args.value(SOCKET_TIMEOUT);
        return new ProxyOptions(mounts, hosts, timeout);
    }

    /** {@code http://host[:port][/path]}, or mod_wsgi-express's {@code unix:/socket/path|http://host[/path]}. */
    private static Backend backend(Setting<?> setting, String raw) {
        if (!raw.startsWith("unix:")) return new Backend(target(setting, raw), null);
        int bar = raw.indexOf('|');
        if (bar < 0) {
            throw new ConfigException(setting.flag() + ": '" + raw + "' is not unix:/socket/path|http://host/");
        }
        Path socket;
        try {
            socket = Path.of(raw.substring("unix:".length(), bar));
        } catch (InvalidPathException e) {
            throw new ConfigException(setting.flag() + ": '" + raw + "' has a bad socket path: " + e.getReason());
        }
        if (!socket.isAbsolute()) {
            throw new ConfigException(setting.flag() + ": socket path in '" + raw + "' is not absolute");
        }
        return new Backend(target(setting, raw.substring(bar + 1)), socket.normalize());
    }

    /** An http URL with a host, no query or fragment; the trailing slash of its path is dropped. */
    private static URI target(Setting<?> setting, String raw) {
        URI uri;
        try {
            uri = new URI(raw);
        } catch (URISyntaxException e) {
            throw new ConfigException(setting.flag() + ": '" + raw + "' is not a URL: " + e.getReason());
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new ConfigException(setting.flag() + ": '" + raw + "' is not an http://host[:port][/path] URL");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new ConfigException(setting.flag() + ": '" + raw + "' may not have a query, fragment or user");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
        return URI.create("http://" + uri.getRawAuthority() + path);
    }
}
