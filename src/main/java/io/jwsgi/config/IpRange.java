package io.jwsgi.config;

import java.net.InetAddress;

/**
 * An address or a network in CIDR notation ({@code 10.0.0.0/8}, {@code 127.0.0.1}, {@code fd00::/8}), parsed
 * without name resolution. An IPv4 range never contains an IPv6 address and the other way round; Java already
 * presents IPv4-mapped IPv6 peers ({@code ::ffff:10.1.2.3}) as IPv4 addresses.
 */
public record IpRange(byte[] network, int prefixLength, String text) {

    /** Parses {@code text}; throws {@link InvalidValueException} saying what is wrong. */
    public static IpRange parse(String text) {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        byte[] bytes = literal(address, text);
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String length = text.substring(slash + 1);
            if (!length.matches("\\d{1,3}") || Integer.parseInt(length) > bits) {
                throw new InvalidValueException("'" + text + "' has a prefix length that is not 0 to " + bits);
            }
            prefix = Integer.parseInt(length);
        }
        byte[] network = bytes.clone();
        for (int i = 0; i < network.length; i++) network[i] &= mask(prefix, i);
        return new IpRange(network, prefix, text);
    }

    /** Parses an address literal (no name resolution), or returns null when {@code text} is not one. */
    public static InetAddress address(String text) {
        if (text.isEmpty() || !(Character.digit(text.charAt(0), 16) >= 0 || text.charAt(0) == ':')) return null;
        try {
            return InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public boolean contains(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length != network.length) return false;
        for (int i = 0; i < bytes.length; i++) {
            if ((bytes[i] & mask(prefixLength, i)) != network[i]) return false;
        }
        return true;
    }

    private static byte mask(int prefix, int byteIndex) {
        int bits = Math.max(0, Math.min(8, prefix - byteIndex * 8));
        return (byte) (0xff << (8 - bits));
    }

    private static byte[] literal(String address, String text) {
        InetAddress parsed = address(address);
        if (parsed == null) {
            throw new InvalidValueException("'" + text + "' is not an IP address or network (such as 10.0.0.0/8)");
        }
        return parsed.getAddress();
    }

    @Override
    public String toString() {
        return text;
    }
}
