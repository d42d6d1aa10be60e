package org.mambats.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker/compose.yaml through a real Compose implementation ({@code config} parses, validates against the Compose
 * schema and interpolates, no engine needed), then the normalised result: the services, the start order, the health
 * checks, the two stream instances, and that the secrets come from the environment file and nowhere else.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES) // the first run on a fresh machine installs docker-compose
class ComposeConfigTest {
    static final Set<String> SERVICES = Set.of("kafka", "timescaledb", "train", "publish", "stream-1", "stream-2", "sink",
            "service", "grafana");

    static ComposeCli compose;
    static ComposeFile normalised;
    static Map<String, String> example;

    @BeforeAll
    static void validate() throws Exception {
        Optional<ComposeCli> cli = ComposeCli.findOrInstall();
        assumeTrue(cli.isPresent(), ComposeCli.unavailableReason());
        compose = cli.get();
        example = EnvFile.read(ComposeFile.ENV_EXAMPLE);
        ComposeCli.Result r = config(ComposeFile.COMPOSE_YAML, ComposeFile.ENV_EXAMPLE);
        assertEquals(0, r.exitCode(), compose.name() + " config rejected docker/compose.yaml:\n" + r.stderr());
        normalised = ComposeFile.parse(r.stdout());
    }

    /**
     * {@code config} of {@code file} with only {@code envFile} for its variables: the ones this shell may have set
     * (a developer's MAMBA_TS_BOOTSTRAP, a real password) are taken out, since Compose prefers them to the file.
     */
    static ComposeCli.Result config(Path file, Path envFile) throws IOException, InterruptedException {
        Map<String, String> env = new HashMap<>();
        Interpolation.references(Files.readString(file)).forEach(r -> env.put(r.name(), null));
        return compose.run(List.of("--env-file", envFile.toString(), "-f", file.toString(), "config"), env);
    }

    @Test
    void everyServiceIsThereAndTheStreamRunsTwice() {
        assertEquals(new TreeSet<>(SERVICES), new TreeSet<>(normalised.services().keySet()));
        JsonNode one = normalised.service("stream-1");
        JsonNode two = normalised.service("stream-2");
        assertEquals(List.of("stream"), ComposeFile.command(one));
        assertEquals(List.of("stream"), ComposeFile.command(two));
        // One consumer group, so the partitions are shared; each instance keeps its own state.
        String id = ComposeFile.environment(one).get("MAMBA_TS_APPLICATION_ID");
        assertTrue(id != null && !id.isBlank());
        assertEquals(id, ComposeFile.environment(two).get("MAMBA_TS_APPLICATION_ID"));
        String stateDir = ComposeFile.environment(one).get("MAMBA_TS_STATE_DIR");
        assertEquals(stateDir, ComposeFile.environment(two).get("MAMBA_TS_STATE_DIR"));
        assertNotEquals(volumeAt(one, stateDir), volumeAt(two, stateDir));
        assertEquals("checkpoint", volumeAt(one, "/var/lib/mamba-ts/checkpoint"));
        assertEquals("checkpoint", volumeAt(normalised.service("train"), ComposeFile.environment(normalised.service("train")).get("MAMBA_TS_OUT")));
        for (String mambaTs : List.of("train", "publish", "stream-1", "stream-2", "sink", "service")) {
            assertTrue(ComposeFile.runsMambaTs(normalised.service(mambaTs)), mambaTs + " is built from docker/Dockerfile");
        }
    }

    @Test
    void servicesStartInOrderOnceWhatTheyNeedIsHealthy() {
        assertDependsOn("stream-1", Map.of("kafka", "service_healthy", "train", "service_completed_successfully"));
        assertDependsOn("stream-2", Map.of("kafka", "service_healthy", "train", "service_completed_successfully"));
        assertDependsOn("sink", Map.of("kafka", "service_healthy", "timescaledb", "service_healthy"));
        assertDependsOn("service", Map.of("kafka", "service_healthy", "timescaledb", "service_healthy"));
        assertDependsOn("publish", Map.of("kafka", "service_healthy", "stream-1", "service_started"));
        assertDependsOn("grafana", Map.of("timescaledb", "service_healthy"));
        for (String s : List.of("kafka", "timescaledb", "service", "grafana")) {
            JsonNode test = normalised.service(s).path("healthcheck").path("test");
            assertTrue(test.isArray() && test.size() > 1, s + " has a health check: " + test);
        }
        // The one-shot steps must not be restarted after they finished.
        assertEquals("no", normalised.service("train").path("restart").asText());
        assertEquals("no", normalised.service("publish").path("restart").asText());
    }

    @Test
    void theSecretsComeFromTheEnvironmentFile() {
        String url = ComposeFile.environment(normalised.service("sink")).get("MAMBA_TS_JDBC_URL");
        assertEquals("jdbc:postgresql://timescaledb:5432/mambats?user=mambats&password=" + example.get("POSTGRES_PASSWORD"), url);
        assertEquals(url, ComposeFile.environment(normalised.service("service")).get("MAMBA_TS_JDBC_URL"));
        assertEquals(example.get("POSTGRES_PASSWORD"), ComposeFile.environment(normalised.service("timescaledb")).get("POSTGRES_PASSWORD"));
        assertEquals(example.get("GRAFANA_ADMIN_PASSWORD"),
                ComposeFile.environment(normalised.service("grafana")).get("GF_SECURITY_ADMIN_PASSWORD"));
        // The service listens on every interface of its container, so it needs its token (serve refuses otherwise).
        assertEquals("0.0.0.0", ComposeFile.environment(normalised.service("service")).get("MAMBA_TS_HOST"));
        assertEquals(example.get("API_TOKEN"), ComposeFile.environment(normalised.service("service")).get("MAMBA_TS_API_TOKEN"));
    }

    @Test
    void withoutTheSecretsTheStackDoesNotStart(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.env"), "# no secrets\n");
        ComposeCli.Result r = config(ComposeFile.COMPOSE_YAML, empty);
        assertNotEquals(0, r.exitCode(), "a stack without passwords must not validate:\n" + r.stdout());
        assertTrue(r.stderr().contains("POSTGRES_PASSWORD") || r.stderr().contains("GRAFANA_"), r.stderr());
    }

    @Test
    void theValidatorRejectsABrokenFile(@TempDir Path dir) throws Exception {
        // A copy elsewhere needs the build context and bind mounts as absolute paths; the copy itself must pass,
        // the same copy with one mistake must not.
        String yaml = Files.readString(ComposeFile.COMPOSE_YAML)
                .replace("context: ..", "context: " + ComposeFile.DOCKER_DIR.getParent())
                .replace("./timescaledb/", ComposeFile.DOCKER_DIR + "/timescaledb/")
                .replace("./grafana/", ComposeFile.DOCKER_DIR + "/grafana/");
        Path good = Files.writeString(dir.resolve("good.yaml"), yaml);
        ComposeCli.Result control = config(good, ComposeFile.ENV_EXAMPLE);
        assertEquals(0, control.exitCode(), control.stderr());
        String broken = yaml.replaceFirst("condition: service_completed_successfully", "condition: service_finished");
        assertNotEquals(yaml, broken);
        ComposeCli.Result r = config(Files.writeString(dir.resolve("broken.yaml"), broken), ComposeFile.ENV_EXAMPLE);
        assertNotEquals(0, r.exitCode(), "an unknown depends_on condition must be rejected:\n" + r.stdout());
        String unknownKey = yaml.replaceFirst("    healthcheck:\n", "    healthcheck:\n      every: 10s\n");
        assertNotEquals(yaml, unknownKey);
        ComposeCli.Result r2 = config(Files.writeString(dir.resolve("unknown-key.yaml"), unknownKey), ComposeFile.ENV_EXAMPLE);
        assertNotEquals(0, r2.exitCode(), "an unknown health check key must be rejected:\n" + r2.stdout());
    }

    private static void assertDependsOn(String service, Map<String, String> expected) {
        JsonNode deps = normalised.service(service).path("depends_on");
        Map<String, String> actual = new HashMap<>();
        deps.fields().forEachRemaining(e -> actual.put(e.getKey(), e.getValue().path("condition").asText()));
        assertEquals(expected, actual, service + " depends_on");
    }

    /** The volume mounted at {@code target} in a normalised service (short "src:dst[:mode]" or long form). */
    private static String volumeAt(JsonNode service, String target) {
        for (JsonNode v : service.path("volumes")) {
            if (v.isTextual()) {
                String[] parts = v.asText().split(":");
                if (parts.length >= 2 && parts[1].equals(target)) {
                    return parts[0];
                }
            } else if (v.path("target").asText().equals(target)) {
                return v.path("source").asText();
            }
        }
        return fail("nothing mounted at " + target + " in " + service);
    }
}
