package io.jwsgi.frontend;

import io.jwsgi.daemon.Channel;
import io.jwsgi.daemon.Dispatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EXPERIMENT: waits for worker answers without a parked virtual thread. One platform thread selects over the
 * channels of requests whose environ went out; a whole small answer is relayed on this thread, anything else
 * on a virtual thread as before.
 */
final class AsyncRelay implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(AsyncRelay.class);
    static final boolean ENABLED = Boolean.getBoolean("jwsgi.asyncRelay");
    private static final int INLINE_LIMIT = 16 * 1024;
    private static volatile AsyncRelay instance;

    private record Waiting(Channel channel, Exchange exchange, Dispatch dispatch) {}

    private final Selector selector;
    private final ConcurrentLinkedQueue<Waiting> queue = new ConcurrentLinkedQueue<>();

    private AsyncRelay() {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofPlatform().daemon().name("jwsgi-relay").start(this);
    }

    static AsyncRelay get() {
        AsyncRelay r = instance;
        if (r == null) {
            synchronized (AsyncRelay.class) {
                r = instance;
                if (r == null) instance = r = new AsyncRelay();
            }
        }
        return r;
    }

    void await(Channel channel, Exchange exchange, Dispatch dispatch) {
        channel.waiting(true);
        queue.add(new Waiting(channel, exchange, dispatch));
        selector.wakeup();
    }

    @Override
    public void run() {
        List<Waiting> ready = new ArrayList<>();
        List<Waiting> inline = new ArrayList<>();
        for (;;) {
            try {
                selector.select();
                Waiting w;
                while ((w = queue.poll()) != null) {
                    try {
                        w.channel().socket().configureBlocking(false);
                        w.channel().socket().register(selector, SelectionKey.OP_READ, w);
                    } catch (IOException | RuntimeException e) {
                        ready.add(w); // closed meanwhile: the relay reports it
                    }
                }
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    Waiting k = (Waiting) key.attachment();
                    int n;
                    try {
                        n = k.channel().readAvailable();
                    } catch (IOException e) {
                        n = -1;
                    }
                    if (n == 0) continue;
                    key.cancel();
                    if (n > 0 && k.channel().responseBuffered(INLINE_LIMIT)) inline.add(k);
                    else ready.add(k);
                }
                if (ready.isEmpty() && inline.isEmpty()) continue;
                selector.selectNow(); // deregisters the cancelled keys
                for (Waiting d : inline) {
                    d.channel().waiting(false);
                    blocking(d);
                    finish(d);
                }
                for (Waiting d : ready) {
                    d.channel().waiting(false);
                    blocking(d);
                    Thread.ofVirtual().start(() -> finish(d));
                }
                inline.clear();
                ready.clear();
            } catch (IOException | RuntimeException e) {
                log.warn("relay selector failed error={}", e.toString());
            }
        }
    }

    private static void blocking(Waiting d) {
        try {
            if (d.channel().socket().isOpen()) d.channel().socket().configureBlocking(true);
        } catch (IOException ignored) {
            // The relay sees the closed channel.
        }
    }

    private static void finish(Waiting d) {
        Exchange.Outcome outcome = d.exchange().relayAnswer();
        if (outcome == Exchange.Outcome.CLEAN) d.dispatch().release(d.channel());
        else d.dispatch().discard(d.channel());
    }
}
