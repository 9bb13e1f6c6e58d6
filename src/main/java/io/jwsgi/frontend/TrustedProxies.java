package io.jwsgi.frontend;

import io.jwsgi.config.IpRange;
import io.jwsgi.config.ProxyTrust;
import io.jwsgi.protocol.RequestEncoder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.HostPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --trust-proxy-header} and {@code --trust-proxy} (mod_wsgi's WSGITrustedProxyHeaders and
 * WSGITrustedProxies; docs/behind-a-proxy.md): a Jetty request customizer, installed only when a header is to be
 * trusted, so a server without it pays nothing. It runs before any handler and before the access log reads the
 * request, so the environ and the access log see the same rewritten request.
 *
 * <p>From a trusted peer, the honoured headers rewrite the request: the client address (REMOTE_ADDR, {@code %h}),
 * the scheme ({@code wsgi.url_scheme}), the authority (HTTP_HOST, SERVER_NAME, SERVER_PORT) and SCRIPT_NAME. Every
 * other forwarded header jwsgi knows is removed, and from an untrusted peer all of them are (CVE-2022-2255: an
 * application or middleware that reads a forwarded header itself must never see one a client made up), as is
 * {@code Forwarded} (RFC 7239, which jwsgi does not interpret). Headers whose names use '_' never reach the
 * environ at all ({@link Environ}), so {@code X_Forwarded_For} cannot stand in for {@code X-Forwarded-For}.
 */
public final class TrustedProxies implements HttpConfiguration.Customizer {
    private static final Logger log = LoggerFactory.getLogger(TrustedProxies.class);

    /** What a forwarded header says something about; one header per category wins. */
    enum Category { CLIENT, SCHEME, HOST, SERVER, PORT, SCRIPT_NAME, FORWARDED }

    private static final Map<String, Category> KNOWN = new HashMap<>();

    static {
        for (String name : List.of("x-forwarded-for", "x-client-ip", "x-real-ip")) KNOWN.put(name, Category.CLIENT);
        for (String name : List.of("x-forwarded-proto", "x-forwarded-scheme", "x-scheme", "x-forwarded-https",
                "x-forwarded-ssl", "x-https")) {
            KNOWN.put(name, Category.SCHEME);
        }
        KNOWN.put("x-forwarded-host", Category.HOST);
        KNOWN.put("x-host", Category.HOST);
        KNOWN.put("x-forwarded-server", Category.SERVER);
        KNOWN.put("x-forwarded-port", Category.PORT);
        KNOWN.put("x-script-name", Category.SCRIPT_NAME);
        KNOWN.put("x-forwarded-script-name", Category.SCRIPT_NAME);
        KNOWN.put("forwarded", Category.FORWARDED);
    }

    /** The honoured headers, lower case, in the order given (a later one present wins, as in mod_wsgi). */
    private final List<String> honoured;
    private final List<IpRange> proxies;

    public TrustedProxies(ProxyTrust trust) {
        this.honoured = trust.headers().stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        this.proxies = trust.proxies();
        if (proxies.isEmpty()) {
            log.warn("trusting forwarded headers from every peer headers={} (give --trust-proxy to restrict them "
                    + "to your proxies)", trust.headers());
        }
    }

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        HttpFields headers = request.getHeaders();
        boolean any = false;
        for (HttpField field : headers) {
            if (KNOWN.containsKey(field.getLowerCaseName())) {
                any = true;
                break;
            }
        }
        if (!any) return request;
        return trusted(request) ? rewrite(request, headers) : strip(request, headers);
    }

    /** The socket peer is a trusted proxy (or no --trust-proxy was given: every peer is, mod_wsgi's rule). */
    private boolean trusted(Request request) {
        if (proxies.isEmpty()) return true;
        SocketAddress peer = request.getConnectionMetaData().getRemoteSocketAddress();
        return peer instanceof InetSocketAddress inet && inet.getAddress() != null && isProxy(inet.getAddress());
    }

    private boolean isProxy(InetAddress address) {
        for (IpRange range : proxies) {
            if (range.contains(address)) return true;
        }
        return false;
    }

    /** An untrusted peer: every forwarded header goes, nothing else changes. */
    private static Request strip(Request request, HttpFields headers) {
        HttpFields.Mutable kept = HttpFields.build(headers.size());
        for (HttpField field : headers) {
            if (!KNOWN.containsKey(field.getLowerCaseName())) kept.add(field);
        }
        return new Forwarded(request, kept.asImmutable(), request.getHttpURI(), request.isSecure(), null, Overrides.NONE);
    }

    private Request rewrite(Request request, HttpFields headers) {
        // The winner of each category: the last honoured header present (mod_wsgi applies them in order).
        Map<Category, String> winner = new HashMap<>();
        for (String name : honoured) {
            if (headers.contains(name)) winner.put(KNOWN.get(name), name);
        }
        String forwardedFor = null;
        String client = null;
        String clientHeader = winner.get(Category.CLIENT);
        if (clientHeader != null) {
            String value = joined(headers, clientHeader);
            if (clientHeader.equals("x-forwarded-for")) {
                List<String> hops = hops(value);
                int at = clientIndex(hops);
                if (at >= 0) {
                    client = hops.get(at);
                    forwardedFor = String.join(", ", proxies.isEmpty() ? hops : hops.subList(at, hops.size()));
                }
            } else if (IpRange.address(value.trim()) != null) {
                client = value.trim();
            }
            if (client == null) {
                log.debug("forwarded client address ignored header={} value={}", clientHeader, value);
                winner.remove(Category.CLIENT);
            }
        }

        // The URI's authority must stay the Host header's (Jetty refuses a mismatch), so X-Forwarded-Host moves
        // both, while X-Forwarded-Server and -Port, which leave HTTP_HOST alone, reach only the environ.
        boolean secure = request.isSecure();
        HttpURI.Mutable uri = HttpURI.build(request.getHttpURI());
        String scheme = winner.containsKey(Category.SCHEME) ? scheme(winner.get(Category.SCHEME),
                joined(headers, winner.get(Category.SCHEME))) : null;
        if (scheme != null) {
            secure = scheme.equals("https");
            uri.scheme(scheme);
        } else {
            winner.remove(Category.SCHEME);
        }
        String host = null;
        if (winner.containsKey(Category.HOST)) {
            host = joined(headers, winner.get(Category.HOST)).trim();
            HostPort authority = hostPort(host);
            if (authority == null) {
                log.debug("forwarded host ignored header={} value={}", winner.get(Category.HOST), host);
                host = null;
                winner.remove(Category.HOST);
            } else {
                uri.authority(authority.getHost(), authority.getPort());
            }
        }
        String serverName = null;
        if (winner.containsKey(Category.SERVER)) {
            HostPort server = hostPort(joined(headers, winner.get(Category.SERVER)).trim());
            if (server == null || server.getPort() > 0) winner.remove(Category.SERVER);
            else serverName = server.getHost();
        }
        String serverPort = null;
        if (winner.containsKey(Category.PORT)) {
            int port = port(joined(headers, winner.get(Category.PORT)).trim());
            if (port < 0) winner.remove(Category.PORT);
            else serverPort = Integer.toString(port);
        }
        String scriptName = null;
        if (winner.containsKey(Category.SCRIPT_NAME)) {
            scriptName = scriptName(joined(headers, winner.get(Category.SCRIPT_NAME)).trim());
            if (scriptName == null) winner.remove(Category.SCRIPT_NAME);
        }

        HttpFields.Mutable kept = HttpFields.build(headers.size());
        for (HttpField field : headers) {
            String name = field.getLowerCaseName();
            Category category = KNOWN.get(name);
            if (host != null && field.getHeader() == HttpHeader.HOST) continue;
            if (category == null || category == Category.FORWARDED) {
                kept.add(field);
            } else if (name.equals(winner.get(category))) {
                if (forwardedFor != null && category == Category.CLIENT) {
                    if (!kept.contains(field.getName())) kept.add(field.getName(), forwardedFor);
                } else {
                    kept.add(field);
                }
            }
        }
        if (host != null) kept.add(HttpHeader.HOST, host);
        InetSocketAddress remote = null;
        if (client != null) {
            // Unresolved, so REMOTE_ADDR is the address as the proxy wrote it (no lookup, no brackets).
            SocketAddress peer = request.getConnectionMetaData().getRemoteSocketAddress();
            remote = InetSocketAddress.createUnresolved(client, peer instanceof InetSocketAddress inet ? inet.getPort() : 0);
        }
        return new Forwarded(request, kept.asImmutable(), uri.asImmutable(), secure, remote,
                new Overrides(serverName, serverPort, scriptName));
    }

    /** X-Forwarded-For's entries, trimmed, empty ones dropped (mod_wsgi 6.0: "a,,b" and ", a"). */
    static List<String> hops(String value) {
        List<String> hops = new ArrayList<>();
        for (String part : value.split(",")) {
            String hop = part.trim();
            if (!hop.isEmpty()) hops.add(hop);
        }
        return hops;
    }

    /**
     * Which X-Forwarded-For entry is the client, or -1 for none usable. With --trust-proxy: walking from the right
     * (the hop nearest us) past every trusted proxy, the first address that is not one (an entry that is not an
     * address ends the walk there); if all are trusted, the leftmost. Without --trust-proxy (every peer trusted,
     * mod_wsgi's rule): the leftmost. The entry must be an IP address, else none is used.
     */
    int clientIndex(List<String> hops) {
        if (hops.isEmpty()) return -1;
        int at = 0;
        if (!proxies.isEmpty()) {
            at = hops.size() - 1;
            while (at > 0) {
                InetAddress address = IpRange.address(hops.get(at));
                if (address == null || !isProxy(address)) break;
                at--;
            }
        }
        return IpRange.address(hops.get(at)) == null ? -1 : at;
    }

    /** "https" or "http" from a scheme header, or null when the value says neither. */
    static String scheme(String header, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        boolean flag = header.equals("x-forwarded-https") || header.equals("x-forwarded-ssl") || header.equals("x-https");
        if (flag) {
            if (v.equals("on") || v.equals("true") || v.equals("1")) return "https";
            if (v.equals("off") || v.equals("false") || v.equals("0")) return "http";
            return null;
        }
        return v.equals("https") || v.equals("http") ? v : null;
    }

    private static HostPort hostPort(String value) {
        if (value.isEmpty() || value.indexOf(',') >= 0 || value.indexOf('/') >= 0 || value.indexOf(' ') >= 0) return null;
        try {
            HostPort hostPort = new HostPort(value);
            return hostPort.getHost().isEmpty() ? null : hostPort;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static int port(String value) {
        if (!value.matches("\\d{1,5}")) return -1;
        int port = Integer.parseInt(value);
        return port >= 1 && port <= 65535 ? port : -1;
    }

    /** A mount point: "" or a path starting with '/', without a trailing '/'; null if the value is not one. */
    private static String scriptName(String value) {
        if (!value.isEmpty() && !value.startsWith("/")) return null;
        String s = value;
        while (s.endsWith("/")) s = s.substring(0, s.length() - 1);
        return s;
    }

    private static String joined(HttpFields headers, String name) {
        List<String> values = headers.getValuesList(name);
        return values.size() == 1 ? values.getFirst() : String.join(", ", values);
    }

    /** What a trusted proxy said that the Jetty request cannot carry; null fields change nothing. */
    record Overrides(String serverName, String serverPort, String scriptName) {
        static final Overrides NONE = new Overrides(null, null, null);
    }

    /**
     * The environ's share that is not in the Jetty request: X-Forwarded-Server's SERVER_NAME, X-Forwarded-Port's
     * SERVER_PORT, and X-Script-Name's SCRIPT_NAME, which is also kept as {@code mod_wsgi.mount_point}
     * (mod_wsgi.script_name keeps the original). Written after the rest of the environ: a later key wins in the
     * marshal dict. One type check when the feature is off.
     */
    static void writeOverrides(RequestEncoder enc, Request request) {
        Forwarded forwarded = Request.as(request, Forwarded.class);
        if (forwarded == null) return;
        Overrides o = forwarded.overrides;
        if (o.serverName() != null) enc.put("SERVER_NAME", o.serverName());
        if (o.serverPort() != null) enc.put("SERVER_PORT", o.serverPort());
        if (o.scriptName() != null) {
            enc.put("SCRIPT_NAME", o.scriptName());
            enc.put("mod_wsgi.mount_point", o.scriptName());
        }
    }

    /** The request as rewritten: headers, URI (scheme and authority), security and client address. */
    static final class Forwarded extends Request.Wrapper {
        private final HttpFields headers;
        private final HttpURI uri;
        private final boolean secure;
        private final ConnectionMetaData metaData;
        final Overrides overrides;

        Forwarded(Request request, HttpFields headers, HttpURI uri, boolean secure, InetSocketAddress remote,
                  Overrides overrides) {
            super(request);
            this.headers = headers;
            this.uri = uri;
            this.secure = secure;
            this.overrides = overrides;
            this.metaData = remote == null ? request.getConnectionMetaData()
                    : new ConnectionMetaData.Wrapper(request.getConnectionMetaData()) {
                        @Override
                        public SocketAddress getRemoteSocketAddress() {
                            return remote;
                        }
                    };
        }

        @Override
        public HttpFields getHeaders() {
            return headers;
        }

        @Override
        public HttpURI getHttpURI() {
            return uri;
        }

        @Override
        public boolean isSecure() {
            return secure;
        }

        @Override
        public ConnectionMetaData getConnectionMetaData() {
            return metaData;
        }
    }
}
