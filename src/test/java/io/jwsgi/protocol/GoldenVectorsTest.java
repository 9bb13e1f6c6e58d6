package io.jwsgi.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java codec against the golden vectors the Python runtime's tests also decode
 * (src/test/resources/protocol/README.md): what Java sends must be those bytes exactly; what the worker
 * sends must decode to the JSON.
 */
class GoldenVectorsTest {
    static final Path DIR = Path.of("src/test/resources/protocol");

    static Stream<String> vectors() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("vectors")
    @SuppressWarnings("unchecked")
    void javaEncodesAndDecodesEveryVectorExactly(String name) throws IOException {
        byte[] bin = Files.readAllBytes(DIR.resolve(name + ".bin"));
        Map<String, Object> json = (Map<String, Object>) MiniJson.parse(Files.readString(DIR.resolve(name + ".json")));
        List<Map<String, Object>> frames = (List<Map<String, Object>>) json.get("frames");

        ByteBuffer in = ByteBuffer.wrap(bin);
        ByteArrayOutputStream reencoded = new ByteArrayOutputStream();
        for (Map<String, Object> f : frames) {
            byte type = (byte) ((String) f.get("type")).charAt(0);
            assertThat(in.remaining()).as("%s: frame %s missing", name, (char) type).isGreaterThanOrEqualTo(Frame.HEADER_SIZE);
            assertThat((char) in.get(in.position())).as(name).isEqualTo((char) type);
            int len = (int) Frame.lengthAt(in, in.position());
            byte[] payload = new byte[len];
            in.position(in.position() + Frame.HEADER_SIZE).get(payload);
            reencoded.writeBytes(encode(type, f, payload, name));
        }
        assertThat(in.hasRemaining()).as("%s: bytes after the last frame", name).isFalse();
        assertThat(reencoded.toByteArray()).as(name).isEqualTo(bin);
    }

    /** Checks the payload against the JSON and returns the frame as Java would write it. */
    @SuppressWarnings("unchecked")
    private static byte[] encode(byte type, Map<String, Object> f, byte[] payload, String name) {
        RequestEncoder enc = new RequestEncoder().clear();
        switch (type) {
            case Frame.REQUEST -> {
                enc.beginRequest();
                for (var e : ((Map<String, Object>) f.get("environ")).entrySet()) {
                    switch (e.getValue()) {
                        case String s -> enc.put(e.getKey(), s);
                        case Long l -> enc.put(e.getKey(), Math.toIntExact(l));
                        case Boolean b -> enc.put(e.getKey(), b);
                        default -> throw new AssertionError(name + ": unsupported environ value " + e.getValue());
                    }
                }
                enc.endEnviron();
                return enc.toByteArray();
            }
            case Frame.BODY, Frame.DATA, Frame.HELLO -> {
                assertThat(new String(payload, StandardCharsets.ISO_8859_1)).as(name).isEqualTo(f.get("payload"));
                return frame(type, payload);
            }
            case Frame.READ -> {
                assertThat((long) ByteBuffer.wrap(payload).getInt()).as(name).isEqualTo(f.get("read"));
                return frame(type, payload);
            }
            case Frame.HEADERS -> {
                ResponseHead head = ResponseHead.decode(payload, 0, payload.length);
                String status = (String) f.get("status");
                assertThat(head.status()).as(name).isEqualTo(Integer.parseInt(status.substring(0, 3)));
                assertThat(head.reason()).as(name).isEqualTo(status.length() > 4 ? status.substring(4) : "");
                List<List<String>> headers = (List<List<String>>) f.get("headers");
                assertThat(head.names()).as(name).isEqualTo(headers.stream().map(h -> h.get(0)).toList());
                assertThat(head.values()).as(name).isEqualTo(headers.stream().map(h -> h.get(1)).toList());
                return frame(type, payload);
            }
            case Frame.FAIL -> {
                assertThat((char) payload[0]).as(name).isEqualTo(((String) f.get("reason")).charAt(0));
                assertThat(new String(payload, 1, payload.length - 1, StandardCharsets.UTF_8)).as(name).isEqualTo(f.get("message"));
                return frame(type, payload);
            }
            case Frame.END, Frame.MORE -> {
                assertThat(payload).as(name).isEmpty();
                return enc.mark(type).toByteArray();
            }
            default -> throw new AssertionError(name + ": unknown frame type " + (char) type);
        }
    }

    private static byte[] frame(byte type, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(Frame.HEADER_SIZE + payload.length);
        Frame.putHeader(b, type, payload.length);
        return b.put(payload).array();
    }
}
