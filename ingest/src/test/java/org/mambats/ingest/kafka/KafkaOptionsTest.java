package org.mambats.ingest.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.ingest.cli.PublishCommand;
import org.mambats.ingest.cli.StreamCommand;
import org.mambats.ingest.sink.SinkCommand;
import picocli.CommandLine;

/** The Kafka options every Kafka-using command shares: a client properties file, single settings, and refusals. */
class KafkaOptionsTest {
    @TempDir
    Path dir;

    private Path file(String text) throws Exception {
        Path f = dir.resolve("client.properties");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void theFileAndThePropertiesReachTheClientsWithThePropertiesWinning() throws Exception {
        Path f = file("""
                # a secured cluster
                security.protocol=SASL_SSL
                sasl.mechanism=SCRAM-SHA-512
                request.timeout.ms=30000
                """);
        KafkaConnection c = new KafkaOptions("broker:9093", f, Map.of("request.timeout.ms", "45000")).connection();
        Properties p = c.properties(Map.of("request.timeout.ms", "1000", "linger.ms", "5"));
        assertEquals("broker:9093", p.get("bootstrap.servers"));
        assertEquals("SASL_SSL", p.get("security.protocol"));
        assertEquals("SCRAM-SHA-512", p.get("sasl.mechanism"));
        assertEquals("45000", p.get("request.timeout.ms"), "--kafka-property wins over the file, both over the client's defaults");
        assertEquals("5", p.get("linger.ms"), "a default the user did not touch stays");
    }

    @Test
    void aSettingTheCommandDecidesIsRefusedWithTheReason() throws Exception {
        Map<String, String> owned = Map.of("application.id", "use --application-id", "group.instance.id", "use --instance-id");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new KafkaOptions("b:1", file("application.id=other\n"), Map.of()).connection(owned));
        assertTrue(e.getMessage().contains("application.id") && e.getMessage().contains("use --application-id")
                && e.getMessage().contains("client.properties"), e.getMessage());
        // For a Kafka Streams application, with a client prefix too.
        e = assertThrows(IllegalArgumentException.class,
                () -> new KafkaOptions("b:1", null, Map.of("main.consumer.group.instance.id", "x")).streamsConnection(owned));
        assertTrue(e.getMessage().contains("--kafka-property") && e.getMessage().contains("use --instance-id"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new KafkaOptions("b:1", file("bootstrap.servers=elsewhere:9092\n"), Map.of()).connection());
        assertTrue(e.getMessage().contains("--bootstrap"), e.getMessage());
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("nope.properties");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new KafkaOptions("b:1", missing, Map.of()).connection());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void theCommandsRefuseWhatTheyDecide() {
        assertRefused(new StreamCommand(), "use --application-id", "--checkpoint", "nowhere", "--kafka-property", "group.id=mine");
        assertRefused(new StreamCommand(), "use --threads", "--checkpoint", "nowhere", "--kafka-property", "main.consumer.num.stream.threads=4");
        assertRefused(new SinkCommand(), "read_committed", "--kafka-property", "isolation.level=read_uncommitted");
        assertRefused(new SinkCommand(), "use --group", "--kafka-property", "group.id=mine");
    }

    private static void assertRefused(Object command, String reason, String... args) {
        java.io.StringWriter err = new java.io.StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setErr(new java.io.PrintWriter(err));
        int rc = cli.execute(args);
        assertTrue(rc != 0 && err.toString().contains(reason), cli.getCommandName() + " " + String.join(" ", args) + ": " + err);
    }

    @Test
    void clientPrefixesAreKnownToTheStreamOnly() {
        java.util.Set<String> keys = java.util.Set.of("consumer.security.protocol", "security.protocol", "num.standby.replicas", "sasl.mechansim");
        assertEquals(java.util.Set.of("consumer.security.protocol", "num.standby.replicas", "sasl.mechansim"), KafkaOptions.unknownNames(keys, false));
        assertEquals(java.util.Set.of("sasl.mechansim"), KafkaOptions.unknownNames(keys, true));
    }

    @Test
    void settingsNoClientKnowsArePassedOnForPlugIns() throws Exception {
        KafkaConnection c = new KafkaOptions("b:1", file("my.interceptor.endpoint=http://x\nproducer.batch.size=1000\n"), Map.of()).connection();
        assertEquals("http://x", c.properties().get("my.interceptor.endpoint"));
        assertEquals("1000", c.properties().get("producer.batch.size"));
    }

    @Test
    void theConnectionNeverPrintsValues() {
        KafkaConnection c = new KafkaConnection("b:1", Map.of("sasl.jaas.config", "... password=\"hunter2\";"));
        assertTrue(c.toString().contains("sasl.jaas.config"));
        assertFalse(c.toString().contains("hunter2"));
    }

    @Test
    void everyKafkaCommandTakesTheOptions() {
        for (Object command : new Object[] {new PublishCommand(), new StreamCommand(), new SinkCommand()}) {
            CommandLine cli = new CommandLine(command);
            for (String name : new String[] {"--bootstrap", "--kafka-config", "--kafka-property"}) {
                assertTrue(cli.getCommandSpec().findOption(name) != null, cli.getCommandName() + " " + name);
            }
        }
    }
}
