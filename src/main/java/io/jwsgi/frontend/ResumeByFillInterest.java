package io.jwsgi.frontend;

import java.util.concurrent.Executor;

/**
 * The server's virtual-thread executor, minus one thread per request (docs/performance.md "The event loop").
 *
 * <p>When a response completes after its handler returned, as an answer relayed on the selector does, Jetty's
 * HTTP/1 connection "resumes" by running itself on this executor: a new virtual thread that tries a read, finds
 * nothing and asks the selector for read interest, waking it. When the connection has no pipelined bytes left,
 * asking for read interest straight away is the same thing without the thread, and from the selector's own
 * thread without the wake-up either: the next request, already arrived or not, is then read and dispatched as
 * any other. Everything else runs on a virtual thread, as before.
 */
public final class ResumeByFillInterest implements Executor {
    private final Executor virtualThreads;

    public ResumeByFillInterest(Executor virtualThreads) {
        this.virtualThreads = virtualThreads;
    }

    @Override
    public void execute(Runnable task) {
        if (task instanceof GuardedHttpConnection connection && connection.resumeByFillInterest()) return;
        virtualThreads.execute(task);
    }
}
