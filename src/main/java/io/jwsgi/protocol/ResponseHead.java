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
        String statusLine = latin1(payload, off, lineEnd);
        if (statusLine.length() < 3) throw new ProtocolException("bad status line: " + statusLine);
        int status;
        try {
            status = Integer.parseInt(statusLine.substring(0, 3));
        } catch (NumberFormatException e) {
            throw new ProtocolException("bad status line: " + statusLine);
        }
        if (status < 100 || status > 999) throw new ProtocolException("bad status: " + status);
        String reason = statusLine.length() > 4 ? statusLine.substring(4) : "";
        List<String> names = new ArrayList<>();
        List<String> values = new ArrayList<>();
        int pos = lineEnd + 2;
        while (pos < end) {
            int eol = indexOfCrlf(payload, pos, end);
            if (eol < 0) throw new ProtocolException("HEADERS line without CRLF");
            int colon = -1;
            for (int i = pos; i < eol; i++) {
                if (payload[i] == ':') {
                    colon = i;
                    break;
                }
            }
            if (colon <= pos || colon + 1 >= eol + 1) throw new ProtocolException("bad header line");
            int valueStart = colon + 1;
            if (valueStart < eol && payload[valueStart] == ' ') valueStart++;
            for (int i = pos; i < eol; i++) {
                byte b = payload[i];
                if (b == '\r' || b == '\n' || b == 0) throw new ProtocolException("control byte in a header");
            }
            names.add(latin1(payload, pos, colon));
            values.add(latin1(payload, valueStart, eol));
            pos = eol + 2;
        }
        return new ResponseHead(status, reason, names, values);
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
