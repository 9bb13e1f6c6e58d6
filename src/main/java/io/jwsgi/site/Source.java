package io.jwsgi.site;

import java.nio.file.Path;

/** Where a directive (or a problem) comes from: a configuration file and a 1-based line number in it. */
public record Source(Path file, int line) {
    @Override
    public String toString() {
        return file + ":" + line;
    }
}
