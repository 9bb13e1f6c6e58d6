package io.jwsgi.edge;

import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Whether a Host field value, or the authority of an absolute-form request-target, names a host the way every
 * parser reads it alike (docs/http-parsing.md, "Host and the request-target"). It picks the virtual host and becomes
 * {@code SERVER_NAME} and {@code HTTP_HOST}, so a form that one parser reads as a name and another as an address (a
 * proxy in front, a URL library in the application, the resolver) is refused rather than passed on:
 * <ul>
 *   <li>numeric forms other than the dotted quad: {@code 0x7f.1}, {@code 0177.0.0.1}, {@code 2130706433},
 *       {@code 127.1}, {@code 127.000.000.001}. A host whose last label is a number (decimal, or {@code 0x} hex) is
 *       an IPv4 address to a WHATWG URL parser, which accepts all of these; RFC 3986 reads most as a reg-name;</li>
 *   <li>percent-encoded bytes ({@code %6c%6f%63%61%6c%68%6f%73%74}): RFC 3986 lets a reg-name have them, but a
 *       comparison with the server's names would see the encoded text and a resolver the decoded one;</li>
 *   <li>an IPv6 address without brackets ({@code ::1}, {@code ::1:80}): the port cannot be told from the address;
 *       and inside brackets, anything that is not an IPv6 address (IPvFuture, zone identifiers);</li>
 *   <li>any byte RFC 3986's reg-name does not have (userinfo's {@code @}, spaces, controls, non-ASCII), an empty
 *       label, a port that is not 0–65535.</li>
 * </ul>
 * What RFC 3986's reg-name has and URL parsers read alike is allowed: upper-case letters, a trailing dot, {@code _}
 * and {@code ~}, and the sub-delims ({@code Host: 0.0.0.0=5000} is in gunicorn's valid corpus).
 */
public final class Authority {
    /** RFC 3986's sub-delims: a reg-name may have them, and URL parsers agree it does. */
    private static final String SUB_DELIMS = "!$&'()*+,;=";

    private Authority() {}

    /** Null when {@code authority} ({@code host[:port]}, as sent) is acceptable, else why it is not. */
    public static String problem(String authority) {
        if (authority.isEmpty()) return null; // RFC 9112 §3.2: an empty Host is what a target without authority gets
        String host;
        String port;
        if (authority.charAt(0) == '[') {
            int close = authority.indexOf(']');
            if (close < 0) return "an IPv6 address without its closing bracket";
            String literal = authority.substring(1, close);
            if (!isIpv6(literal)) return "'" + literal + "' in brackets is not an IPv6 address";
            String rest = authority.substring(close + 1);
            if (!rest.isEmpty() && rest.charAt(0) != ':') return "text after the IPv6 address's closing bracket";
            return rest.isEmpty() ? null : portProblem(rest.substring(1));
        }
        int colon = authority.indexOf(':');
        if (colon >= 0 && authority.indexOf(':', colon + 1) >= 0) return "an IPv6 address without brackets";
        host = colon < 0 ? authority : authority.substring(0, colon);
        port = colon < 0 ? null : authority.substring(colon + 1);
        String problem = hostProblem(host);
        if (problem != null) return problem;
        return port == null ? null : portProblem(port);
    }

    private static String hostProblem(String host) {
        if (host.isEmpty()) return "an empty host name before the port";
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '%') return "a percent-encoded host name";
            if (c == '@') return "userinfo before the host (RFC 9110 §4.2.4)";
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || SUB_DELIMS.indexOf(c) >= 0;
            if (!ok) return "a character a host name cannot have: '" + printable(c) + "'";
        }
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        String[] labels = name.split("\\.", -1);
        for (String label : labels) {
            if (label.isEmpty()) return "an empty label in the host name";
        }
        if (!isNumber(labels[labels.length - 1])) return null;
        // The last label is a number: a URL parser takes the whole host as an IPv4 address.
        if (labels.length != 4) return "a numeric host that is not a dotted-quad IPv4 address";
        for (String label : labels) {
            if (!isDecimalOctet(label)) {
                return "an IPv4 address not written as four decimal numbers 0-255 without leading zeros";
            }
        }
        return null;
    }

    /** A decimal number, or {@code 0x}/{@code 0X} and hex digits (even none): WHATWG's IPv4 number. */
    private static boolean isNumber(String label) {
        int start = label.length() > 1 && label.charAt(0) == '0' && (label.charAt(1) == 'x' || label.charAt(1) == 'X')
                ? 2 : 0;
        for (int i = start; i < label.length(); i++) {
            if (Character.digit(label.charAt(i), start == 2 ? 16 : 10) < 0) return false;
        }
        return true;
    }

    private static boolean isDecimalOctet(String label) {
        if (label.isEmpty() || label.length() > 3) return false;
        if (label.length() > 1 && label.charAt(0) == '0') return false;
        for (int i = 0; i < label.length(); i++) {
            if (label.charAt(i) < '0' || label.charAt(i) > '9') return false;
        }
        return Integer.parseInt(label) <= 255;
    }

    private static boolean isIpv6(String literal) {
        if (literal.isEmpty() || literal.indexOf(':') < 0) return false;
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) return false;
        }
        try {
            return InetAddress.ofLiteral(literal) instanceof Inet6Address
                    || literal.startsWith("::ffff:"); // Java gives an IPv4-mapped address as Inet4Address
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String portProblem(String port) {
        if (port.isEmpty()) return null; // RFC 3986: port = *DIGIT
        if (port.length() > 5) return "a port over 65535";
        for (int i = 0; i < port.length(); i++) {
            if (port.charAt(i) < '0' || port.charAt(i) > '9') return "a port that is not a number";
        }
        return Integer.parseInt(port) > 65535 ? "a port over 65535" : null;
    }

    private static String printable(char c) {
        return c >= 0x21 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c);
    }
}
