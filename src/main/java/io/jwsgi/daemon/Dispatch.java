package io.jwsgi.daemon;

/**
 * What the front end sees of the daemon side: take an idle worker thread's channel, give it back.
 * {@link #acquire} waits in the group's bounded queue; the failures are {@link DispatchException}s that the
 * front end maps to statuses.
 */
public interface Dispatch {
    Channel acquire() throws DispatchException;
    /**
     * Takes a channel without a thread waiting for it: {@code waiter} is granted one now (on this thread) or later,
     * on the thread that releases one, or refused (queue full, queue-timeout, stopping). Never blocks.
     */
    void acquireLater(Waiter waiter);

    /** A request waiting for a channel with no thread of its own (docs/performance.md "The event loop"). */
    interface Waiter {
        /**
         * The channel is this request's. {@code here} is true when this thread may relay the request (it does not
         * block: a selector thread or a request's thread); false when it is a thread that must not (the
         * supervisor's, a timer's): then the request moves to a thread of its own.
         */
        void granted(Channel channel, boolean here);

        /** No channel: queue full, queue-timeout or connect-timeout, stopping. */
        void refused(DispatchException e);
    }

    /** Returns a channel whose exchange ended cleanly: it is ready for the next request. */
    void release(Channel channel);

    /** Drops a channel whose exchange broke (worker died, client left mid-response, protocol error). */
    void discard(Channel channel);
}
