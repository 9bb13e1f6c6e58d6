package io.jwsgi.frontend;

import io.jwsgi.daemon.Channel;
import java.util.List;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Jetty's selectors, lent to the worker channels (docs/performance.md "The event loop"): a channel registered with
 * the selector that also serves its clients has its answer relayed and the client's next read armed on one
 * thread, with no hand-off. With one selector (Jetty's choice up to 3 cores) that is always the case; with
 * several a channel keeps the one it was given first.
 */
public final class EventLoop {
    /** -Djwsgi.eventLoop=false keeps the blocking relay for every request (for A/B measurements). */
    public static final boolean ENABLED = !"false".equals(System.getProperty("jwsgi.eventLoop"));

    private final List<ManagedSelector> selectors;

    private EventLoop(List<ManagedSelector> selectors) {
        this.selectors = List.copyOf(selectors);
    }

    /** The started connector's selectors, or null when it has none (or the event loop is switched off). */
    public static EventLoop of(ServerConnector connector) {
        if (!ENABLED) return null;
        var all = connector.getSelectorManager().getBeans(ManagedSelector.class);
        return all.isEmpty() ? null : new EventLoop(List.copyOf(all));
    }

    ManagedSelector selectorFor(Channel channel) {
        int n = selectors.size();
        return selectors.get(n == 1 ? 0 : Math.floorMod(31 * Long.hashCode(channel.worker().pid()) + channel.threadIndex(), n));
    }
}
