package io.jwsgi.drain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Connection: close while draining, in memory on Jetty's LocalConnector. */
class DrainHandlerTest {
    Server server;
    LocalConnector connector;
    Drain drain;

    @BeforeEach
    void start() throws Exception {
        server = new Server();
        connector = new LocalConnector(server);
        server.addConnector(connector);
        drain = new Drain(Duration.ZERO, Duration.ofSeconds(1));
        server.setHandler(new DrainHandler(drain, new Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, Response response, Callback callback) {
                response.write(true, java.nio.ByteBuffer.wrap("ok".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                        callback);
                return true;
            }
        }));
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    private static final String TWO_REQUESTS = "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n";

    @Test
    void beforeTheDrainConnectionsAreKeptAlive() throws Exception {
        LocalConnector.LocalEndPoint client = connector.executeRequest(TWO_REQUESTS);
        for (String raw : new String[] {client.getResponse(), client.getResponse()}) { // both, on the one connection
            HttpTester.Response response = HttpTester.parseResponse(raw);
            assertThat(response.getStatus()).isEqualTo(200);
            assertThat(response.get(HttpHeader.CONNECTION)).isNull();
        }
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void whileDrainingAResponseClosesItsConnectionSoAPipelinedRequestIsNotAnswered() throws Exception {
        drain.begin(); // the first step of Drain.drain; the listener part is not needed here
        LocalConnector.LocalEndPoint client = connector.executeRequest(TWO_REQUESTS);
        client.waitUntilClosed();
        String raw = client.takeOutputString();
        HttpTester.Response first = HttpTester.parseResponse(raw);
        assertThat(first.getStatus()).isEqualTo(200);
        assertThat(first.get(HttpHeader.CONNECTION)).isEqualTo("close");
        assertThat(raw.split("HTTP/1.1 200", -1)).hasSize(2); // the second request went unanswered
    }
}
