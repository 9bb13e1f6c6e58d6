package io.jwsgi.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** --max-clients on a real Jetty server: requests over the limit wait their turn, and give up with 503. */
class MaxClientsTest {
    /** Requests the application holds until the test answers them. */
    private final LinkedBlockingQueue<Runnable> held = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<String> started = new LinkedBlockingQueue<>();
    private Server server;
    private MaxClients maxClients;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private String start(int max, Duration maxSuspend) throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        Handler app = new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String id = request.getHttpURI().getQuery().substring(3); // "id=…"
                started.add(id);
                held.add(() -> response.write(true, ByteBuffer.wrap(id.getBytes(StandardCharsets.UTF_8)), callback));
                return true;
            }
        };
        maxClients = new MaxClients(max, maxSuspend, Runnable::run, app);
        server.setHandler(maxClients);
        server.start();
        return "http://127.0.0.1:" + connector.getLocalPort() + "/?id=";
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) server.stop();
    }

    private CompletableFuture<HttpResponse<String>> get(String url) {
        return client.sendAsync(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aRequestOverTheLimitWaitsAndTakesThePlaceOfTheOneThatCompletes() throws Exception {
        String url = start(1, Duration.ofSeconds(30));
        CompletableFuture<HttpResponse<String>> first = get(url + "a");
        assertThat(started.poll(5, TimeUnit.SECONDS)).isEqualTo("a");
        CompletableFuture<HttpResponse<String>> second = get(url + "b");
        assertThat(started.poll(500, TimeUnit.MILLISECONDS)).isNull(); // waiting: the one place is taken
        held.take().run();
        assertThat(first.get(5, TimeUnit.SECONDS).body()).isEqualTo("a");
        assertThat(started.poll(5, TimeUnit.SECONDS)).isEqualTo("b");
        held.take().run();
        assertThat(second.get(5, TimeUnit.SECONDS).body()).isEqualTo("b");
        assertThat(maxClients.active()).isZero();
    }

    @Test
    void aRequestWaitingLongerThanMaxSuspendGets503AndTheNextOneStillGetsItsTurn() throws Exception {
        String url = start(1, Duration.ofMillis(300));
        CompletableFuture<HttpResponse<String>> first = get(url + "a");
        assertThat(started.poll(5, TimeUnit.SECONDS)).isEqualTo("a");
        HttpResponse<String> refused = get(url + "b").get(10, TimeUnit.SECONDS);
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(started).doesNotContain("b"); // never reached the application
        held.take().run();
        assertThat(first.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        CompletableFuture<HttpResponse<String>> third = get(url + "c");
        assertThat(started.poll(5, TimeUnit.SECONDS)).isEqualTo("c");
        held.take().run();
        assertThat(third.get(5, TimeUnit.SECONDS).body()).isEqualTo("c");
    }

    @Test
    void waitingRequestsAreServedInArrivalOrder() throws Exception {
        String url = start(1, Duration.ofSeconds(30));
        CompletableFuture<HttpResponse<String>> first = get(url + "a");
        assertThat(started.poll(5, TimeUnit.SECONDS)).isEqualTo("a");
        CompletableFuture<HttpResponse<String>> second = get(url + "b");
        Thread.sleep(200);
        CompletableFuture<HttpResponse<String>> third = get(url + "c");
        Thread.sleep(200);
        held.take().run();
        assertThat(started.poll(5, TimeUnit.SECONDS)).isEqualTo("b");
        held.take().run();
        assertThat(started.poll(5, TimeUnit.SECONDS)).isEqualTo("c");
        held.take().run();
        assertThat(first.get(5, TimeUnit.SECONDS).body()).isEqualTo("a");
        assertThat(second.get(5, TimeUnit.SECONDS).body()).isEqualTo("b");
        assertThat(third.get(5, TimeUnit.SECONDS).body()).isEqualTo("c");
    }
}
