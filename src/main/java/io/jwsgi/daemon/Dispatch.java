package io.jwsgi.daemon;

/**
 * What the front end sees of the daemon side: take an idle worker thread's channel, give it back.
 * {@link #acquire} waits in the group's bounded queue; the failures are {@link DispatchException}s that the
 * front end maps to statuses.
 */
public interface Dispatch {
    Channel acquire() throws DispatchException;
    /** An idle channel now, or null (none idle, or requests already waiting for one): never waits. */
    default Channel tryAcquire() {
        return null;
    }

    /** Returns a channel whose exchange ended cleanly: it is ready for the next request. */
    void release(Channel channel);

    /** Drops a channel whose exchange broke (worker died, client left mid-response, protocol error). */
    void discard(Channel channel);
}
