package io.jwsgi.daemon;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jwsgi.protocol.Frame;
import io.jwsgi.protocol.ProtocolException;
import io.jwsgi.protocol.ResponseHead;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Jazzer target (docs/fuzzing.md): whatever bytes a worker writes on its channel, reading them the way the front
 * end's exchange does (frame header, then HEADERS / DATA / READ / FAIL payloads, until END) ends in a response,
 * a ProtocolException or an IOException (the stream ended), never in another exception or a hang.
 */
class ChannelFuzzTest {
    private static final ServerSocketChannel SERVER;
    private static final Path SOCKET;

    static {
        try {
            Path dir = Files.createTempDirectory("jwsgi-channel-fuzz");
            SOCKET = dir.resolve("c.sock");
            SERVER = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(SOCKET));
            dir.toFile().deleteOnExit();
            SOCKET.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void framesFromAWorkerAreReadOrRefusedCleanly(byte[] fromWorker) throws IOException {
        try (SocketChannel worker = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            worker.connect(UnixDomainSocketAddress.of(SOCKET));
            try (SocketChannel accepted = SERVER.accept()) {
                // The input fits the socket buffer (Jazzer keeps inputs small), then the worker side ends.
                worker.write(ByteBuffer.wrap(fromWorker));
                worker.shutdownOutput();
                Channel channel = new Channel(accepted, null, 0);
                try {
                    readLikeTheExchange(channel);
                } catch (ProtocolException | IOException expected) {
                    // refused or cut short: what the exchange turns into a 502 or an aborted response
                }
            }
        }
    }

    private static void readLikeTheExchange(Channel channel) throws IOException {
        for (int frames = 0; frames < 100_000; frames++) {
            byte type = channel.nextFrame();
            switch (type) {
                case Frame.HEADERS -> {
                    if (channel.remaining() > 32768) throw new ProtocolException("over header-buffer-size");
                    byte[] p = channel.payload(32768);
                    ResponseHead.decode(p, 0, p.length);
                }
                case Frame.DATA -> {
                    while (channel.remaining() > 0) channel.payloadSlice(Integer.MAX_VALUE);
                    channel.nextBufferedIs(Frame.END);
                }
                case Frame.READ -> {
                    if (channel.payload(4).length != 4) throw new ProtocolException("READ payload is not 4 bytes");
                }
                case Frame.FAIL -> channel.payload(64 * 1024);
                case Frame.END -> {
                    return;
                }
                default -> throw new ProtocolException("unexpected frame " + Frame.typeName(type));
            }
        }
        throw new AssertionError("more frames than the input can hold");
    }
}
