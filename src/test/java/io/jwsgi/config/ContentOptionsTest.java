package io.jwsgi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentOptionsTest {
    @TempDir
    Path temp;

    TestEnvironment env;

    @BeforeEach
    void pinEnvironment() {
        env = new TestEnvironment(temp);
    }

    @Test
    void nothingIsServedOrCompressedByDefault() {
        ContentOptions content = env.parseWithScript().content();
        assertThat(content).isEqualTo(ContentOptions.none());
        assertThat(content.servesFiles()).isFalse();
    }

    @Test
    void resolvesPathsAgainstTheCurrentDirectoryAndSortsAliasesLongestFirst() throws Exception {
        Files.createDirectories(env.cwd.resolve("htdocs"));
        Files.createDirectories(env.cwd.resolve("static/img"));
        Files.writeString(env.cwd.resolve("robots.txt"), "");
        ContentOptions content = env.parseWithScript("--document-root", "htdocs",
                "--url-alias", "/s", "static", "--url-alias", "/s/img", "static/img",
                "--url-alias", "/robots.txt", "robots.txt", "--directory-index", "index.html",
                "--enable-sendfile", "--compress-responses").content();
        assertThat(content.documentRoot()).isEqualTo(env.cwd.resolve("htdocs"));
        assertThat(content.urlAliases()).extracting(ContentOptions.UrlAlias::url)
                .containsExactly("/robots.txt", "/s/img", "/s");
        assertThat(content.urlAliases().get(0).directory()).isFalse();
        assertThat(content.urlAliases().get(1).target()).isEqualTo(env.cwd.resolve("static/img"));
        assertThat(content.urlAliases().get(1).directory()).isTrue();
        assertThat(content.directoryIndex()).isEqualTo("index.html");
        assertThat(content.enableSendfile()).isTrue();
        assertThat(content.compressResponses()).isTrue();
        assertThat(content.servesFiles()).isTrue();
    }

    @Test
    void badValuesNameTheOptionAndTheValue() throws Exception {
        assertThatThrownBy(() -> env.parseWithScript("--document-root", "nowhere"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--document-root").hasMessageContaining("nowhere");
        Files.writeString(env.cwd.resolve("file.txt"), "");
        assertThatThrownBy(() -> env.parseWithScript("--document-root", "file.txt"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--document-root: not a directory");
        assertThatThrownBy(() -> env.parseWithScript("--url-alias", "static", "file.txt"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--url-alias").hasMessageContaining("'static' does not start with '/'");
        assertThatThrownBy(() -> env.parseWithScript("--url-alias", "/x", "missing"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--url-alias: no such file or directory for /x");
        assertThatThrownBy(() -> env.parseWithScript("--url-alias", "/x", "file.txt", "--url-alias", "/x", "file.txt"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'/x' is given twice");
        assertThatThrownBy(() -> env.parseWithScript("--directory-index", "a/index.html"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--directory-index").hasMessageContaining("'a/index.html' is not a file name");
        assertThatThrownBy(() -> env.parseWithScript("--url-alias", "/only-one"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--url-alias");
    }
}
