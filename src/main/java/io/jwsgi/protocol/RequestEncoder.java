package io.jwsgi.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds the Java → worker side of an exchange in one growable byte array: a REQUEST frame whose payload
 * is the environ as a {@code marshal} dict, then pushed BODY frames, then END or MORE, so that a request
 * leaves in a single write. One instance per channel, reused for every request (no per-request buffers).
 *
 * <p>Marshal codes used (docs/protocol.md): {@code {} ... 0} dict, {@code z} short ASCII, {@code a} ASCII,
 * {@code u} UTF-8 str, {@code i} int32, {@code T}/{@code F}. Strings go {@code z} when ASCII and under 256
 * bytes, {@code a} when ASCII and longer, else {@code u}: the Python tests check the same rule.
 */
public final class RequestEncoder {
    private byte[] buf = new byte[4096];
    private int size;
    private int requestStart = -1;

    /** Starts a new exchange: clears the buffer and opens the REQUEST frame and its dict. */
    public RequestEncoder beginRequest() {
        size = 0;
        requestStart = 0;
        ensure(Frame.HEADER_SIZE + 1);
        size = Frame.HEADER_SIZE;
        buf[size++] = '{';
        return this;
    }

    public RequestEncoder put(String key, String value) {
        putString(key);
        putString(value);
        return this;
    }

    public RequestEncoder put(String key, int value) {
        putString(key);
        ensure(5);
        buf[size++] = 'i';
        putIntLE(value);
        return this;
    }

    public RequestEncoder put(String key, boolean value) {
        putString(key);
        ensure(1);
        buf[size++] = (byte) (value ? 'T' : 'F');
        return this;
    }

    /** Closes the dict and patches the REQUEST frame's length. */
    public RequestEncoder endEnviron() {
        if (requestStart < 0) throw new IllegalStateException("beginRequest() first");
        ensure(1);
        buf[size++] = '0';
        int length = size - requestStart - Frame.HEADER_SIZE;
        if (length > Frame.MAX_REQUEST) {
            throw new ProtocolException("environ of " + length + " bytes is over the " + Frame.MAX_REQUEST + " limit");
        }
        Frame.putHeader(buf, requestStart, Frame.REQUEST, length);
        requestStart = -1;
        return this;
    }

    /** Appends a BODY frame with {@code len} bytes of {@code src}. */
    public RequestEncoder body(byte[] src, int off, int len) {
        ensure(Frame.HEADER_SIZE + len);
        Frame.putHeader(buf, size, Frame.BODY, len);
        System.arraycopy(src, off, buf, size + Frame.HEADER_SIZE, len);
        size += Frame.HEADER_SIZE + len;
        return this;
    }

    /** Empties the buffer (for frames sent in answer to READ). */
    public RequestEncoder clear() {
        size = 0;
        requestStart = -1;
        return this;
    }

    /**
     * Appends a BODY frame of {@code len} bytes for the caller to fill at the returned offset in
     * {@link #array()}.
     */
    public int reserveBody(int len) {
        ensure(Frame.HEADER_SIZE + len);
        Frame.putHeader(buf, size, Frame.BODY, len);
        int at = size + Frame.HEADER_SIZE;
        size = at + len;
        return at;
    }

    /**
     * Grows the BODY frame whose data starts at {@code dataStart} (it must be the last frame) to
     * {@code newLength} bytes; the caller fills the new tail. May replace {@link #array()}.
     */
    public void growBody(int dataStart, int newLength) {
        int oldLength = size - dataStart;
        ensure(newLength - oldLength);
        size = dataStart + newLength;
        Frame.putHeader(buf, dataStart - Frame.HEADER_SIZE, Frame.BODY, newLength);
    }

    /** Appends an empty frame of the given type (END or MORE). */
    public RequestEncoder mark(byte type) {
        ensure(Frame.HEADER_SIZE);
        Frame.putHeader(buf, size, type, 0);
        size += Frame.HEADER_SIZE;
        return this;
    }

    public byte[] array() {
        return buf;
    }

    public int size() {
        return size;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    private void putString(String s) {
        int n = s.length();
        boolean ascii = true;
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            if (n < 256) {
                ensure(2 + n);
                buf[size++] = 'z';
                buf[size++] = (byte) n;
            } else {
                ensure(5 + n);
                buf[size++] = 'a';
                putIntLE(n);
            }
            // ASCII: one byte per char; getBytes(…, ISO_8859_1) would allocate.
            for (int i = 0; i < n; i++) buf[size++] = (byte) s.charAt(i);
        } else {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            ensure(5 + utf8.length);
            buf[size++] = 'u';
            putIntLE(utf8.length);
            System.arraycopy(utf8, 0, buf, size, utf8.length);
            size += utf8.length;
        }
    }

    private void putIntLE(int v) {
        buf[size++] = (byte) v;
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) (v >>> 16);
        buf[size++] = (byte) (v >>> 24);
    }

    private void ensure(int extra) {
        if (size + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
        }
    }
}
