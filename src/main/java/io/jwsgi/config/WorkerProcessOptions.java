package io.jwsgi.config;

import java.util.List;

/**
 * How each worker process is set up before its application loads: limits and identity (applied by the worker
 * itself), and the environment variables the supervisor gives it.
 *
 * @param memoryLimit         bytes, 0 = none (RLIMIT_DATA in the worker; the supervisor also watches VmRSS)
 * @param virtualMemoryLimit  bytes, 0 = none (RLIMIT_AS)
 * @param cpuTimeLimit        seconds, 0 = none (RLIMIT_CPU)
 * @param user                null = do not change
 * @param group               null = do not change (the worker uses --user's primary group)
 * @param supplementaryGroups empty = none given
 * @param umask               four octal digits, or null to inherit
 * @param lang                LANG for the workers, or null to inherit
 * @param locale              LC_ALL for the workers, or null to inherit
 * @param pythonHashSeed      PYTHONHASHSEED, or null to inherit
 * @param processName         resolved display name
 */
public record WorkerProcessOptions(
        long memoryLimit,
        long virtualMemoryLimit,
        int cpuTimeLimit,
        String user,
        String group,
        List<String> supplementaryGroups,
        String umask,
        String lang,
        String locale,
        String pythonHashSeed,
        boolean dontWriteBytecode,
        String processName,
        boolean reloadOnChanges) {

    public WorkerProcessOptions {
        supplementaryGroups = List.copyOf(supplementaryGroups);
    }

    /** The same options with {@code --reload-on-changes} off (debug mode, as in mod_wsgi-express). */
    public WorkerProcessOptions withoutReloadOnChanges() {
        return new WorkerProcessOptions(memoryLimit, virtualMemoryLimit, cpuTimeLimit, user, group,
                supplementaryGroups, umask, lang, locale, pythonHashSeed, dontWriteBytecode, processName, false);
    }
}
