package io.jwsgi.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ResponseCompressionTest {
    @Test
    void compressesTextJsonJavascriptAndXmlTypes() {
        for (String type : new String[] {"text/plain", "text/html", "text/css", "TEXT/CSV", "application/json",
                "application/javascript", "application/x-javascript", "application/xml", "image/svg+xml",
                "application/atom+xml", "application/xhtml+xml", "application/ld+json", " text/plain "}) {
            assertThat(ResponseCompression.compressible(type)).as(type).isTrue();
        }
    }

    @Test
    void leavesBinaryTypesAndEventStreamsAlone() {
        for (String type : new String[] {"image/png", "image/jpeg", "application/octet-stream", "application/zip",
                "application/gzip", "video/mp4", "font/woff2", "application/pdf", "text/event-stream",
                "application/xmlish"}) {
            assertThat(ResponseCompression.compressible(type)).as(type).isFalse();
        }
    }
}
