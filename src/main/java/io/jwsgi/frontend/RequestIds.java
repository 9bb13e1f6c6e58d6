package io.jwsgi.frontend;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code mod_wsgi.request_id}: unique for the life of the server and short enough for log lines — a random
 * prefix chosen at start plus a counter, both base 36.
 */
final class RequestIds {
    private final String prefix;
    private final AtomicLong next = new AtomicLong();

    RequestIds() {
        prefix = Long.toString(new SecureRandom().nextLong() >>> 28, 36) + "-";
    }

    String next() {
        return prefix + Long.toString(next.incrementAndGet(), 36);
    }
}
