package io.jwsgi.frontend;

import io.jwsgi.config.AccessLogFormat;
import io.jwsgi.config.AccessLogFormat.Directive;
import io.jwsgi.config.AccessLogFormat.Item;
import io.jwsgi.config.AccessLogFormat.Literal;
import io.jwsgi.config.Strftime;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.NanoTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: Jetty calls {@link #log} once per request after its response completed (or failed), with the
 * request as the application saw it (after {@link TrustedProxies}, so {@code %h} is the forwarded client).
 *
 * <p>Renders mod_log_config's directives with Apache's output rather than translating them to Jetty's
 * {@code CustomRequestLog}, whose language differs where it matters: its {@code %a} is the server's address,
 * it has no {@code %h %l %b %v %>s}, {@code %q} without a query is "-" rather than empty, {@code %t} is in GMT,
 * and values are not escaped. Here every value from the request is escaped as Apache's {@code ap_escape_logitem}
 * does ({@code "} and {@code \} with a backslash, other bytes outside printable ASCII as {@code \xhh}), so a
 * client cannot forge log lines. A status set by the application stays the logged status when the client goes
 * away mid-response (mod_wsgi 4.6.0).
 */
public final class AccessLog implements RequestLog {
    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxxx", Locale.ROOT);

    private final AccessLogFormat format;
    private final Writer writer;
    private final String serverName;
    private final ZoneId zone;
    private final String pid = Long.toString(ProcessHandle.current().pid());

    /**
     * @param serverName what {@code %v} logs: the configured host name (Apache's ServerName)
     * @param zone       the time zone of {@code %t} (Apache logs local time)
     */
    public AccessLog(AccessLogFormat format, Writer writer, String serverName, ZoneId zone) {
        this.format = format;
        this.writer = writer;
        this.serverName = serverName;
        this.zone = zone;
    }

    @Override
    public void log(Request request, Response response) {
        long endMicros = nowMicros();
        long durationNanos = NanoTime.since(request.getBeginNanoTime());
        long beginMicros = endMicros - durationNanos / 1000;
        String line = format.json() ? json(request, response, beginMicros, durationNanos)
                : line(request, response, beginMicros, endMicros, durationNanos);
        try {
            writer.write(line);
        } catch (IOException e) {
            log.warn("access log write failed error={}", e.toString());
        }
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    private String line(Request request, Response response, long beginMicros, long endMicros, long durationNanos) {
        StringBuilder out = new StringBuilder(128);
        int status = response.getStatus();
        for (Item item : format.items()) {
            if (item instanceof Literal literal) {
                out.append(literal.text());
            } else if (item instanceof Directive d) {
                if (!d.appliesTo(status)) {
                    out.append('-');
                } else {
                    String value = value(d, request, response, beginMicros, endMicros, durationNanos);
                    out.append(value == null ? "-" : value);
                }
            }
        }
        return out.toString();
    }

    /** One directive's text, already escaped; null logs "-". */
    private String value(Directive d, Request request, Response response, long beginMicros, long endMicros,
                         long durationNanos) {
        String p = d.param();
        return switch (d.code()) {
            case 'a', 'h' -> "c".equals(p) ? address(peer(request)) : client(request);
            case 'A' -> address(request.getConnectionMetaData().getLocalSocketAddress());
            case 'b' -> {
                long bytes = Response.getContentBytesWritten(response);
                yield bytes == 0 ? null : Long.toString(bytes);
            }
            case 'B' -> Long.toString(Response.getContentBytesWritten(response));
            case 'C' -> escape(cookie(request.getHeaders(), p));
            case 'D' -> Long.toString(durationNanos / 1000);
            case 'H' -> escape(request.getConnectionMetaData().getProtocol());
            case 'i' -> escape(joined(request.getHeaders(), p));
            case 'l', 'u' -> null;
            case 'm' -> escape(request.getMethod());
            case 'o' -> escape(joined(response.getHeaders(), p));
            case 'p' -> "remote".equals(p) ? Integer.toString(port(peer(request)))
                    : Integer.toString(Request.getLocalPort(request));
            case 'P' -> pid;
            case 'q' -> {
                String query = request.getHttpURI().getQuery();
                yield query == null ? "" : escape("?" + Environ.latin1OfUtf8(query));
            }
            case 'r' -> escape(requestLine(request));
            case 's' -> Integer.toString(response.getStatus());
            case 't' -> p == null ? apacheTime(beginMicros) : escape(Strftime.format(p, beginMicros, endMicros, zone));
            case 'T' -> switch (p == null ? "s" : p) {
                case "ms" -> Long.toString(durationNanos / 1_000_000);
                case "us" -> Long.toString(durationNanos / 1000);
                default -> Long.toString(durationNanos / 1_000_000_000);
            };
            case 'U' -> escape(Environ.decodePath(Environ.latin1OfUtf8(path(request.getHttpURI()))));
            case 'v' -> escape(serverName);
            case 'V' -> escape(Request.getServerName(request));
            case 'X' -> response.isCompletedSuccessfully()
                    ? (request.getConnectionMetaData().isPersistent() ? "+" : "-") : "X";
            default -> throw new IllegalStateException("directive %" + d.code() + " passed the parser unrendered");
        };
    }

    /** Apache's default %t: {@code [21/Nov/2026:08:40:15 +0000]}, local time. */
    private String apacheTime(long micros) {
        return Strftime.format("[%d/%b/%Y:%H:%M:%S %z]", micros, micros, zone);
    }

    /** The client as the application sees it: the forwarded address when a trusted proxy said so. */
    private static String client(Request request) {
        return address(request.getConnectionMetaData().getRemoteSocketAddress());
    }

    /** The socket peer, whatever the forwarded headers said. */
    private static SocketAddress peer(Request request) {
        return request.getConnectionMetaData().getConnection().getEndPoint().getRemoteSocketAddress();
    }

    /**
     * An address as Apache writes it: dotted IPv4, or IPv6 in its RFC 5952 short form ({@code ::1}, not Java's
     * {@code 0:0:0:0:0:0:0:1}); a forwarded client is kept as the proxy wrote it (an unresolved address).
     */
    static String address(SocketAddress address) {
        if (!(address instanceof InetSocketAddress inet)) return address == null ? null : address.toString();
        if (inet.getAddress() == null) return escape(inet.getHostString());
        byte[] b = inet.getAddress().getAddress();
        if (b.length == 4) return inet.getAddress().getHostAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not shortened (RFC 5952 §4.2.2)
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) j++;
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!out.isEmpty() && out.charAt(out.length() - 1) != ':') out.append(':');
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    private static int port(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet.getPort() : 0;
    }


    /** The request line rebuilt from its parts, with the target as the client sent it (Apache's %r). */
    private static String requestLine(Request request) {
        HttpURI uri = request.getHttpURI();
        String target = path(uri);
        if (uri.getQuery() != null) target += "?" + uri.getQuery();
        return request.getMethod() + " " + Environ.latin1OfUtf8(target) + " "
                + request.getConnectionMetaData().getProtocol();
    }

    /** The raw path; "" for a target without one (CONNECT's authority form). */
    private static String path(HttpURI uri) {
        String path = uri.getPath();
        return path == null ? "" : path;
    }

    /** Every value of a header, joined with ", " as Apache merges repeated request headers; null if absent. */
    private static String joined(HttpFields fields, String name) {
        List<String> values = fields.getValuesList(name);
        if (values.isEmpty()) return null;
        return values.size() == 1 ? values.getFirst() : String.join(", ", values);
    }

    private static String cookie(HttpFields headers, String name) {
        for (String header : headers.getValuesList("Cookie")) {
            for (String pair : header.split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).trim().equals(name)) return pair.substring(eq + 1).trim();
            }
        }
        return null;
    }

    /**
     * Apache's {@code ap_escape_logitem}: {@code "} and {@code \} get a backslash, \b \n \r \t \v their C escapes,
     * and every other byte outside printable ASCII is written {@code \xhh}. Strings here are the latin-1 reading
     * of the request's bytes, so one char is one byte; a char above 0xff is escaped as its UTF-8 bytes.
     */
    static String escape(String s) {
        if (s == null) return null;
        int i = 0;
        while (i < s.length() && plain(s.charAt(i))) i++;
        if (i == s.length()) return s;
        StringBuilder out = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (plain(c)) {
                out.append(c);
                continue;
            }
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case 0x0b -> out.append("\\v");
                default -> {
                    if (c <= 0xff) {
                        hex(out, c);
                    } else {
                        for (byte b : String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                            hex(out, b & 0xff);
                        }
                    }
                }
            }
        }
        return out.toString();
    }

    private static boolean plain(char c) {
        return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
    }

    private static void hex(StringBuilder out, int b) {
        out.append("\\x").append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 0xf, 16));
    }

    /**
     * One JSON object (docs/logging.md lists the fields). Strings are the latin-1 reading of the request's bytes,
     * JSON-escaped: a byte outside printable ASCII is a backslash-u escape of its value, so the line is ASCII.
     */
    private String json(Request request, Response response, long beginMicros, long durationNanos) {
        HttpURI uri = request.getHttpURI();
        String target = path(uri) + (uri.getQuery() == null ? "" : "?" + uri.getQuery());
        StringBuilder out = new StringBuilder(256).append('{');
        field(out, "time", ISO.format(Instant.ofEpochSecond(beginMicros / 1_000_000, (beginMicros % 1_000_000) * 1000)
                .atZone(zone)));
        field(out, "remote_addr", client(request));
        field(out, "peer_addr", address(peer(request)));
        field(out, "method", request.getMethod());
        field(out, "uri", Environ.latin1OfUtf8(target));
        field(out, "protocol", request.getConnectionMetaData().getProtocol());
        number(out, "status", response.getStatus());
        number(out, "bytes", Response.getContentBytesWritten(response));
        number(out, "duration_us", durationNanos / 1000);
        field(out, "host", joined(request.getHeaders(), "Host"));
        field(out, "referer", joined(request.getHeaders(), "Referer"));
        field(out, "user_agent", joined(request.getHeaders(), "User-Agent"));
        out.append(",\"completed\":").append(response.isCompletedSuccessfully());
        return out.append('}').toString();
    }

    private static void field(StringBuilder out, String name, String value) {
        if (out.length() > 1) out.append(',');
        out.append('"').append(name).append("\":");
        if (value == null) {
            out.append("null");
            return;
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c >= 0x7f) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }

    private static void number(StringBuilder out, String name, long value) {
        out.append(",\"").append(name).append("\":").append(value);
    }
}
