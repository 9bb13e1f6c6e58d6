package io.jwsgi.frontend;

import io.jwsgi.daemon.Channel;
import io.jwsgi.daemon.Dispatch;
import java.io.EOFException;
import java.util.concurrent.Executor;

/**
 * The answer to a request without a body, awaited with no thread (docs/performance.md "The event loop"): the
 * handler's thread sends the request and returns; the channel's selector calls {@link #onReadable} as the
 * worker's bytes arrive. A whole answer of up to {@link #INLINE_LIMIT} bytes is relayed right there, on the
 * selector thread, with one non-blocking write to the client. Anything else (a streamed or large body, an
 * application that reads wsgi.input) is handed to a virtual thread and relayed, blocking, by {@link Exchange}
 * as before.
 */
final class AwaitedAnswer implements Channel.Reader {
    /** The largest answer relayed on the selector thread. */
    static final int INLINE_LIMIT = 64 * 1024;

    private final Exchange exchange;
    private final Channel channel;
    private final Dispatch dispatch;
    private final Executor threads;
    /** Selector thread only: the answer was relayed, failed, or handed to a thread. */
    private boolean over;

    AwaitedAnswer(Exchange exchange, Channel channel, Dispatch dispatch, Executor threads) {
        this.exchange = exchange;
        this.channel = channel;
        this.dispatch = dispatch;
        this.threads = threads;
    }

    @Override
    public void onReadable() {
        // On the selector thread: a request this answer completes may let a waiting one start right here.
        InlineDispatch.onSelectorThread(this::relay);
    }

    private void relay() {
        if (over) return;
        int n = channel.readAvailable();
        if (n < 0) {
            over = true;
            channel.stopAwaiting();
            exchange.lost(new EOFException("worker closed the channel"));
            dispatch.discard(channel);
            return;
        }
        switch (channel.bufferedAnswer(INLINE_LIMIT)) {
            case WHOLE -> {
                over = true;
                channel.stopAwaiting();
                exchange.relayBuffered(this::done);
            }
            case THREAD -> {
                over = true;
                channel.handOver();
                threads.execute(() -> done(exchange.relayAnswer()));
            }
            case PART -> {
                // part of a small answer; the rest comes with the next readiness
            }
        }
    }

    @Override
    public void onClosed() {
        if (over) return;
        over = true;
        exchange.lost(new EOFException("channel closed"));
        dispatch.discard(channel);
    }

    private void done(Exchange.Outcome outcome) {
        outcome.giveBack(dispatch, channel);
    }
}
