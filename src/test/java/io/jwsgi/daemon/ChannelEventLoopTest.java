package io.jwsgi.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jwsgi.protocol.Frame;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A channel in event-loop mode on a real Jetty selector and a real UNIX socket: an answer awaited with no thread
 * is reported on the selector thread, a thread's blocking-style read waits for the selector, and closing the
 * channel reaches whoever waits (docs/performance.md "The event loop").
 */
class ChannelEventLoopTest {
    private QueuedThreadPool pool;
    private SelectorManager selectors;
    private ManagedSelector selector;
    private ServerSocketChannel server;
    private SocketChannel worker;
    private Channel channel;

    @BeforeEach
    void start() throws Exception {
        pool = new QueuedThreadPool();
        pool.start();
        ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler();
        scheduler.start();
        selectors = new SelectorManager(pool, scheduler, 1) {
            @Override
            protected EndPoint newEndPoint(SelectableChannel ch, ManagedSelector s, SelectionKey key) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Connection newConnection(SelectableChannel ch, EndPoint endPoint, Object attachment) {
                throw new UnsupportedOperationException();
            }
        };
        selectors.start();
        selector = selectors.getBeans(ManagedSelector.class).iterator().next();
        Path dir = Files.createTempDirectory("jwsgi-channel-loop");
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("c.sock"));
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(address);
        worker = SocketChannel.open(address);
        channel = new Channel(server.accept(), null, 0);
        channel.useSelector(selector);
    }

    @AfterEach
    void stop() throws Exception {
        channel.close();
        worker.close();
        server.close();
        selectors.stop();
        pool.stop();
    }

    private static ByteBuffer frame(byte type, String payload) {
        byte[] p = payload.getBytes();
        ByteBuffer b = ByteBuffer.allocate(Frame.HEADER_SIZE + p.length);
        Frame.putHeader(b, type, p.length);
        return b.put(p).flip();
    }

    /** Records what the selector tells an awaited answer, and on which thread. */
    private final class Recorder implements Channel.Reader {
        final LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();

        @Override
        public void onReadable() {
            int n = channel.readAvailable();
            boolean whole = n >= 0 && channel.bufferedAnswer(64 * 1024) == Channel.Answer.WHOLE;
            events.add((n < 0 ? "eof" : whole ? "whole" : "part") + " on " + Thread.currentThread().getName());
            if (n < 0 || whole) channel.stopAwaiting();
        }

        @Override
        public void onClosed() {
            events.add("closed");
        }
    }

    @Test
    void anAwaitedAnswerIsReportedOnTheSelectorThreadOnceWhole() throws Exception {
        Recorder reader = new Recorder();
        channel.awaitResponse(reader);
        worker.write(new ByteBuffer[] {frame(Frame.HEADERS, "200 OK"), frame(Frame.DATA, "hel")});
        String first = reader.events.poll(5, TimeUnit.SECONDS);
        assertThat(first).startsWith("part on ");
        assertThat(first).doesNotContain("Test worker").doesNotContain("main");
        worker.write(frame(Frame.END, ""));
        assertThat(reader.events.poll(5, TimeUnit.SECONDS)).startsWith("whole on ");
        // Over: the channel, still registered, is quiet until the next answer is awaited.
        worker.write(frame(Frame.HEADERS, "204 No Content"));
        assertThat(reader.events.poll(300, TimeUnit.MILLISECONDS)).isNull();
        Recorder next = new Recorder();
        channel.nextFrame(); // the first answer's frames are consumed by its exchange
        channel.payload(1024);
        channel.nextFrame();
        channel.payload(1024);
        channel.nextFrame();
        worker.write(frame(Frame.END, ""));
        channel.awaitResponse(next);
        assertThat(next.events.poll(5, TimeUnit.SECONDS)).startsWith("whole on ");
    }

    @Test
    void aThreadReadingTheChannelWaitsForTheSelectorAndIsWokenByClose() throws Exception {
        CompletableFuture<Byte> read = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                read.complete(channel.nextFrame());
            } catch (Throwable x) {
                read.completeExceptionally(x);
            }
        });
        Thread.sleep(100);
        assertThat(read).isNotDone();
        worker.write(frame(Frame.HEADERS, "200 OK"));
        assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(Frame.HEADERS);
        assertThat(new String(channel.payload(1024))).isEqualTo("200 OK");

        CompletableFuture<Byte> blocked = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                blocked.complete(channel.nextFrame());
            } catch (Throwable x) {
                blocked.completeExceptionally(x);
            }
        });
        Thread.sleep(100);
        channel.close(); // a timeout closing the channel of a request relayed on a thread
        assertThatThrownBy(() -> blocked.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(ClosedChannelException.class);
    }

    @Test
    void closingTheChannelTellsTheAwaitedAnswerAndTheWorkerSeesItClose() throws Exception {
        Recorder reader = new Recorder();
        channel.awaitResponse(reader);
        channel.close();
        assertThat(reader.events.poll(5, TimeUnit.SECONDS)).isEqualTo("closed");
        // The descriptor is really closed (the JDK defers that for a registered socket until the next select).
        worker.configureBlocking(true);
        assertThat(worker.read(ByteBuffer.allocate(16))).isEqualTo(-1);
    }

    @Test
    void aWorkerThatGoesAwayEndsTheAwaitedAnswerWithEof() throws Exception {
        Recorder reader = new Recorder();
        channel.awaitResponse(reader);
        worker.close();
        assertThat(reader.events.poll(5, TimeUnit.SECONDS)).startsWith("eof on ");
    }

    @Test
    void aStreamedAnswerWhoseFramesAreWholeNeedsAThread() throws Exception {
        Recorder reader = new Recorder();
        channel.awaitResponse(reader);
        worker.write(frame(Frame.HEADERS, "200 OK"));
        assertThat(reader.events.poll(5, TimeUnit.SECONDS)).startsWith("part on ");
        assertThat(channel.bufferedAnswer(64 * 1024)).isEqualTo(Channel.Answer.THREAD); // headers out, the body still coming
        ByteBuffer cut = frame(Frame.DATA, "hello");
        cut.limit(Frame.HEADER_SIZE + 2); // a frame cut short: the rest is on its way
        worker.write(cut);
        assertThat(reader.events.poll(5, TimeUnit.SECONDS)).startsWith("part on ");
        assertThat(channel.bufferedAnswer(64 * 1024)).isEqualTo(Channel.Answer.PART);
    }
}
