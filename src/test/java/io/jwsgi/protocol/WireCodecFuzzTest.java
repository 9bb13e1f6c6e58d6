package io.jwsgi.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Jazzer fuzz targets for the Java side of the wire codec (docs/fuzzing.md). In a plain run they replay the seed
 * and regression inputs under {@code src/test/resources/io/jwsgi/protocol/WireCodecFuzzTestInputs/}; with
 * {@code JAZZER_FUZZ=1} they fuzz for their {@code maxDuration}.
 */
class WireCodecFuzzTest {

    /**
     * Whatever a worker sends as HEADERS, the decoder either refuses it with a ProtocolException or returns a head
     * that is safe to put on the wire: a 3-digit status, token names, values and reason without control bytes
     * (the rules the worker's own start_response check applies, re-checked at the last line before the client).
     */
    @FuzzTest(maxDuration = "10s")
    void responseHeadIsRefusedOrSafe(byte[] payload) {
        ResponseHead head;
        try {
            head = ResponseHead.decode(payload, 0, payload.length);
        } catch (ProtocolException refused) {
            return;
        }
        assertThat(head.status()).isBetween(100, 999);
        assertThat(head.reason()).doesNotContainPattern("[\\x00-\\x1f\\x7f]");
        assertThat(head.names()).hasSameSizeAs(head.values());
        for (String name : head.names()) assertThat(name).matches("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");
        for (String value : head.values()) assertThat(value).doesNotContainPattern("[\\x00-\\x08\\x0a-\\x1f\\x7f]");
    }

    /** What the encoder writes decodes (as Python's marshal would) to exactly the environ that was put in. */
    @FuzzTest(maxDuration = "10s")
    void requestEncoderRoundTrips(FuzzedDataProvider data) {
        RequestEncoder enc = new RequestEncoder().beginRequest();
        Map<String, Object> expected = new LinkedHashMap<>();
        int entries = data.consumeInt(0, 40);
        for (int i = 0; i < entries; i++) {
            String key = data.consumeString(300);
            switch (data.consumeInt(0, 2)) {
                case 0 -> {
                    String value = data.consumeString(600);
                    enc.put(key, value);
                    expected.put(key, value);
                }
                case 1 -> {
                    int value = data.consumeInt();
                    enc.put(key, value);
                    expected.put(key, value);
                }
                default -> {
                    boolean value = data.consumeBoolean();
                    enc.put(key, value);
                    expected.put(key, value);
                }
            }
        }
        enc.endEnviron();
        byte[] body = data.consumeRemainingAsBytes();
        enc.body(body, 0, body.length).mark(Frame.END);
        ByteBuffer wire = ByteBuffer.wrap(enc.toByteArray());
        assertThat(wire.get(0)).isEqualTo(Frame.REQUEST);
        int length = (int) Frame.lengthAt(wire, 0);
        Map<String, Object> decoded = MarshalReader.dict(wire.slice(Frame.HEADER_SIZE, length));
        assertThat(decoded).containsExactlyEntriesOf(dedupe(expected));
        int at = Frame.HEADER_SIZE + length;
        assertThat(wire.get(at)).isEqualTo(Frame.BODY);
        assertThat(Frame.lengthAt(wire, at)).isEqualTo(body.length);
        assertThat(wire.slice(at + Frame.HEADER_SIZE, body.length)).isEqualTo(ByteBuffer.wrap(body));
        at += Frame.HEADER_SIZE + body.length;
        assertThat(wire.get(at)).isEqualTo(Frame.END);
        assertThat(Frame.lengthAt(wire, at)).isZero();
        assertThat(wire.limit()).isEqualTo(at + Frame.HEADER_SIZE);
    }

    /** A later put of the same key wins, as in a Python dict built from the marshal stream. */
    private static Map<String, Object> dedupe(Map<String, Object> in) {
        return in;
    }

    /** The subset of Python's marshal format the encoder writes: a dict of z/a/u strings, i ints, T/F. */
    static final class MarshalReader {
        static Map<String, Object> dict(ByteBuffer b) {
            b.order(ByteOrder.LITTLE_ENDIAN);
            if (b.get() != '{') throw new AssertionError("not a dict");
            Map<String, Object> out = new LinkedHashMap<>();
            for (;;) {
                if (b.get(b.position()) == '0') {
                    b.get();
                    if (b.hasRemaining()) throw new AssertionError("bytes after the dict");
                    return out;
                }
                Object key = value(b);
                out.put((String) key, value(b));
            }
        }

        static Object value(ByteBuffer b) {
            byte code = b.get();
            return switch (code) {
                case 'z' -> ascii(b, b.get() & 0xff);
                case 'a' -> ascii(b, b.getInt());
                case 'u' -> {
                    byte[] utf8 = new byte[b.getInt()];
                    b.get(utf8);
                    yield new String(utf8, StandardCharsets.UTF_8);
                }
                case 'i' -> b.getInt();
                case 'T' -> true;
                case 'F' -> false;
                default -> throw new AssertionError("unexpected marshal code " + (char) code);
            };
        }

        static String ascii(ByteBuffer b, int n) {
            byte[] bytes = new byte[n];
            b.get(bytes);
            for (byte x : bytes) if (x < 0) throw new AssertionError("non-ASCII byte in an ASCII string");
            return new String(bytes, StandardCharsets.US_ASCII);
        }
    }
}
