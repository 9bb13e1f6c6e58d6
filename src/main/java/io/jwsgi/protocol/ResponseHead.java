package io.jwsgi.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * The decoded HEADERS frame: {@code "<status>\r\n"} then {@code "<name>: <value>\r\n"} per header, latin-1.
 * The worker already validated the status and the headers (PEP 3333); this decoder still refuses anything
 * that could split a response, since it is the last line before the client.
 */
public record ResponseHead(int status, String reason, List<String> names, List<String> values) {

    public static ResponseHead decode(byte[] payload, int off, int len) {
        int end = off + len;
        int lineEnd = indexOfCrlf(payload, off, end);
        if (lineEnd < 0) throw new ProtocolException("HEADERS without a status line");
        // "<3 digits>" or "<3 digits> <reason>", no control bytes: the worker's own start_response rule.
        if (lineEnd - off < 3 || !digit(payload[off]) || !digit(payload[off + 1]) || !digit(payload[off + 2])
                || (lineEnd - off > 3 && payload[off + 3] != ' ') || hasControl(payload, off, lineEnd, false)) {
            throw new ProtocolException("bad status line: " + latin1(payload, off, Math.min(lineEnd, off + 80)));
        }
        int status = (payload[off] - '0') * 100 + (payload[off + 1] - '0') * 10 + (payload[off + 2] - '0');
        if (status < 100) throw new ProtocolException("bad status: " + status);
        String reason = lineEnd - off > 4 ? latin1(payload, off + 4, lineEnd) : "";
        List<String> names = new ArrayList<>();
        List<String> values = new ArrayList<>();
        int pos = lineEnd + 2;
        while (pos < end) {
            int eol = indexOfCrlf(payload, pos, end);
            if (eol < 0) throw new ProtocolException("HEADERS line without CRLF");
            int colon = pos;
            while (colon < eol && payload[colon] != ':') {
                if (!TOKEN[payload[colon] & 0xff]) throw new ProtocolException("header name is not a token");
                colon++;
            }
            if (colon == pos || colon == eol) throw new ProtocolException("bad header line");
            int valueStart = colon + 1;
            if (valueStart < eol && payload[valueStart] == ' ') valueStart++;
            // HTAB is allowed in a value; every other control byte (CR and LF above all) could split the response.
            if (hasControl(payload, valueStart, eol, true)) throw new ProtocolException("control byte in a header");
            names.add(latin1(payload, pos, colon));
            values.add(latin1(payload, valueStart, eol));
            pos = eol + 2;
        }
        return new ResponseHead(status, reason, names, values);
    }

    /** RFC 9110 tchar. */
    private static final boolean[] TOKEN = new boolean[256];

    static {
        for (char c = '0'; c <= '9'; c++) TOKEN[c] = true;
        for (char c = 'a'; c <= 'z'; c++) TOKEN[c] = true;
        for (char c = 'A'; c <= 'Z'; c++) TOKEN[c] = true;
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) TOKEN[c] = true;
    }

    private static boolean digit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static boolean hasControl(byte[] b, int from, int to, boolean tabAllowed) {
        for (int i = from; i < to; i++) {
            int c = b[i] & 0xff;
            if ((c < 0x20 && !(tabAllowed && c == '\t')) || c == 0x7f) return true;
        }
        return false;
    }

    private static int indexOfCrlf(byte[] b, int from, int end) {
        for (int i = from; i + 1 < end; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') return i;
        }
        return -1;
    }

    @SuppressWarnings("deprecation")
    private static String latin1(byte[] b, int from, int to) {
        // The deprecated hibyte constructor is the cheapest exact latin-1 decode (no charset lookup).
        return new String(b, 0, from, to - from);
    }
}
