package org.mambats.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A Compose file as a tree: docker/compose.yaml as written, or the normalised form `docker compose config` prints. */
final class ComposeFile {
    /** The repository's docker/ folder (tests run in the forecast-service module folder). */
    static final Path DOCKER_DIR = Path.of("..", "docker").toAbsolutePath().normalize();
    static final Path COMPOSE_YAML = DOCKER_DIR.resolve("compose.yaml");
    static final Path ENV_EXAMPLE = DOCKER_DIR.resolve(".env.example");
    static final String MAMBA_TS_DOCKERFILE = "docker/Dockerfile";

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final JsonNode root;

    private ComposeFile(JsonNode root) {
        this.root = root;
    }

    static ComposeFile read(Path file) throws IOException {
        return parse(Files.readString(file));
    }

    static ComposeFile parse(String yaml) throws IOException {
        JsonNode root = YAML.readTree(yaml);
        if (root == null || !root.path("services").isObject()) {
            throw new IOException("not a Compose file: no services");
        }
        return new ComposeFile(root);
    }

    JsonNode root() {
        return root;
    }

    Map<String, JsonNode> services() {
        Map<String, JsonNode> services = new LinkedHashMap<>();
        root.path("services").fields().forEachRemaining(e -> services.put(e.getKey(), e.getValue()));
        return services;
    }

    JsonNode service(String name) {
        JsonNode s = root.path("services").path(name);
        if (s.isMissingNode()) {
            throw new AssertionError("no service " + name + " in the Compose file");
        }
        return s;
    }

    /** Whether a service runs the mamba-ts image: it is built from docker/Dockerfile. */
    static boolean runsMambaTs(JsonNode service) {
        return service.path("build").path("dockerfile").asText("").endsWith(MAMBA_TS_DOCKERFILE);
    }

    /** The command a service runs, as a list (Compose allows a list or one string split at spaces). */
    static List<String> command(JsonNode service) {
        JsonNode c = service.path("command");
        List<String> out = new ArrayList<>();
        if (c.isArray()) {
            c.forEach(n -> out.add(n.asText()));
        } else if (c.isTextual()) {
            out.addAll(Arrays.asList(c.asText().trim().split("\\s+")));
        }
        return out;
    }

    /** The environment a service sets, from either Compose form: a mapping, or a list of NAME=value. */
    static Map<String, String> environment(JsonNode service) {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode e = service.path("environment");
        if (e.isObject()) {
            e.fields().forEachRemaining(f -> env.put(f.getKey(), f.getValue().isNull() ? null : f.getValue().asText()));
        } else if (e.isArray()) {
            e.forEach(item -> {
                String s = item.asText();
                int eq = s.indexOf('=');
                env.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? null : s.substring(eq + 1));
            });
        }
        return env;
    }
}
