package io.jwsgi.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The parts of the site front end's answers that are computed, not routed. */
class SiteHandlerTest {
    @Test
    void theServerPortIsTheHostHeadersElseTheSchemesDefaultAsApacheWithUseCanonicalNameOff() {
        assertThat(SiteHandler.serverPort("www.example.test:8080", false)).isEqualTo(8080);
        assertThat(SiteHandler.serverPort("www.example.test", false)).isEqualTo(80);
        assertThat(SiteHandler.serverPort("www.example.test", true)).isEqualTo(443);
        assertThat(SiteHandler.serverPort("[::1]:8443", true)).isEqualTo(8443);
        assertThat(SiteHandler.serverPort("[::1]", false)).isEqualTo(80);
        assertThat(SiteHandler.serverPort(null, false)).isEqualTo(80);
        assertThat(SiteHandler.serverPort("bad:port", false)).isEqualTo(80);
    }

    @Test
    void runsOfSlashesAreRoutedAsOneAsApacheDoesWithMergeSlashesOn() {
        assertThat(SiteHandler.mergeSlashes("//other//a")).isEqualTo("/other/a");
        assertThat(SiteHandler.mergeSlashes("/a///b/")).isEqualTo("/a/b/");
        assertThat(SiteHandler.mergeSlashes("/plain/path")).isEqualTo("/plain/path");
        assertThat(SiteHandler.mergeSlashes("/")).isEqualTo("/");
    }
}
