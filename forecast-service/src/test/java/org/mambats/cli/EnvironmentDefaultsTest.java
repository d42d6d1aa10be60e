package org.mambats.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Options read from MAMBA_TS_* variables: the naming rule, the precedence, and that every command gets them. */
class EnvironmentDefaultsTest {

    private static CommandLine cli(Map<String, String> env) {
        return EnvironmentDefaults.install(MambaTs.commandLine(), env);
    }

    /** The value of {@code option} in {@code command} after parsing {@code args} (a subcommand and its options). */
    private static Object parsed(CommandLine cli, String command, String option, String... args) {
        CommandLine.ParseResult result = cli.parseArgs(args);
        assertEquals(command, result.subcommand().commandSpec().name());
        return result.subcommand().commandSpec().findOption(option).getValue();
    }

    @Test
    void theVariableIsTheLongestNameInUpperCaseWithUnderscores() {
        CommandLine cli = MambaTs.commandLine();
        CommandSpec sink = cli.getSubcommands().get("sink").getCommandSpec();
        assertEquals("MAMBA_TS_BOOTSTRAP", EnvironmentDefaults.variableOf(sink.findOption("--bootstrap")));
        assertEquals("MAMBA_TS_JDBC_URL", EnvironmentDefaults.variableOf(sink.findOption("--jdbc-url")));
        assertEquals("MAMBA_TS_KAFKA_CONFIG", EnvironmentDefaults.variableOf(sink.findOption("--kafka-config")));
        CommandSpec stream = cli.getSubcommands().get("stream").getCommandSpec();
        assertEquals("MAMBA_TS_COMMIT_INTERVAL_MS", EnvironmentDefaults.variableOf(stream.findOption("--commit-interval-ms")));
    }

    @Test
    void theEnvironmentBeatsTheBuiltInDefaultAndTheCommandLineBeatsTheEnvironment() {
        Map<String, String> env = Map.of("MAMBA_TS_BOOTSTRAP", "kafka:9092", "MAMBA_TS_COMMIT_INTERVAL_MS", "250");
        assertEquals("kafka:9092", parsed(cli(env), "stream", "--bootstrap", "stream", "--checkpoint", "ckpt"));
        assertEquals(250L, parsed(cli(env), "stream", "--commit-interval-ms", "stream", "--checkpoint", "ckpt"));
        assertEquals("other:9093", parsed(cli(env), "stream", "--bootstrap", "stream", "--checkpoint", "ckpt",
                "--bootstrap", "other:9093"));
        assertEquals("127.0.0.1:9092", parsed(cli(Map.of()), "stream", "--bootstrap", "stream", "--checkpoint", "ckpt"));
    }

    @Test
    void theLauncherCommandLineReadsTheProcessEnvironmentInEveryCommand() {
        CommandLine cli = MambaTs.commandLine();
        assertTrue(cli.getDefaultValueProvider() instanceof EnvironmentDefaults);
        for (Map.Entry<String, CommandLine> sub : cli.getSubcommands().entrySet()) {
            assertTrue(sub.getValue().getDefaultValueProvider() instanceof EnvironmentDefaults, sub.getKey());
        }
    }

    @Test
    void aRequiredOptionCanComeFromTheEnvironment() {
        Map<String, String> env = Map.of("MAMBA_TS_CHECKPOINT", "/var/lib/mamba-ts/checkpoint");
        assertEquals(Path.of("/var/lib/mamba-ts/checkpoint"), parsed(cli(env), "stream", "--checkpoint", "stream"));
        assertThrows(CommandLine.MissingParameterException.class, () -> cli(Map.of()).parseArgs("stream"));
    }

    @Test
    void anEmptyVariableCountsAsUnset() {
        Map<String, String> env = Map.of("MAMBA_TS_BOOTSTRAP", "", "MAMBA_TS_JDBC_URL", "");
        assertEquals("127.0.0.1:9092", parsed(cli(env), "sink", "--bootstrap", "sink"));
        assertNull(parsed(cli(env), "sink", "--jdbc-url", "sink"));
    }

    @Test
    void everyCommandWithAnOptionReadsItsVariable() {
        // One variable per option name, set for all at once: each command must see the value, not its default.
        Map<String, String> env = new HashMap<>();
        env.put("MAMBA_TS_BOOTSTRAP", "kafka:29092");
        env.put("MAMBA_TS_JDBC_URL", "jdbc:postgresql://db:5432/x");
        List<String> checked = new ArrayList<>();
        CommandLine cli = cli(env);
        for (Map.Entry<String, CommandLine> sub : cli.getSubcommands().entrySet()) {
            for (String option : List.of("--bootstrap", "--jdbc-url")) {
                OptionSpec spec = sub.getValue().getCommandSpec().findOption(option);
                if (spec == null) {
                    continue;
                }
                CommandLine.IDefaultValueProvider provider = sub.getValue().getDefaultValueProvider();
                assertNotNull(provider, sub.getKey() + " has no default value provider");
                assertEquals(env.get(EnvironmentDefaults.variableOf(spec)), defaultOf(provider, spec), sub.getKey() + " " + option);
                checked.add(sub.getKey() + " " + option);
            }
        }
        assertTrue(checked.containsAll(List.of("stream --bootstrap", "sink --bootstrap", "sink --jdbc-url", "publish --bootstrap",
                "backtest --jdbc-url")), checked.toString());
    }

    private static String defaultOf(CommandLine.IDefaultValueProvider provider, OptionSpec spec) {
        try {
            return provider.defaultValue(spec);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anOptionInsideAnArgumentGroupIsReadToo() {
        Map<String, String> env = Map.of("MAMBA_TS_RATE", "200");
        assertEquals(200.0, parsed(cli(env), "publish", "--rate", "publish", "--data", "x.csv"));
    }

    @Test
    void helpIsNeverTurnedOnFromTheEnvironment() {
        Map<String, String> env = Map.of("MAMBA_TS_HELP", "true", "MAMBA_TS_VERSION", "true");
        CommandLine cli = cli(env);
        CommandLine.ParseResult result = cli.parseArgs("sink");
        assertFalse(result.subcommand().isUsageHelpRequested());
        assertFalse(result.subcommand().isVersionHelpRequested());
        cli.setOut(new PrintWriter(new StringWriter()));
        assertEquals(0, cli.execute("sink", "--help"), "the real --help still works");
    }

    @Test
    void theUsageNamesTheRuleAndShowsTheValueFromTheEnvironment() {
        CommandLine cli = cli(Map.of("MAMBA_TS_BOOTSTRAP", "kafka:9092"));
        assertTrue(cli.getUsageMessage().contains("MAMBA_TS_FOO_BAR"), cli.getUsageMessage());
        String sinkUsage = cli.getSubcommands().get("sink").getUsageMessage();
        assertTrue(sinkUsage.contains("(default kafka:9092)"), sinkUsage);
    }

    @Test
    void noTwoOptionsOfOneCommandShareAVariable() {
        for (Map.Entry<String, CommandLine> sub : MambaTs.commandLine().getSubcommands().entrySet()) {
            Map<String, String> seen = new HashMap<>();
            for (OptionSpec option : sub.getValue().getCommandSpec().options()) {
                String before = seen.put(EnvironmentDefaults.variableOf(option), option.longestName());
                assertNull(before, sub.getKey() + ": " + before + " and " + option.longestName() + " read the same variable");
            }
        }
    }

    @Test
    void aPathOptionIsConvertedLikeACommandLineValue() {
        Map<String, String> env = Map.of("MAMBA_TS_STATE_DIR", "/var/lib/mamba-ts/streams");
        assertEquals(Path.of("/var/lib/mamba-ts/streams"), parsed(cli(env), "stream", "--state-dir", "stream", "--checkpoint", "c"));
    }
}
