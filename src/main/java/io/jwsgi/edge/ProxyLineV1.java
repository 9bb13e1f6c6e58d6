package io.jwsgi.edge;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The PROXY protocol v1 line, checked to the letter of HAProxy's specification (doc/proxy-protocol.txt §2.1) before
 * Jetty's parser reads it. Jetty's is lenient where that costs: it passes each address to
 * {@code new InetSocketAddress(String, int)}, so a name in place of an address is looked up in DNS on the selector
 * thread and then becomes SERVER_ADDR as written, and the family (TCP4, TCP6) is not compared with the addresses.
 * <pre>
 *   "PROXY" SP ( "TCP4" SP ipv4 SP ipv4 | "TCP6" SP ipv6 SP ipv6 ) SP port SP port CRLF
 *   "PROXY" SP "UNKNOWN" *(any byte but CR and LF) CRLF
 * </pre>
 * 107 bytes at most with the CRLF; a port is a decimal number 0–65535 without leading zeros; addresses are literals
 * (dotted-quad IPv4 without leading zeros, IPv6 as Java reads it).
 */
final class ProxyLineV1 {
    /** The longest v1 line, CRLF included (the specification's "worst case"). */
    static final int MAX = 107;
    private static final byte[] PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);

    /** What the bytes so far are. */
    enum Verdict { VALID, INVALID, INCOMPLETE, NOT_V1 }

    private ProxyLineV1() {}

    /** Looks at the buffer's bytes from its position without moving it. */
    static Verdict check(ByteBuffer buffer) {
        int start = buffer.position();
        int available = buffer.remaining();
        for (int i = 0; i < Math.min(PREFIX.length, available); i++) {
            if (buffer.get(start + i) != PREFIX[i]) return Verdict.NOT_V1;
        }
        if (available < PREFIX.length) return Verdict.INCOMPLETE;
        for (int i = 0; i < Math.min(MAX, available); i++) {
            if (buffer.get(start + i) == '\n') {
                if (i == 0 || buffer.get(start + i - 1) != '\r') return Verdict.INVALID;
                byte[] line = new byte[i - 1];
                buffer.get(start, line);
                return valid(new String(line, StandardCharsets.US_ASCII)) ? Verdict.VALID : Verdict.INVALID;
            }
        }
        return available >= MAX ? Verdict.INVALID : Verdict.INCOMPLETE;
    }

    /** The line without its CRLF. */
    static boolean valid(String line) {
        if (line.startsWith("PROXY UNKNOWN")) return line.length() == 13 || line.charAt(13) == ' ';
        String[] parts = line.split(" ", -1);
        if (parts.length != 6 || !parts[0].equals("PROXY")) return false;
        boolean v4 = parts[1].equals("TCP4");
        if (!v4 && !parts[1].equals("TCP6")) return false;
        return address(parts[2], v4) && address(parts[3], v4) && port(parts[4]) && port(parts[5]);
    }

    private static boolean address(String text, boolean v4) {
        if (text.isEmpty()) return false;
        if (v4) {
            String[] octets = text.split("\\.", -1);
            if (octets.length != 4) return false;
            for (String o : octets) {
                if (!decimal(o, 3) || Integer.parseInt(o) > 255) return false;
            }
            return true;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) return false;
        }
        if (text.indexOf(':') < 0) return false;
        try {
            InetAddress a = InetAddress.ofLiteral(text);
            return a instanceof Inet6Address || a instanceof Inet4Address; // ::ffff:a.b.c.d reads as IPv4 in Java
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean port(String text) {
        return decimal(text, 5) && Integer.parseInt(text) <= 65535;
    }

    /** 1 to {@code max} ASCII digits, no leading zero unless the number is 0. */
    private static boolean decimal(String text, int max) {
        if (text.isEmpty() || text.length() > max || (text.length() > 1 && text.charAt(0) == '0')) return false;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') return false;
        }
        return true;
    }
}
