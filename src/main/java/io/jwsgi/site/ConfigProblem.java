package io.jwsgi.site;

/** One problem found in the configuration; {@code source} is null when there is no line to blame (e.g. a missing top-level file). */
public record ConfigProblem(Source source, String message) {
    @Override
    public String toString() {
        return source == null ? message : source + ": " + message;
    }
}
