package io.jwsgi.config;

import static io.jwsgi.config.StartServerSettings.TRUST_PROXY;
import static io.jwsgi.config.StartServerSettings.TRUST_PROXY_HEADER;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which forwarded headers are honoured, and from which peers ({@code --trust-proxy-header},
 * {@code --trust-proxy}; mod_wsgi's WSGITrustedProxyHeaders and WSGITrustedProxies). The front end's
 * {@code TrustedProxies} applies it (docs/behind-a-proxy.md).
 *
 * @param headers  canonical names ({@code X-Forwarded-For}) in the order given; empty: the feature is off
 * @param proxies  trusted peers; empty with headers given means every peer is trusted (mod_wsgi's rule)
 */
public record ProxyTrust(List<String> headers, List<IpRange> proxies) {

    /** Every header --trust-proxy-header accepts, as it is written in help and logs. */
    public static final List<String> KNOWN_HEADERS = List.of(
            "X-Forwarded-For", "X-Client-IP", "X-Real-IP",
            "X-Forwarded-Proto", "X-Forwarded-Scheme", "X-Scheme",
            "X-Forwarded-HTTPS", "X-Forwarded-SSL", "X-HTTPS",
            "X-Forwarded-Host", "X-Host",
            "X-Forwarded-Server",
            "X-Forwarded-Port",
            "X-Script-Name", "X-Forwarded-Script-Name");

    public ProxyTrust {
        headers = List.copyOf(headers);
        proxies = List.copyOf(proxies);
    }

    public static ProxyTrust none() {
        return new ProxyTrust(List.of(), List.of());
    }

    /** Whether any forwarded header is to be processed at all. */
    public boolean enabled() {
        return !headers.isEmpty();
    }

    static ProxyTrust resolve(Arguments args) {
        List<String> headers = new ArrayList<>();
        for (String given : args.values(TRUST_PROXY_HEADER)) {
            String canonical = canonical(given);
            if (canonical == null) {
                throw new ConfigException(TRUST_PROXY_HEADER.flag() + ": '" + given + "' is not a forwarded header "
                        + "jwsgi knows; one of " + String.join(", ", KNOWN_HEADERS));
            }
            if (!headers.contains(canonical)) headers.add(canonical);
        }
        List<IpRange> proxies = new ArrayList<>();
        for (String given : args.values(TRUST_PROXY)) {
            try {
                proxies.add(IpRange.parse(given));
            } catch (InvalidValueException e) {
                throw new ConfigException(TRUST_PROXY.flag() + ": " + e.getMessage());
            }
        }
        // --trust-proxy alone names the peers --proxy-protocol accepts (ProxyProtocol); otherwise it does nothing.
        if (headers.isEmpty() && !proxies.isEmpty() && !args.isGiven(StartServerSettings.PROXY_PROTOCOL)) {
            throw new ConfigException(TRUST_PROXY.flag() + ": has no effect without " + TRUST_PROXY_HEADER.flag()
                    + " (name the forwarded headers the proxy sets, such as X-Forwarded-For) or "
                    + StartServerSettings.PROXY_PROTOCOL.flag());
        }
        return new ProxyTrust(headers, proxies);
    }

    /** The canonical spelling of a known header name (any case, '_' for '-'), or null. */
    static String canonical(String name) {
        String key = name.replace('_', '-').toLowerCase(Locale.ROOT);
        for (String known : KNOWN_HEADERS) {
            if (known.toLowerCase(Locale.ROOT).equals(key)) return known;
        }
        return null;
    }
}
