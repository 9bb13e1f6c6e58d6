package io.jwsgi.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReverseProxyTest {
    @Test
    void findsWhatFollowsAMountPointSegmentBySegment() {
        assertThat(ReverseProxy.remainder("/api", "/api")).isEmpty();
        assertThat(ReverseProxy.remainder("/api", "/api/")).isEqualTo("/");
        assertThat(ReverseProxy.remainder("/api", "/api/x/y")).isEqualTo("/x/y");
        assertThat(ReverseProxy.remainder("/a/b", "/a/b/c")).isEqualTo("/c");
        assertThat(ReverseProxy.remainder("", "/anything")).isEqualTo("/anything");
    }

    @Test
    void doesNotMatchAPathThatOnlySharesTheFirstLetters() {
        assertThat(ReverseProxy.remainder("/api", "/apix")).isNull();
        assertThat(ReverseProxy.remainder("/api", "/ap")).isNull();
        assertThat(ReverseProxy.remainder("/a/b", "/a/bc/d")).isNull();
        assertThat(ReverseProxy.remainder("/a/b", "/a")).isNull();
    }

    @Test
    void comparesSegmentsDecodedAndKeepsTheRestAsTheClientEncodedIt() {
        assertThat(ReverseProxy.remainder("/api", "/ap%69/x%20y")).isEqualTo("/x%20y");
        assertThat(ReverseProxy.remainder("/my dir", "/my%20dir/%FF")).isEqualTo("/%FF");
    }
}
