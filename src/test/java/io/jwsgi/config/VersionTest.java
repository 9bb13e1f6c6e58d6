package io.jwsgi.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class VersionTest {
    @Test
    void versionPropertiesMatchesThePomVersion() throws IOException {
        // Surefire runs in the project directory; the project version follows its artifactId.
        String pom = Files.readString(Path.of("pom.xml"));
        Matcher m = Pattern.compile("<artifactId>jwsgi</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertThat(m.find()).as("project version in pom.xml").isTrue();

        assertThat(Version.current())
                .as("src/main/resources/io/jwsgi/version.properties must say version=" + m.group(1))
                .isEqualTo(m.group(1));
    }
}
