package org.mambats.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.mambats.cli.EnvironmentDefaults;
import org.mambats.cli.MambaTs;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The configuration in docker/compose.yaml against the code that reads it, without Docker: every variable a mamba-ts
 * container gets is an option of the command it runs (MAMBA_TS_FOO_BAR for --foo-bar) or one the launcher reads,
 * the command line it gets parses with them, and no secret is written into the stack's files.
 */
class ComposeEnvironmentTest {
    static final Path LAUNCHER = Path.of("..", "mamba-ts");
    static final Path DOCKERFILE = ComposeFile.DOCKER_DIR.resolve("Dockerfile");
    static final Path DATASOURCE = ComposeFile.DOCKER_DIR.resolve("grafana/provisioning/datasources/timescaledb.yaml");
    static final Pattern SECRET_NAME = Pattern.compile("(?i)PASSWORD|SECRET|TOKEN");

    @TestFactory
    Stream<DynamicTest> everyVariableOfAMambaTsServiceIsReadByItsCommandOrTheLauncher() throws IOException {
        ComposeFile compose = ComposeFile.read(ComposeFile.COMPOSE_YAML);
        Map<String, String> secrets = EnvFile.read(ComposeFile.ENV_EXAMPLE);
        Set<String> launcherVariables = launcherVariables();
        List<DynamicTest> tests = new ArrayList<>();
        compose.services().forEach((name, service) -> {
            if (ComposeFile.runsMambaTs(service)) {
                tests.add(DynamicTest.dynamicTest(name, () -> checkService(name, service, secrets, launcherVariables)));
            }
        });
        assertTrue(tests.size() >= 6, "the mamba-ts services are found: " + tests.size());
        return tests.stream();
    }

    private static void checkService(String name, JsonNode service, Map<String, String> secrets, Set<String> launcherVariables) {
        List<String> command = ComposeFile.command(service);
        assertFalse(command.isEmpty(), name + " has a command");
        CommandLine cli = MambaTs.commandLine();
        CommandLine sub = cli.getSubcommands().get(command.get(0));
        if (sub == null) {
            fail(name + " runs `" + command.get(0) + "`, which is not a mamba-ts command: " + cli.getSubcommands().keySet());
        }
        Map<String, String> optionVariables = new LinkedHashMap<>();
        for (OptionSpec option : sub.getCommandSpec().options()) {
            if (option.usageHelp() || option.versionHelp()) {
                continue; // never read from the environment
            }
            optionVariables.put(EnvironmentDefaults.variableOf(option), option.longestName());
        }
        Map<String, String> resolved = new LinkedHashMap<>();
        ComposeFile.environment(service).forEach((variable, value) -> {
            if (variable.startsWith(EnvironmentDefaults.PREFIX) && !launcherVariables.contains(variable)) {
                assertTrue(optionVariables.containsKey(variable), name + ": " + variable + " is not an option of `mamba-ts "
                        + command.get(0) + "`; its variables are " + new TreeSet<>(optionVariables.keySet()));
            } else {
                assertTrue(launcherVariables.contains(variable), name + ": " + variable + " is read by neither `mamba-ts "
                        + command.get(0) + "` nor the launcher (which reads " + launcherVariables + ")");
            }
            resolved.put(variable, value == null ? null : Interpolation.resolve(value, secrets));
        });
        // The command line the container runs, with these variables and the tunables' defaults, must parse: required
        // options present, every value of the right type.
        List<String> args = command.stream().map(a -> Interpolation.resolve(a, secrets)).toList();
        CommandLine configured = EnvironmentDefaults.install(MambaTs.commandLine(), resolved);
        try {
            configured.parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            fail(name + ": `mamba-ts " + String.join(" ", args) + "` with " + resolved.keySet() + " does not parse: " + e.getMessage());
        }
    }

    @Test
    void theLaunchersOwnVariablesAreNoOptionsVariables() throws IOException {
        Set<String> launcher = launcherVariables();
        assertTrue(launcher.containsAll(Set.of("JAVA_OPTS", "MAMBA_TS_NO_BUILD", "OMP_WAIT_POLICY")), launcher.toString());
        for (Map.Entry<String, CommandLine> sub : MambaTs.commandLine().getSubcommands().entrySet()) {
            for (OptionSpec option : sub.getValue().getCommandSpec().options()) {
                assertFalse(launcher.contains(EnvironmentDefaults.variableOf(option)),
                        sub.getKey() + " " + option.longestName() + " would read the launcher's " + EnvironmentDefaults.variableOf(option));
            }
        }
    }

    @Test
    void noSecretIsWrittenIntoTheStack() throws IOException {
        ComposeFile compose = ComposeFile.read(ComposeFile.COMPOSE_YAML);
        Set<String> required = new TreeSet<>();
        compose.services().forEach((name, service) -> ComposeFile.environment(service).forEach((variable, value) -> {
            String v = value == null ? "" : value;
            if (SECRET_NAME.matcher(variable).find()) {
                assertSecretReference(name + " " + variable, v);
                required.add(Interpolation.references(v).get(0).name());
            }
            int password = v.indexOf("password=");
            if (password >= 0) {
                assertSecretReference(name + " " + variable + " (password in the URL)", v.substring(password + "password=".length()));
                required.add(Interpolation.references(v.substring(password)).get(0).name());
            }
        }));
        assertEquals(Set.of("POSTGRES_PASSWORD", "GRAFANA_DB_PASSWORD", "GRAFANA_ADMIN_PASSWORD", "API_TOKEN"), required);
        // Each secret is named in the example file, and the real file stays out of git.
        assertTrue(EnvFile.read(ComposeFile.ENV_EXAMPLE).keySet().containsAll(required), "docker/.env.example lists " + required);
        assertTrue(Files.readAllLines(Path.of("..", ".gitignore")).contains("/docker/.env"), ".gitignore has /docker/.env");
        // Grafana's data source takes its password from Grafana's environment.
        JsonNode datasource = ComposeFile.YAML.readTree(DATASOURCE.toFile()).path("datasources").get(0);
        assertEquals("$GRAFANA_DB_PASSWORD", datasource.path("secureJsonData").path("password").asText());
        // The image: no ENV or ARG carries a password or a database URL.
        for (String line : Files.readAllLines(DOCKERFILE)) {
            String t = line.trim();
            if (t.startsWith("ENV") || t.startsWith("ARG")) {
                assertFalse(SECRET_NAME.matcher(t).find() || t.contains("jdbc:"), "Dockerfile: " + line);
            }
        }
    }

    @Test
    void thePathsTheServicesUseAreVolumesInDirectoriesTheImageGivesItsUser() throws IOException {
        // A named volume mounted where the image has no directory belongs to root, and the non-root user cannot write.
        String runtimeStage = Files.readString(DOCKERFILE).split("(?m)^FROM ")[2];
        Matcher mkdir = Pattern.compile("mkdir -p ([^&\\n]+)").matcher(runtimeStage);
        assertTrue(mkdir.find(), "the runtime stage creates the data directories");
        Set<String> created = new TreeSet<>();
        for (String path : mkdir.group(1).trim().split("\\s+")) {
            if (path.startsWith("/")) {
                created.add(path); // not the line continuation
            }
        }
        Matcher chown = Pattern.compile("chown -R mamba (\\S+)").matcher(runtimeStage);
        assertTrue(chown.find(), "the runtime stage gives the data directories to its user");
        String owned = chown.group(1);
        ComposeFile compose = ComposeFile.read(ComposeFile.COMPOSE_YAML);
        int checked = 0;
        for (Map.Entry<String, JsonNode> e : compose.services().entrySet()) {
            if (!ComposeFile.runsMambaTs(e.getValue())) {
                continue;
            }
            Set<String> mounted = new TreeSet<>();
            for (JsonNode v : e.getValue().path("volumes")) {
                String target = v.asText().split(":")[1];
                assertTrue(created.contains(target) && target.startsWith(owned + "/"),
                        e.getKey() + " mounts a volume at " + target + ", which the image does not create for its user: " + created);
                mounted.add(target);
            }
            for (Map.Entry<String, String> env : ComposeFile.environment(e.getValue()).entrySet()) {
                if (env.getValue() != null && env.getValue().startsWith(owned + "/")) {
                    assertTrue(mounted.contains(env.getValue()), e.getKey() + " " + env.getKey() + "=" + env.getValue()
                            + " is not a volume of the service, so it would not outlive the container: " + mounted);
                    checked++;
                }
            }
        }
        assertEquals(5, checked, "train --out, and --checkpoint and --state-dir of both streams");
    }

    /** The value (or its start) must be a reference to a variable without a default: the secret comes from outside. */
    private static void assertSecretReference(String where, String value) {
        List<Interpolation.Reference> refs = Interpolation.references(value);
        assertFalse(refs.isEmpty(), where + " is a literal, not a ${VARIABLE}: " + value);
        assertTrue(value.startsWith("${" + refs.get(0).name()), where + " does not start with the reference: " + value);
        assertFalse(refs.get(0).hasDefault(), where + " has a default value in the file: " + value);
        assertTrue(refs.get(0).required(), where + " should be ${NAME:?message}, so a missing secret stops the stack: " + value);
    }

    /** The variables the launcher script reads: every ${NAME...} in it. */
    static Set<String> launcherVariables() throws IOException {
        Matcher m = Pattern.compile("\\$\\{([A-Z_][A-Z0-9_]*)(?::?[-=?+][^}]*)?}").matcher(Files.readString(LAUNCHER));
        Set<String> names = new TreeSet<>();
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
