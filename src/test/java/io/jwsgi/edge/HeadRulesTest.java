package io.jwsgi.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.config.RegisteredMethods;
import io.jwsgi.config.RequestLimits;
import io.jwsgi.frontend.ReadTimeouts;
import io.jwsgi.frontend.RequestIntake;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The request-line, target, Host and method rules on Jetty's LocalConnector with the front end's own HTTP/1.1
 * connection factory (RequestIntake's, as Server installs it): what the handler sees, and what never reaches it.
 * RequestParsingIT sends the same cases to a real server with a real worker (the corpus).
 */
class HeadRulesTest {
    private Server server;
    private LocalConnector connector;
    private final List<String> handled = new ArrayList<>();

    private void start(RegisteredMethods methods) throws Exception {
        server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        http.setHttpCompliance(HttpCompliance.RFC9110.without("jwsgi-strict",
                HttpCompliance.Violation.LF_HEADER_TERMINATION));
        ReadTimeouts timeouts = new ReadTimeouts(new RequestLimits(8190, 8190, 100, Duration.ZERO, Duration.ZERO, 0,
                Duration.ZERO, Duration.ZERO, 0));
        server.addBean(timeouts);
        connector = new LocalConnector(server, RequestIntake.connectionFactory(http, timeouts, methods));
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String seen = request.getMethod() + " " + request.getHttpURI().getPathQuery() + " host="
                        + request.getHeaders().get(HttpHeader.HOST) + " server=" + Request.getServerName(request)
                        + " protocol=" + request.getConnectionMetaData().getProtocol();
                handled.add(seen);
                response.write(true, ByteBuffer.wrap(seen.getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        });
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) server.stop();
    }

    private HttpTester.Response send(String head) throws Exception {
        return HttpTester.parseResponse(connector.getResponse(head));
    }

    @Test
    void aHigherMinorVersionIsServedAsHttp11() throws Exception {
        start(RegisteredMethods.any());
        HttpTester.Response r = send("GET /v HTTP/1.2\r\nHost: a\r\n\r\n");
        assertThat(r.getStatus()).isEqualTo(200);
        assertThat(r.getContent()).isEqualTo("GET /v host=a server=a protocol=HTTP/1.1");
        // Kept alive as HTTP/1.1 is: a second request on the connection is served too.
        LocalConnector.LocalEndPoint both = connector.executeRequest("GET /1 HTTP/1.9\r\nHost: a\r\n\r\n"
                + "GET /2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertThat(both.getResponse()).contains("GET /1 host=a");
        assertThat(both.getResponse()).contains("GET /2 host=a");
    }

    @Test
    void anotherMajorVersionInHttp11SyntaxGets505AndTheConnectionCloses() throws Exception {
        start(RegisteredMethods.any());
        for (String version : List.of("HTTP/2.0", "HTTP/3.0", "HTTP/0.9")) {
            // The request after it on the connection is never read.
            LocalConnector.LocalEndPoint endPoint = connector.executeRequest("GET /v " + version
                    + "\r\nHost: a\r\n\r\nGET /after HTTP/1.1\r\nHost: a\r\n\r\n");
            HttpTester.Response r = HttpTester.parseResponse(endPoint.getResponse());
            assertThat(r.getStatus()).as(version).isEqualTo(505);
            endPoint.waitUntilClosedOrIdleFor(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(endPoint.isOpen()).as(version + ": connection closed").isFalse();
        }
        assertThat(handled).isEmpty();
    }

    @Test
    void theAbsoluteFormTargetsAuthorityReplacesHost() throws Exception {
        start(RegisteredMethods.any());
        HttpTester.Response r = send("GET http://app.example:8080/p?q=1 HTTP/1.1\r\nHost: other.example\r\n\r\n");
        assertThat(r.getStatus()).isEqualTo(200);
        assertThat(r.getContent()).isEqualTo("GET /p?q=1 host=app.example:8080 server=app.example protocol=HTTP/1.1");
        r = send("GET http://[::1]/ HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(r.getContent()).isEqualTo("GET / host=[::1] server=[::1] protocol=HTTP/1.1");
    }

    @Test
    void refusesNumericHostTricksAndOtherUnclearHostsInTheTargetAndInHost() throws Exception {
        start(RegisteredMethods.any());
        List<String> hosts = List.of("0x7f.0.0.1", "0x7f000001", "0177.0.0.1", "2130706433", "127.1",
                "127.000.000.001", "127.0.0.01", "1.2.3.4.5", "%6c%6f%63%61%6c%68%6f%73%74", "local%2ehost",
                "::1", "::1:80", "[v1.x]", "[fe80::1%25eth0]", "a..b", "a b.example", "a\\b", "host:99999", "host:8x",
                "user@host");
        for (String host : hosts) {
            String withHost = "GET /h HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
            String inTarget = "GET http://" + host + "/h HTTP/1.1\r\nHost: localhost\r\n\r\n";
            assertThat(send(withHost).getStatus()).as("Host: " + host).isEqualTo(400);
            assertThat(send(inTarget).getStatus()).as("target http://" + host + "/").isEqualTo(400);
        }
        assertThat(handled).isEmpty();
    }

    @Test
    void servesTheHostFormsEveryParserReadsAlike() throws Exception {
        start(RegisteredMethods.any());
        for (String host : List.of("localhost", "127.0.0.1", "10.0.0.255:8000", "[::1]", "[::1]:8080", "Example.COM.",
                "internal_name.corp", "a-b.example:80", "0.0.0.0", "www.1example.com", "0x.example", "0.0.0.0=5000")) {
            assertThat(send("GET /h HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getStatus()).as(host).isEqualTo(200);
        }
    }

    @Test
    void refusesAnAbsoluteFormTargetThatIsNotHttp() throws Exception {
        start(RegisteredMethods.any());
        assertThat(send("GET ftp://localhost/x HTTP/1.1\r\nHost: localhost\r\n\r\n").getStatus()).isEqualTo(400);
        assertThat(send("GET https://localhost/x HTTP/1.1\r\nHost: localhost\r\n\r\n").getStatus()).isEqualTo(200);
        assertThat(handled).hasSize(1);
    }

    @Test
    void registeredMethodsRefuseOthersWith501BeforeTheHandler() throws Exception {
        Set<String> methods = new LinkedHashSet<>(RegisteredMethods.APACHE);
        methods.add("MKCALENDAR");
        start(new RegisteredMethods(methods));
        assertThat(send("BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n").getStatus()).isEqualTo(501);
        assertThat(send("get /x HTTP/1.1\r\nHost: a\r\n\r\n").getStatus()).isEqualTo(501); // methods are case-sensitive
        assertThat(handled).isEmpty();
        assertThat(connector.getResponse("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n", true, 5,
                java.util.concurrent.TimeUnit.SECONDS)).startsWith("HTTP/1.1 200");
        for (String method : List.of("GET", "POST", "PROPFIND", "PATCH", "MKCALENDAR")) {
            assertThat(send(method + " /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n").getStatus())
                    .as(method).isEqualTo(200);
        }
    }

    @Test
    void withoutRegisteredMethodsEveryTokenMethodReachesTheHandler() throws Exception {
        start(RegisteredMethods.any());
        assertThat(send("MKCALENDAR /cal HTTP/1.1\r\nHost: a\r\n\r\n").getStatus()).isEqualTo(200);
        assertThat(send("BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n").getStatus()).isEqualTo(200);
    }
}
