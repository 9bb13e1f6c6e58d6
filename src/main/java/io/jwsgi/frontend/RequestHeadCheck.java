package io.jwsgi.frontend;

import java.nio.ByteBuffer;

/**
 * The request-head rules Jetty's parser does not enforce, checked on the raw bytes as they arrive (before the
 * parser sees them) so that a refused head never reaches a handler: one SP between the request-line's parts
 * (RFC 9112 §3), the case-sensitive {@code HTTP/} name (§2.3), the asterisk-form only for OPTIONS (§3.2.4), and
 * the limits of {@code --limit-request-line} (414), {@code --limit-request-field-size} and
 * {@code --limit-request-fields} (431); a line's length includes its CRLF. It also reads a higher HTTP/1 minor version
 * as 1.1 (RFC 9110 §2.5) and answers 505 to another major version in HTTP/1.1 syntax ({@code HTTP/2.0}, where Jetty
 * says 426), except in the HTTP/2 connection preface. Everything else (bare CR/LF, bad bytes, other malformed
 * versions) stays Jetty's.
 *
 * <p>One instance per connection, fed each head in order; {@link #reset()} before the next request. Not
 * thread-safe: the connection's parsing thread owns it.
 */
final class RequestHeadCheck {
    /** Why a head was refused: the status and a short reason. */
    record Refusal(int status, String reason) {}

    private enum State { LINE_START, METHOD, TARGET, VERSION, LINE_CR, FIELD_START, FIELD, FIELD_CR, END_CR, DONE }

    private static final byte[] HTTP_NAME = {'H', 'T', 'T', 'P', '/'};
    private static final byte[] OPTIONS = {'O', 'P', 'T', 'I', 'O', 'N', 'S'};
    /** The HTTP/2 connection preface's method ({@code PRI * HTTP/2.0}): Jetty's to take up as h2c or refuse. */
    private static final byte[] PRI = {'P', 'R', 'I'};

    private final int maxLine;
    private final int maxFieldSize;
    private final int maxFields;

    private State state = State.LINE_START;
    private int lineLength;
    private int methodLength;
    private boolean methodIsOptions;
    private boolean methodIsPri;
    private int targetLength;
    private boolean targetIsAsterisk;
    private int versionLength;
    /** The version's first 8 bytes, {@code HTTP/1.1}. */
    private final byte[] version = new byte[8];
    /** Set when the byte just scanned is a higher HTTP/1 minor version, to be read as 1 (RFC 9110 §2.5). */
    private boolean higherMinor;
    private int fieldLength;
    private int fields;
    private long bytes;

    RequestHeadCheck(int maxLine, int maxFieldSize, int maxFields) {
        this.maxLine = maxLine;
        this.maxFieldSize = maxFieldSize;
        this.maxFields = maxFields;
    }

    void reset() {
        state = State.LINE_START;
        lineLength = methodLength = targetLength = versionLength = fieldLength = fields = 0;
        methodIsOptions = methodIsPri = targetIsAsterisk = higherMinor = false;
        java.util.Arrays.fill(version, (byte) 0);
        bytes = 0;
    }

    /** True once the blank line ending the head was seen. */
    boolean done() {
        return state == State.DONE;
    }

    /** True once the head has begun (a byte other than the CR/LF a server may skip before a request). */
    boolean started() {
        return state != State.LINE_START;
    }

    /** Head bytes seen so far (for the header read-rate). */
    long bytes() {
        return bytes;
    }

    /**
     * Checks the buffer's bytes from its position (the position is not moved) up to the end of the head.
     * Returns the refusal, or null when nothing is wrong so far. One byte may be changed: the minor version of
     * {@code HTTP/1.2} … {@code HTTP/1.9} becomes 1, so that Jetty's parser (which knows 1.0 and 1.1 only and answers
     * 505 to the rest) reads the request as HTTP/1.1, as RFC 9110 §2.5 asks ("SHOULD process the message as if it
     * were in the highest minor version within that major version to which the recipient is conformant").
     */
    Refusal scan(ByteBuffer buffer) {
        int end = buffer.limit();
        for (int i = buffer.position(); i < end && state != State.DONE; i++) {
            Refusal r = next(buffer.get(i));
            if (r != null) return r;
            if (higherMinor) {
                higherMinor = false;
                if (!buffer.isReadOnly()) buffer.put(i, (byte) '1');
            }
        }
        return null;
    }

    private Refusal next(byte b) {
        if (state != State.LINE_START) bytes++;
        switch (state) {
            case LINE_START -> {
                if (b == '\r' || b == '\n') return null; // RFC 9112 §2.2: empty lines before a request may be skipped
                bytes++;
                state = State.METHOD;
                return method(b);
            }
            case METHOD -> {
                if (b == ' ') {
                    state = State.TARGET;
                    return line();
                }
                return method(b);
            }
            case TARGET -> {
                if (b == ' ') {
                    if (targetLength == 0) return new Refusal(400, "more than one space before the request-target");
                    state = State.VERSION;
                } else if (b == '\r') {
                    state = State.LINE_CR; // no version (HTTP/0.9 style): Jetty's to refuse
                    return null;
                } else if (b == '\n') {
                    state = State.FIELD_START;
                    return null;
                } else {
                    targetIsAsterisk = targetLength == 0 && b == '*';
                    targetLength++;
                }
                return line();
            }
            case VERSION -> {
                if (b == '\r' || b == '\n') {
                    boolean asteriskAllowed = (methodIsOptions && methodLength == OPTIONS.length)
                            || (methodIsPri && methodLength == PRI.length);
                    if (targetIsAsterisk && !asteriskAllowed) {
                        return new Refusal(400, "asterisk-form request-target with a method other than OPTIONS");
                    }
                    if (wellFormedVersion() && version[5] != '1' && !(methodIsPri && methodLength == PRI.length)) {
                        // RFC 9110 §15.6.6: the major version is not supported (HTTP/2 and 3 have their own framing).
                        return new Refusal(505, "HTTP major version " + (char) version[5]
                                + " in an HTTP/1.1 request line");
                    }
                    state = b == '\r' ? State.LINE_CR : State.FIELD_START;
                    return null;
                }
                if (b == ' ') {
                    return new Refusal(400, versionLength == 0 ? "more than one space before the HTTP version"
                            : "a space after the HTTP version");
                }
                if (versionLength < HTTP_NAME.length && b != HTTP_NAME[versionLength]) {
                    return new Refusal(400, "HTTP version not spelled HTTP/ (the name is case-sensitive)");
                }
                if (versionLength < version.length) version[versionLength] = b;
                if (versionLength == 7) higherMinor = version[5] == '1' && version[6] == '.' && b >= '2' && b <= '9';
                versionLength++;
                return line();
            }
            case LINE_CR, FIELD_CR -> {
                state = State.FIELD_START; // anything but LF here is a bare CR, which Jetty refuses
                return null;
            }
            case FIELD_START -> {
                if (b == '\r') {
                    state = State.END_CR;
                } else if (b == '\n') {
                    state = State.DONE;
                } else {
                    if (++fields > maxFields) {
                        return new Refusal(431, "more than " + maxFields + " header fields (--limit-request-fields)");
                    }
                    fieldLength = 1;
                    state = State.FIELD;
                }
                return null;
            }
            case FIELD -> {
                if (b == '\r') {
                    state = State.FIELD_CR;
                } else if (b == '\n') {
                    state = State.FIELD_START;
                } else if (++fieldLength + 2 > maxFieldSize) { // the line's CRLF counts, as in gunicorn
                    return new Refusal(431, "a header field over " + maxFieldSize
                            + " bytes (--limit-request-field-size)");
                }
                return null;
            }
            case END_CR -> {
                state = State.DONE;
                return null;
            }
            default -> {
                return null;
            }
        }
    }

    /** {@code HTTP/} DIGIT {@code .} DIGIT, nothing more (RFC 9112 §2.3). */
    private boolean wellFormedVersion() {
        return versionLength == 8 && version[5] >= '0' && version[5] <= '9' && version[6] == '.'
                && version[7] >= '0' && version[7] <= '9';
    }

    private Refusal method(byte b) {
        methodIsOptions = startsWith(OPTIONS, b, methodIsOptions);
        methodIsPri = startsWith(PRI, b, methodIsPri);
        methodLength++;
        return line();
    }

    /** Whether the method so far, followed by {@code b}, is still a prefix of {@code name}. */
    private boolean startsWith(byte[] name, byte b, boolean soFar) {
        return methodLength < name.length && b == name[methodLength] && (methodLength == 0 || soFar);
    }

    private Refusal line() {
        if (++lineLength + 2 > maxLine) return new Refusal(414, "request line over " + maxLine
                + " bytes (--limit-request-line)");
        return null;
    }
}
