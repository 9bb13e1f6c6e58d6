package io.jwsgi.config;

import java.time.Duration;

/**
 * When worker processes are recycled, timed out and stopped: the supervisor's share of the configuration. A zero
 * duration or count means "never" (see each setting's help in {@link StartServerSettings}).
 *
 * @param evictionTimeout as given: 0 means {@code gracefulTimeout} (see {@link #evictionOrGraceful})
 */
public record Lifecycle(
        int maximumRequests,
        int maximumRequestsJitter,
        Duration restartInterval,
        Duration inactivityTimeout,
        Duration gracefulTimeout,
        Duration evictionTimeout,
        Duration shutdownTimeout,
        Duration requestTimeout,
        Duration interruptTimeout,
        Duration startupTimeout,
        Duration deadlockTimeout,
        long memoryLimit) {

    /** How long a graceful restart (SIGUSR1) lets requests finish: eviction-timeout, else graceful-timeout. */
    public Duration evictionOrGraceful() {
        return evictionTimeout.isZero() ? gracefulTimeout : evictionTimeout;
    }

    /**
     * Debug mode: nothing recycles or times out (a process sitting in pdb must stay), but graceful restarts and
     * stopping still wait as configured.
     */
    public Lifecycle forDebugging() {
        return new Lifecycle(0, 0, Duration.ZERO, Duration.ZERO, gracefulTimeout, evictionTimeout, shutdownTimeout,
                Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, 0);
    }

    /** Nothing recycles or times out; stopping waits {@code shutdownTimeout}. For tests and the welcome page. */
    public static Lifecycle none(Duration shutdownTimeout) {
        return new Lifecycle(0, 0, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, shutdownTimeout,
                Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, 0);
    }
}
