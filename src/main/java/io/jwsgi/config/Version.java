package io.jwsgi.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * jwsgi's version, from {@code io/jwsgi/version.properties}. The file is not Maven-filtered (the build is not
 * ours to change); a unit test keeps it equal to the project version in {@code pom.xml}.
 */
public final class Version {
    private static final String RESOURCE = "/io/jwsgi/version.properties";

    private Version() {}

    /** The version, such as {@code 0.1.0}. */
    public static String current() {
        try (InputStream in = Version.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the class path");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }
}
