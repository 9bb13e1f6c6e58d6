package io.jwsgi.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.config.ContentOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaticFilesTest {
    @TempDir
    Path temp;

    static final Handler APP = new Handler.Abstract() {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            return false;
        }
    };

    @Test
    void withoutStaticFilesOrCompressionTheApplicationHandlerIsUsedAsItIs() {
        ContentOptions none = ContentOptions.none();
        assertThat(StaticFiles.around(none, Duration.ofSeconds(60), Duration.ofSeconds(2), APP)).isSameAs(APP);
        assertThat(ResponseCompression.around(none, APP)).isSameAs(APP);
        ContentOptions compressOnly = new ContentOptions(null, null, List.of(), false, true, false, java.util.Map.of());
        assertThat(StaticFiles.around(compressOnly, Duration.ofSeconds(60), Duration.ofSeconds(2), APP)).isSameAs(APP);
        assertThat(ResponseCompression.around(compressOnly, APP)).isNotSameAs(APP);
    }

    @Test
    void anAliasMatchesWholeSegmentsAndASlashFormOnlyBelowIt() throws Exception {
        Path assets = Files.createDirectories(temp.resolve("assets"));
        ContentOptions options = ContentOptions.none();
        StaticMount bare = StaticMount.alias(new ContentOptions.UrlAlias("/static", assets, true), options, buffers());
        assertThat(bare.pathInMount("/static")).isEqualTo("");
        assertThat(bare.pathInMount("/static/a.css")).isEqualTo("/a.css");
        assertThat(bare.pathInMount("/staticfoo")).isNull();
        assertThat(bare.pathInMount("/other")).isNull();
        StaticMount slash = StaticMount.alias(new ContentOptions.UrlAlias("/static/", assets, true), options, buffers());
        assertThat(slash.pathInMount("/static")).isNull();
        assertThat(slash.pathInMount("/static/")).isEqualTo("/");
        StaticMount root = StaticMount.alias(new ContentOptions.UrlAlias("/", assets, true), options, buffers());
        assertThat(root.pathInMount("/anything/at/all")).isEqualTo("/anything/at/all");
        Path robots = Files.writeString(temp.resolve("robots.txt"), "x");
        StaticMount file = StaticMount.alias(new ContentOptions.UrlAlias("/robots.txt", robots, false), options, buffers());
        assertThat(file.pathInMount("/robots.txt")).isEqualTo("/robots.txt");
        assertThat(file.pathInMount("/robots.txt/x")).isEqualTo("/robots.txt/x");
        assertThat(file.pathInMount("/robots.txtx")).isNull();
    }

    @Test
    void aPathWithDotSegmentsOrOutsideTheBaseNamesNoFile() {
        Path base = temp.resolve("base");
        assertThat(StaticMount.fileFor(base, "/a/b.css")).isEqualTo(base.resolve("a/b.css"));
        assertThat(StaticMount.fileFor(base, "//a//b.css")).isEqualTo(base.resolve("a/b.css"));
        assertThat(StaticMount.fileFor(base, "/")).isEqualTo(base);
        assertThat(StaticMount.fileFor(base, "")).isEqualTo(base);
        assertThat(StaticMount.fileFor(base, "/../secret")).isNull();
        assertThat(StaticMount.fileFor(base, "/a/../../secret")).isNull();
        assertThat(StaticMount.fileFor(base, "/./a")).isNull();
        assertThat(StaticMount.fileFor(base, "/a\u0000b")).isNull();
    }

    private static ByteBufferPool.Sized buffers() {
        return new ByteBufferPool.Sized(ByteBufferPool.NON_POOLING, false, 4096);
    }
}
