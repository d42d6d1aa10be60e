package org.mambats.ingest.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.ingest.broker.KafkaBroker;
import org.mambats.ingest.cli.PublishCommand;
import org.mambats.ingest.stream.ForecastStreamApp;
import org.mambats.ingest.stream.StreamTopics;
import org.mambats.ingest.stream.TestModels;
import org.mambats.model.forecast.Forecast;
import org.mambats.model.forecast.ForecastModel;
import picocli.CommandLine;

/**
 * A cluster that requires a login, as production clusters do: a real broker whose client listener admits only
 * SASL/PLAIN users. publish and the stream application reach it with the settings of a --kafka-config file (the
 * stream's own clients, topic creation included), and a wrong password fails with the broker's reason.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SecuredClusterTest {
    private static final int TICKS_PER_SYMBOL = 150;

    @TempDir
    static Path dir;
    static KafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.builder(dir.resolve("kafka")).port(0).saslPlainUsers(Map.of("quant", "quant-secret")).start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private static String jaas(String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"quant\" password=\"" + password + "\";";
    }

    private static Path clientProperties() throws Exception {
        Path f = dir.resolve("client.properties");
        Files.writeString(f, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=" + jaas("quant-secret") + "\n");
        return f;
    }

    /**
     * The stream's login given per client with Kafka Streams' prefixes (consumer., producer., admin.): it must reach
     * topic creation and the state rebuild's own consumer and admin client as it reaches Streams' clients.
     */
    private static Path streamProperties() throws Exception {
        Path f = dir.resolve("stream.properties");
        Files.writeString(f, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n" + "consumer.sasl.jaas.config=" + jaas("quant-secret")
                + "\nproducer.sasl.jaas.config=" + jaas("quant-secret") + "\nadmin.sasl.jaas.config=" + jaas("quant-secret") + "\n");
        return f;
    }

    @Test
    void publishAndStreamWorkThroughTheLoginTheFileGivesAndARestartRebuildsThroughItToo() throws Exception {
        Path csv = TestModels.syntheticCsv(dir, TICKS_PER_SYMBOL, "AAA", "BBB");
        ForecastModel model = TestModels.checkpoint(dir, csv);
        String sasl = broker.saslBootstrapServers();
        KafkaConnection stream = new KafkaOptions(sasl, streamProperties(), Map.of()).streamsConnection(Map.of());
        ForecastStreamApp.Settings s = new ForecastStreamApp.Settings();
        s.bootstrap = sasl;
        s.kafkaSettings = stream.settings();
        s.applicationId = "secured-app";
        s.topics = new StreamTopics("secured-ticks", "secured-forecasts", "secured-dlq");
        s.partitions = 2;
        s.stateDir = dir.resolve("secured-state");
        s.warmUpTicks = 0;
        s.instanceId = "secured-instance"; // static membership: the restart below takes over at once
        // No snapshot while the test runs: the restarted instance has to rebuild every state from the input topic.
        s.snapshotIntervalMs = Duration.ofHours(1).toMillis();
        ForecastStreamApp.createTopics(s);
        try (ForecastStreamApp app = new ForecastStreamApp(model, s)) {
            app.start();
            int rc = new CommandLine(new PublishCommand()).execute("--data", csv.toString(), "--topic", s.topics.ticks(),
                    "--bootstrap", sasl, "--kafka-config", clientProperties().toString());
            assertEquals(0, rc, "publish through the SASL listener");
            int expected = 2 * TICKS_PER_SYMBOL * model.horizons().size();
            KafkaConnection reader = new KafkaOptions(sasl, clientProperties(), Map.of()).connection();
            Set<String> seen = new HashSet<>();
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(reader.properties(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "secured-reader",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                c.subscribe(List.of(s.topics.forecasts()));
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (seen.size() < expected && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                        Forecast f = Forecast.fromJson(r.value());
                        seen.add(f.symbol() + "," + f.seq() + "," + f.horizon());
                    }
                }
            }
            assertEquals(expected, seen.size(), "a forecast for every tick and horizon, through the secured listener");
            assertEquals(2L * TICKS_PER_SYMBOL, app.counters().accepted.sum());
        }
        // A new instance on a fresh disk: its tasks read the committed position and the ticks before it with their
        // own admin client and consumer, through the same login.
        s.stateDir = dir.resolve("secured-state-2");
        try (ForecastStreamApp app = new ForecastStreamApp(model, s)) {
            app.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (app.counters().replayed.sum() < 2L * TICKS_PER_SYMBOL && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(2L * TICKS_PER_SYMBOL, app.counters().replayed.sum(), "every state rebuilt from the input topic");
        }
    }

    @Test
    void aWrongPasswordFailsWithTheBrokersReason() throws Exception {
        Path csv = TestModels.syntheticCsv(Files.createDirectories(dir.resolve("wrong")), 10, "AAA");
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new PublishCommand());
        cli.setErr(new PrintWriter(err));
        long start = System.nanoTime();
        int rc = cli.execute("--data", csv.toString(), "--topic", "secured-wrong", "--bootstrap", broker.saslBootstrapServers(),
                "--kafka-config", clientProperties().toString(), "--kafka-property", "sasl.jaas.config=" + jaas("not-the-password"));
        assertNotEquals(0, rc);
        assertTrue(err.toString().contains("Authentication failed"), err.toString());
        // It fails on the broker's answer, not after a client timeout (60 s by default).
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(30).toNanos());
    }
}
