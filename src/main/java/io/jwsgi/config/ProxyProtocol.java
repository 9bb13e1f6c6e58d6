package io.jwsgi.config;

import static io.jwsgi.config.StartServerSettings.PROXY_PROTOCOL;
import static io.jwsgi.config.StartServerSettings.TRUST_PROXY;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code --proxy-protocol}: every connection to the HTTP and HTTPS ports starts with a PROXY protocol header
 * (HAProxy's v1 or v2), accepted only from the {@code --trust-proxy} peers (docs/behind-a-proxy.md).
 *
 * @param enabled whether the listeners expect the header
 * @param peers   the load balancers allowed to connect; never empty when enabled
 */
public record ProxyProtocol(boolean enabled, List<IpRange> peers) {

    public ProxyProtocol {
        peers = List.copyOf(peers);
        if (enabled && peers.isEmpty()) {
            throw new ConfigException(PROXY_PROTOCOL.flag() + ": needs " + TRUST_PROXY.flag() + " naming the load "
                    + "balancers that send the header (such as 127.0.0.1 or 10.0.0.0/8); a PROXY header from any "
                    + "other peer would let it claim any client address");
        }
    }

    public static ProxyProtocol off() {
        return new ProxyProtocol(false, List.of());
    }

    static ProxyProtocol resolve(Arguments args) {
        if (!args.isGiven(PROXY_PROTOCOL)) return off();
        List<IpRange> peers = new ArrayList<>();
        for (String given : args.values(TRUST_PROXY)) {
            try {
                peers.add(IpRange.parse(given));
            } catch (InvalidValueException e) {
                throw new ConfigException(TRUST_PROXY.flag() + ": " + e.getMessage());
            }
        }
        return new ProxyProtocol(true, peers);
    }
}
