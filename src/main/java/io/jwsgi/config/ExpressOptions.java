package io.jwsgi.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The mod_wsgi-express options that act on the application and its workers rather than on one component of their
 * own (docs/settings.md, "mod_wsgi-express options"): what the front end does with a request before and after the
 * application, and how the worker's interpreter is set up. Resolved by {@link ExpressOptionsResolver}.
 *
 * @param mapHeadToGet      {@code --map-head-to-get On}: the application sees HEAD as GET
 * @param errorOverride     {@code --error-override}: the application's error statuses get the front end's page
 * @param errorDocuments    {@code --error-document}: status to what answers it, in the order given
 * @param scriptReloading   false with {@code --disable-reloading}
 * @param pythonEggs        absolute, or null: PYTHON_EGG_CACHE of the workers
 * @param pythonWarnings    {@code --python-warnings}, in order: joined into PYTHONWARNINGS
 * @param switchInterval    null = Python's own
 * @param orphanInterpreter the worker exits without finalising Python
 * @param envvarsScript     absolute, an existing file, or null: sourced at start for the workers' environment
 * @param serverMetrics     {@code mod_wsgi.server_metrics()} answers
 * @param slowRequests      null = not reported
 * @param ignored           one warning line per Apache-only option given, saying what jwsgi does instead
 */
public record ExpressOptions(
        boolean mapHeadToGet,
        boolean errorOverride,
        Map<Integer, ErrorDocument> errorDocuments,
        boolean scriptReloading,
        Path pythonEggs,
        List<String> pythonWarnings,
        Duration switchInterval,
        boolean orphanInterpreter,
        Path envvarsScript,
        boolean serverMetrics,
        Duration slowRequests,
        List<String> ignored) {

    public ExpressOptions {
        errorDocuments = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(errorDocuments));
        pythonWarnings = List.copyOf(pythonWarnings);
        ignored = List.copyOf(ignored);
    }

    /** None of these options given: what a configuration file's groups get. */
    public static ExpressOptions none() {
        return new ExpressOptions(false, false, Map.of(), true, null, List.of(), null, false, null, false, null,
                List.of());
    }

    /** Whether the front end has anything to do around the application's response (error pages, HEAD as GET). */
    public boolean wrapsResponses() {
        return mapHeadToGet || errorOverride || !errorDocuments.isEmpty();
    }
}
