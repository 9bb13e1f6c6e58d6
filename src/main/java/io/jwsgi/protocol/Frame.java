package io.jwsgi.protocol;

import java.nio.ByteBuffer;

/**
 * Frame types and the 5-byte frame header: one ASCII type byte, then the payload length as an unsigned
 * 32-bit big-endian integer.
 *
 * <pre>
 *  0        1        2        3        4        5 ...
 * +--------+--------+--------+--------+--------+----------------
 * |  type  |      length (uint32, big-endian)  |  payload
 * +--------+--------+--------+--------+--------+----------------
 * </pre>
 */
public final class Frame {
    public static final int HEADER_SIZE = 5;

    /** worker → Java: first frame of a channel, {@code "<token> <pid> <slot> <thread>"}. */
    public static final byte HELLO = 'W';
    /** Java → worker: the environ. */
    public static final byte REQUEST = 'Q';
    /** Java → worker: request body bytes. */
    public static final byte BODY = 'B';
    /** Java → worker: pushed body ended, more on request. */
    public static final byte MORE = 'M';
    /** both ways: request body ends / response complete. */
    public static final byte END = 'E';
    /** worker → Java: wants at most n body bytes (uint32 payload). */
    public static final byte READ = 'R';
    /** worker → Java: status line and headers. */
    public static final byte HEADERS = 'H';
    /** worker → Java: response body bytes. */
    public static final byte DATA = 'D';
    /** worker → Java: the exchange failed; reason byte + UTF-8 message. */
    public static final byte FAIL = 'X';
    /** both ways, control channel only: one ASCII command line (docs/protocol.md "The control channel"). */
    public static final byte CONTROL = 'C';

    /** FAIL reasons. */
    public static final byte FAIL_APPLICATION = 'A';
    public static final byte FAIL_START_RESPONSE = 'S';
    public static final byte FAIL_LATE = 'L';

    public static final int MAX_HELLO = 256;
    public static final int MAX_REQUEST = 1 << 20;
    public static final int MAX_CONTROL = 1024;

    private Frame() {}

    /** Writes a frame header at the buffer's position. */
    public static void putHeader(ByteBuffer out, byte type, int length) {
        out.put(type).putInt(length);
    }

    /** Writes a frame header into {@code out} at {@code offset}. */
    public static void putHeader(byte[] out, int offset, byte type, int length) {
        out[offset] = type;
        out[offset + 1] = (byte) (length >>> 24);
        out[offset + 2] = (byte) (length >>> 16);
        out[offset + 3] = (byte) (length >>> 8);
        out[offset + 4] = (byte) length;
    }

    /** The payload length of the header at {@code buf}'s absolute {@code index}, as an unsigned value. */
    public static long lengthAt(ByteBuffer buf, int index) {
        return Integer.toUnsignedLong(buf.getInt(index + 1));
    }

    public static String typeName(byte type) {
        return switch (type) {
            case HELLO -> "HELLO";
            case REQUEST -> "REQUEST";
            case BODY -> "BODY";
            case MORE -> "MORE";
            case END -> "END";
            case READ -> "READ";
            case HEADERS -> "HEADERS";
            case DATA -> "DATA";
            case FAIL -> "FAIL";
            default -> String.format("0x%02x", type & 0xff);
        };
    }
}
