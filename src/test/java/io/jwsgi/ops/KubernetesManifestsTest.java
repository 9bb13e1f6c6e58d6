package io.jwsgi.ops;

import static io.jwsgi.config.StartServerSettings.ALL;
import static io.jwsgi.config.StartServerSettings.DRAIN_DELAY;
import static io.jwsgi.config.StartServerSettings.ENABLE_METRICS;
import static io.jwsgi.config.StartServerSettings.HEALTH_CHECK_PATH;
import static io.jwsgi.config.StartServerSettings.HOST;
import static io.jwsgi.config.StartServerSettings.METRICS_PATH;
import static io.jwsgi.config.StartServerSettings.PORT;
import static io.jwsgi.config.StartServerSettings.SHUTDOWN_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.config.Arguments;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The examples/kubernetes manifests agree with the server they run: every port, path and timeout in them is read
 * back from the container's own arguments, parsed by the server's own parser.
 */
class KubernetesManifestsTest {
    static final Path DIR = Path.of("examples/kubernetes");

    Map<String, Object> deployment;
    Map<String, Object> service;
    Map<String, Object> pod;
    Map<String, Object> container;
    Arguments args;

    @BeforeEach
    void read() throws IOException {
        List<Map<String, Object>> documents = new ArrayList<>();
        for (String file : List.of("deployment.yaml", "service.yaml")) {
            try (Reader in = Files.newBufferedReader(DIR.resolve(file))) {
                for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(in)) {
                    documents.add(map(doc));
                }
            }
        }
        deployment = documents.stream().filter(d -> "Deployment".equals(d.get("kind"))).findFirst().orElseThrow();
        service = documents.stream().filter(d -> "Service".equals(d.get("kind"))).findFirst().orElseThrow();
        pod = map(at(deployment, "spec", "template", "spec"));
        List<Object> containers = list(pod.get("containers"));
        assertThat(containers).hasSize(1);
        container = map(containers.getFirst());
        List<String> words = list(container.get("args")).stream().map(String::valueOf).toList();
        assertThat(words.getFirst()).isEqualTo("start-server");
        args = Arguments.parse(ALL, words.subList(1, words.size())); // fails on a flag or value the server refuses
    }

    @Test
    void theContainerListensOnItsDeclaredPortOnEveryInterface() {
        assertThat(args.value(HOST)).isEqualTo("0.0.0.0");
        Map<String, Object> port = map(list(container.get("ports")).getFirst());
        assertThat(port.get("containerPort")).isEqualTo(args.value(PORT));
    }

    @Test
    void everyProbeAsksTheHealthCheckOnTheServersPort() {
        String health = args.value(HEALTH_CHECK_PATH);
        assertThat(health).isNotNull();
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            Map<String, Object> get = map(at(container, probe, "httpGet"));
            assertThat(get.get("path")).as(probe).isEqualTo(health);
            assertThat(containerPort(get.get("port"))).as(probe).isEqualTo(args.value(PORT));
        }
    }

    @Test
    void theGracePeriodCoversThePreStopHookTheDrainAndTheShutdownTimeout() {
        Duration preStop = Duration.ofSeconds(((Number) at(container, "lifecycle", "preStop", "sleep", "seconds"))
                .longValue());
        Duration drain = args.value(DRAIN_DELAY);
        Duration shutdown = args.value(SHUTDOWN_TIMEOUT);
        // +1 s: the least the workers get to exit after the front end (docs/lifecycle.md).
        Duration needed = preStop.plus(drain).plus(shutdown).plusSeconds(1);
        Duration grace = Duration.ofSeconds(((Number) pod.get("terminationGracePeriodSeconds")).longValue());
        assertThat(grace).isGreaterThanOrEqualTo(needed);

        // The readiness probe sees the drain's 503 before the drain delay is over...
        assertThat(probeWindow("readinessProbe")).isLessThanOrEqualTo(drain);
        // ...and the liveness probe does not restart a pod for draining.
        assertThat(probeWindow("livenessProbe")).isGreaterThan(drain.plus(shutdown));
    }

    @Test
    void prometheusScrapesTheMetricsPathOnTheServersPort() {
        assertThat(args.isGiven(ENABLE_METRICS)).isTrue();
        Map<String, Object> annotations = map(at(deployment, "spec", "template", "metadata", "annotations"));
        assertThat(annotations.get("prometheus.io/scrape")).isEqualTo("true");
        assertThat(annotations.get("prometheus.io/path")).isEqualTo(args.value(METRICS_PATH));
        assertThat(annotations.get("prometheus.io/port")).isEqualTo(Integer.toString(args.value(PORT)));
    }

    @Test
    void theServiceSendsToThePodsOfTheDeploymentOnTheServersPort() {
        Map<String, Object> selector = map(at(service, "spec", "selector"));
        Map<String, Object> labels = map(at(deployment, "spec", "template", "metadata", "labels"));
        assertThat(labels).containsAllEntriesOf(selector);
        assertThat(map(at(deployment, "spec", "selector", "matchLabels"))).isEqualTo(selector);
        for (Object p : list(at(service, "spec", "ports"))) {
            assertThat(containerPort(map(p).get("targetPort"))).isEqualTo(args.value(PORT));
        }
    }

    /** How long a probe takes to act: its period times its failure threshold (Kubernetes' defaults 10 and 3). */
    private Duration probeWindow(String probe) {
        Map<String, Object> p = map(container.get(probe));
        long period = ((Number) p.getOrDefault("periodSeconds", 10)).longValue();
        long failures = ((Number) p.getOrDefault("failureThreshold", 3)).longValue();
        return Duration.ofSeconds(period * failures);
    }

    /** A port given by number or by the name of one of the container's ports. */
    private int containerPort(Object port) {
        if (port instanceof Number n) return n.intValue();
        for (Object p : list(container.get("ports"))) {
            if (port.equals(map(p).get("name"))) return ((Number) map(p).get("containerPort")).intValue();
        }
        throw new AssertionError("no container port named " + port);
    }

    private static Object at(Map<String, Object> root, String... keys) {
        Object node = root;
        for (String key : keys) {
            assertThat(node).as("at %s", key).isInstanceOf(Map.class);
            node = map(node).get(key);
            assertThat(node).as("missing %s", key).isNotNull();
        }
        return node;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object node) {
        return (Map<String, Object>) node;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object node) {
        return (List<Object>) node;
    }
}
