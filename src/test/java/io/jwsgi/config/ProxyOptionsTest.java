package io.jwsgi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProxyOptionsTest {
    private static ProxyOptions parse(String... words) {
        return ProxyOptions.resolve(Arguments.parse(StartServerSettings.ALL, List.of(words)));
    }

    @Test
    void nothingIsProxiedByDefaultAndTheTimeoutFollowsTheSocketTimeout() {
        ProxyOptions none = parse();
        assertThat(none.enabled()).isFalse();
        assertThat(none.timeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(parse("--socket-timeout", "7").timeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(parse("--socket-timeout", "7", "--proxy-timeout", "2.5").timeout()).isEqualTo(Duration.ofMillis(2500));
    }

    @Test
    void dropsTrailingSlashesAndOrdersMountPointsLongestFirstWhicheverFlagNamedThem() {
        ProxyOptions options = parse("--proxy-mount-point", "/a/", "http://127.0.0.1:9000/x/",
                "--proxy-url-alias", "/a/b", "http://localhost:9001",
                "--proxy-mount-point", "/", "http://h");
        assertThat(options.mountPoints()).containsExactly(
                new ProxyOptions.MountPoint("/a/b", URI.create("http://localhost:9001")),
                new ProxyOptions.MountPoint("/a", URI.create("http://127.0.0.1:9000/x")),
                new ProxyOptions.MountPoint("", URI.create("http://h")));
    }

    @Test
    void keepsVirtualHostNamesInLowerCase() {
        assertThat(parse("--proxy-virtual-host", "API.Example.com", "http://10.0.0.1:8080/").virtualHosts())
                .containsExactly(new ProxyOptions.VirtualHost("api.example.com", URI.create("http://10.0.0.1:8080")));
    }

    @Test
    void acceptsExpresssUnixSocketTargets() {
        assertThat(parse("--proxy-mount-point", "/s", "unix:/run/app.sock|http://localhost/x/").mountPoints())
                .containsExactly(new ProxyOptions.MountPoint("/s", URI.create("http://localhost/x"),
                        java.nio.file.Path.of("/run/app.sock")));
        assertThatThrownBy(() -> parse("--proxy-mount-point", "/s", "unix:run/app.sock|http://localhost/"))
                .hasMessage("--proxy-mount-point: socket path in 'unix:run/app.sock|http://localhost/' is not absolute");
        assertThatThrownBy(() -> parse("--proxy-virtual-host", "h", "unix:/run/app.sock"))
                .hasMessage("--proxy-virtual-host: 'unix:/run/app.sock' is not unix:/socket/path|http://host/");
    }

    @Test
    void refusesBadMountPointsHostsAndUrlsNamingTheFlagAndValue() {
        assertThatThrownBy(() -> parse("--proxy-mount-point", "api", "http://h"))
                .hasMessage("--proxy-mount-point: 'api' does not start with '/'");
        assertThatThrownBy(() -> parse("--proxy-url-alias", "/a", "ftp://h/"))
                .hasMessage("--proxy-url-alias: 'ftp://h/' is not an http://host[:port][/path] URL");
        assertThatThrownBy(() -> parse("--proxy-mount-point", "/a", "http://h/?q=1"))
                .hasMessage("--proxy-mount-point: 'http://h/?q=1' may not have a query, fragment or user");
        assertThatThrownBy(() -> parse("--proxy-mount-point", "/a", "http://h/", "--proxy-url-alias", "/a/", "http://i"))
                .hasMessage("--proxy-url-alias: '/a/' is proxied twice");
        assertThatThrownBy(() -> parse("--proxy-virtual-host", "bad host", "http://h"))
                .hasMessage("--proxy-virtual-host: 'bad host' is not a host name");
        assertThatThrownBy(() -> parse("--proxy-virtual-host", "h", "http://:80"))
                .hasMessageStartingWith("--proxy-virtual-host: 'http://:80'");
        assertThatThrownBy(() -> parse("--proxy-timeout", "soon"))
                .hasMessage("--proxy-timeout: 'soon' is not a number of seconds");
    }
}
