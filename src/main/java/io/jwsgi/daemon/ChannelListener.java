package io.jwsgi.daemon;

import io.jwsgi.protocol.Frame;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on a group's UNIX socket. Each connecting worker thread must first send HELLO with the server's
 * token; a connection with a wrong token or a malformed HELLO is closed and logged. Accepted hellos are
 * handed to the supervisor, which owns the decision of which worker the channel belongs to.
 */
final class ChannelListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChannelListener.class);

    /** A verified HELLO: the connection and what the worker said about itself. */
    record Hello(SocketChannel socket, long pid, int slot, int thread) {
        /** {@link #thread} of the process's control channel (HELLO says {@code control}). */
        static final int CONTROL = -1;

        boolean isControl() {
            return thread == CONTROL;
        }
    }

    private final ServerSocketChannel server;
    private final Path path;
    private final byte[] token;
    private final Consumer<Hello> onHello;
    private final Thread acceptor;

    ChannelListener(Path path, String token, Consumer<Hello> onHello) throws IOException {
        this(path, token, null, onHello);
    }

    /** With {@code owner} (a user name, as root with --user): the socket is handed to that user so workers can connect. */
    ChannelListener(Path path, String token, String owner, Consumer<Hello> onHello) throws IOException {
        this.path = path;
        this.token = token.getBytes(StandardCharsets.US_ASCII);
        this.onHello = onHello;
        Files.deleteIfExists(path);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path), 1024);
        if (owner != null) {
            Files.setOwner(path, path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(owner));
        }
        acceptor = Thread.ofPlatform().daemon().name("jwsgi-channel-accept").start(this::acceptLoop);
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel sc = server.accept();
                Thread.ofVirtual().name("jwsgi-hello").start(() -> greet(sc));
            } catch (IOException e) {
                if (server.isOpen()) log.warn("channel accept failed socket={} error={}", path, e.toString());
            }
        }
    }

    private void greet(SocketChannel sc) {
        try {
            ByteBuffer head = ByteBuffer.allocate(Frame.HEADER_SIZE);
            readFully(sc, head);
            long len = Frame.lengthAt(head, 0);
            if (head.get(0) != Frame.HELLO || len > Frame.MAX_HELLO) throw new IOException("first frame is not HELLO");
            ByteBuffer body = ByteBuffer.allocate((int) len);
            readFully(sc, body);
            String[] parts = new String(body.array(), StandardCharsets.US_ASCII).split(" ");
            if (parts.length != 4) throw new IOException("malformed HELLO");
            if (!MessageDigest.isEqual(parts[0].getBytes(StandardCharsets.US_ASCII), token)) {
                throw new IOException("bad token");
            }
            int thread = parts[3].equals("control") ? Hello.CONTROL : Integer.parseInt(parts[3]);
            if (thread < Hello.CONTROL) throw new IOException("malformed HELLO");
            onHello.accept(new Hello(sc, Long.parseLong(parts[1]), Integer.parseInt(parts[2]), thread));
        } catch (IOException | RuntimeException e) {
            log.warn("channel refused socket={} reason={}", path, e.getMessage());
            try {
                sc.close();
            } catch (IOException ignored) {
                // Already refused and logged.
            }
        }
    }

    private static void readFully(SocketChannel sc, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (sc.read(b) < 0) throw new EOFException("closed before HELLO");
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.warn("closing channel socket failed socket={} error={}", path, e.toString());
        }
    }
}
