package io.jwsgi.it;

import java.time.Duration;

/** One way to wait for something that happens asynchronously: retry an assertion until it holds or time runs out. */
public final class Eventually {
    private Eventually() {}

    /** Something that checks, by throwing (an AssertionError, an IOException) while it does not hold yet. */
    @FunctionalInterface
    public interface Check {
        void run() throws Exception;
    }

    /** Runs {@code check} every 50 ms until it passes; after {@code timeout} its last failure is thrown. */
    public static void eventually(Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (Exception | AssertionError e) {
                if (System.nanoTime() > deadline) throw e;
            }
            Thread.sleep(50);
        }
    }
}
