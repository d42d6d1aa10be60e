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

    @Test
    void publishAndStreamWorkThroughTheLoginTheFileGives() throws Exception {
        Path csv = TestModels.syntheticCsv(dir, TICKS_PER_SYMBOL, "AAA", "BBB");
        ForecastModel model = TestModels.checkpoint(dir, csv);
        Path file = clientProperties();
        String sasl = broker.saslBootstrapServers();
        KafkaConnection kafka = new KafkaOptions(sasl, file, Map.of()).connection();
        StreamTopics topics = new StreamTopics("secured-ticks", "secured-forecasts", "secured-dlq");
        ForecastStreamApp.createTopics(kafka, topics, 2);

        ForecastStreamApp.Settings s = new ForecastStreamApp.Settings();
        s.bootstrap = sasl;
        s.kafkaSettings = kafka.settings();
        s.applicationId = "secured-app";
        s.topics = topics;
        s.stateDir = dir.resolve("secured-state");
        s.warmUpTicks = 0;
        try (ForecastStreamApp app = new ForecastStreamApp(model, s)) {
            app.start();
            int rc = new CommandLine(new PublishCommand()).execute("--data", csv.toString(), "--topic", topics.ticks(),
                    "--bootstrap", sasl, "--kafka-config", file.toString());
            assertEquals(0, rc, "publish through the SASL listener");
            int expected = 2 * TICKS_PER_SYMBOL * model.horizons().size();
            Set<String> seen = new HashSet<>();
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(kafka.properties(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "secured-reader",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                c.subscribe(List.of(topics.forecasts()));
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
