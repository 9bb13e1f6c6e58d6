package io.jwsgi.frontend;

import io.jwsgi.protocol.RequestEncoder;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;

/**
 * Writes a request's WSGI environ (PEP 3333 + mod_wsgi's keys) into a channel's encoder. The worker adds
 * the per-process constants; everything that varies per request is here.
 *
 * <p>PEP 3333 wants "bytes as str": every value is the latin-1 reading of the request's bytes, and
 * PATH_INFO is the latin-1 reading of the percent-decoded path. Header names with characters other than
 * letters, digits and '-' are dropped, since {@code X_Forwarded_For} would otherwise arrive as the same
 * {@code HTTP_X_FORWARDED_FOR} key as the real header (the spoofing mod_wsgi also blocks); {@code Proxy:} is
 * dropped (httpoxy). Repeated headers are joined with ", " ("; " for Cookie, RFC 9113 §8.2.3).
 */
public final class Environ {
    private static final Map<HttpHeader, String> KNOWN_KEYS = new EnumMap<>(HttpHeader.class);

    static {
        for (HttpHeader h : HttpHeader.values()) {
            if (validName(h.asString())) KNOWN_KEYS.put(h, cgiKey(h.asString()));
        }
        KNOWN_KEYS.put(HttpHeader.CONTENT_TYPE, "CONTENT_TYPE");
        KNOWN_KEYS.put(HttpHeader.CONTENT_LENGTH, "CONTENT_LENGTH");
    }

    private Environ() {}

    /**
     * The environ of a Python auth hook's call for {@code request} (docs/auth-hooks.md): the request's CGI variables
     * and headers, never its Authorization header nor any SetEnv value, and the connection's SSL_* variables under
     * {@code mod_wsgi.x-ssl:NAME} for {@code mod_ssl.var_lookup}, whether or not --ssl-environment is on.
     */
    public static void writeForHook(RequestEncoder enc, Request request, String requestId) {
        String raw = request.getHttpURI().getPath();
        write(enc, request, new Split("", raw == null ? "/" : decodePath(raw)), requestId,
                request.isSecure() ? "https" : "http", false);
        SslEnvironment.of(request).forEach((k, v) -> enc.put("mod_wsgi.x-ssl:" + k, v));
    }

    /** The mount point split: SCRIPT_NAME and PATH_INFO, or null when the path is outside the mount. */
    record Split(String scriptName, String pathInfo) {}

    /** Splits a decoded path at the mount point ("/" mounts at the root, SCRIPT_NAME ""). */
    static Split split(String mount, String path) {
        if (mount.isEmpty() || mount.equals("/")) return new Split("", path);
        if (!path.startsWith(mount)) return null;
        if (path.length() == mount.length()) return new Split(mount, "");
        if (path.charAt(mount.length()) != '/') return null;
        return new Split(mount, path.substring(mount.length()));
    }

    static void write(RequestEncoder enc, Request request, Split split, String requestId, String urlScheme) {
        write(enc, request, split, requestId, urlScheme, true);
    }

    /**
     * @param passAuthorization whether the Authorization header reaches the application (mod_wsgi's
     *                          WSGIPassAuthorization: On in express, Off by default in a configuration file)
     */
    static void write(RequestEncoder enc, Request request, Split split, String requestId, String urlScheme,
                      boolean passAuthorization) {
        HttpURI uri = request.getHttpURI();
        String rawPath = uri.getPath();
        String query = uri.getQuery();
        enc.put("REQUEST_METHOD", request.getMethod());
        enc.put("SCRIPT_NAME", split.scriptName());
        enc.put("PATH_INFO", split.pathInfo());
        if (query != null) query = latin1OfUtf8(query);
        enc.put("QUERY_STRING", query == null ? "" : query);
        String uriPath = latin1OfUtf8(rawPath);
        enc.put("REQUEST_URI", query == null ? uriPath : uriPath + "?" + query);
        enc.put("SERVER_PROTOCOL", request.getConnectionMetaData().getProtocol());
        enc.put("SERVER_NAME", Request.getServerName(request));
        enc.put("SERVER_PORT", Integer.toString(Request.getServerPort(request)));
        enc.put("SERVER_ADDR", Request.getLocalAddr(request));
        enc.put("REMOTE_ADDR", Request.getRemoteAddr(request));
        enc.put("REMOTE_PORT", Integer.toString(Request.getRemotePort(request)));
        enc.put("wsgi.url_scheme", urlScheme);
        enc.put("mod_wsgi.request_id", requestId);
        enc.put("mod_wsgi.script_name", split.scriptName());
        enc.put("mod_wsgi.path_info", split.pathInfo());
        enc.put("mod_wsgi.request_start", Long.toString(Request.getTimeStamp(request) * 1000));
        writeHeaders(enc, request, passAuthorization);
    }

    private static void writeHeaders(RequestEncoder enc, Request request, boolean passAuthorization) {
        Map<String, String> merged = null;
        for (HttpField field : request.getHeaders()) {
            HttpHeader known = field.getHeader();
            String key = known != null ? KNOWN_KEYS.get(known) : unknownKey(field.getName());
            if (key == null || (!passAuthorization && known == HttpHeader.AUTHORIZATION)) continue;
            String value = field.getValue();
            if (merged == null) merged = new LinkedHashMap<>();
            String prev = merged.putIfAbsent(key, value);
            if (prev != null) merged.put(key, prev + (known == HttpHeader.COOKIE ? "; " : ", ") + value);
        }
        if (merged != null) merged.forEach(enc::put);
    }

    private static String unknownKey(String name) {
        if (!validName(name) || name.equalsIgnoreCase("proxy")) return null;
        return cgiKey(name);
    }

    private static boolean validName(String name) {
        if (name.isEmpty()) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
            if (!ok) return false;
        }
        return true;
    }

    private static String cgiKey(String name) {
        StringBuilder sb = new StringBuilder(5 + name.length()).append("HTTP_");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            sb.append(c == '-' ? '_' : Character.toUpperCase(c));
        }
        return sb.toString();
    }

    /**
     * Percent-decodes a raw path to bytes and reads them as latin-1 (PEP 3333). Characters outside latin-1
     * (only possible if the parser handed us decoded UTF-8) are re-encoded as their UTF-8 bytes first.
     */
    static String decodePath(String raw) {
        if (raw.indexOf('%') < 0 && isLatin1(raw)) return raw;
        StringBuilder out = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length() && hex(raw.charAt(i + 1)) >= 0 && hex(raw.charAt(i + 2)) >= 0) {
                out.append((char) (hex(raw.charAt(i + 1)) * 16 + hex(raw.charAt(i + 2))));
                i += 2;
            } else if (c > 0xff) {
                for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) out.append((char) (b & 0xff));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * The latin-1 reading of the request's bytes (PEP 3333) for text Jetty parsed as UTF-8: raw non-ASCII
     * bytes in the request target (curl sends them unencoded) arrive decoded, so they are turned back into
     * their bytes. Invalid UTF-8 has already become U+FFFD in Jetty's parser and cannot be recovered.
     */
    static String latin1OfUtf8(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7f) return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        }
        return s;
    }

    private static boolean isLatin1(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) > 0xff) return false;
        return true;
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
}
