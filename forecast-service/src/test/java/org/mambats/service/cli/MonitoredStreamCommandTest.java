package org.mambats.service.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.cli.MambaTs;
import org.mambats.ingest.bench.BenchModels;
import org.mambats.ingest.broker.KafkaBroker;
import org.mambats.ingest.stream.ForecastStreamApp;
import org.mambats.ingest.stream.StreamTopics;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.tick.Tick;
import org.mambats.model.tick.TickJson;
import picocli.CommandLine;

/** The stream's own /metrics and /health, against a real broker and a running stream. */
class MonitoredStreamCommandTest {
    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> await(int port, String path, Predicate<HttpResponse<String>> until) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        HttpResponse<String> r = get(port, path);
        while (!until.test(r) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            r = get(port, path);
        }
        return r;
    }

    @Test
    void servesHealthAndTheOperatorsAndKafkaStreamsMetrics() throws Exception {
        try (KafkaBroker broker = KafkaBroker.builder(tmp.resolve("kafka")).inProcess(true).start()) {
            String bootstrap = broker.bootstrapServers();
            ForecastStreamApp.createTopics(bootstrap, StreamTopics.DEFAULT, 1);
            ForecastModel model = BenchModels.untrained(tmp.resolve("model"));
            ForecastStreamApp.Settings s = new ForecastStreamApp.Settings();
            s.bootstrap = bootstrap;
            s.applicationId = "metrics-test";
            s.stateDir = tmp.resolve("streams");
            s.warmUpTicks = 1_000;
            int port;
            try (ForecastStreamApp app = new ForecastStreamApp(model, s);
                 MonitoredStreamCommand.Endpoint endpoint = MonitoredStreamCommand.serveMetrics(app, "127.0.0.1", 0)) {
                port = endpoint.port();
                HttpResponse<String> before = get(port, "/health");
                assertEquals(503, before.statusCode(), "not started yet: " + before.body());
                assertTrue(before.body().contains("CREATED"), before.body());

                app.start();
                HttpResponse<String> up = await(port, "/health", r -> r.body().contains("RUNNING"));
                assertEquals(200, up.statusCode(), up.body());
                assertTrue(up.body().contains("RUNNING"), up.body());

                Properties p = new Properties();
                p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                    byte[] key = "BTCUSD".getBytes(StandardCharsets.UTF_8);
                    for (int i = 0; i < 5; i++) {
                        Tick t = Tick.trade("BTCUSD", 1_700_000_000_000L + 1000L * i, 100 + i, 0.5, i);
                        producer.send(new ProducerRecord<>("ticks", key, TickJson.write(t)));
                    }
                    producer.send(new ProducerRecord<>("ticks", key, "{not json".getBytes(StandardCharsets.UTF_8)));
                }
                HttpResponse<String> metrics = await(port, "/metrics",
                        r -> r.body().contains("mamba_ts_ticks_accepted_total 5.0") && r.body().contains("mamba_ts_dead_letters_total 1.0"));
                String body = metrics.body();
                assertTrue(body.contains("mamba_ts_ticks_accepted_total 5.0"), body);
                assertTrue(body.contains("mamba_ts_dead_letters_total 1.0"), body);
                assertTrue(body.contains("mamba_ts_ticks_replayed_total 0.0"), body);
                assertTrue(body.contains("mamba_ts_forecasts_produced_total 15.0"), "three horizons per accepted tick");
                assertTrue(body.contains("mamba_ts_step_seconds_count 5"), "step latency recorded per accepted tick");
                assertTrue(body.contains("kafka_stream_thread_"), "Kafka Streams' own thread metrics are bound");
            }
            assertThrows(IOException.class, () -> get(port, "/health"), "the endpoint stops with the command");
        }
    }

    @Test
    void theLaunchersStreamCommandTakesTheMetricsOptions() {
        CommandLine cli = MambaTs.commandLine();
        CommandLine stream = cli.getSubcommands().get("stream");
        MonitoredStreamCommand command = assertInstanceOf(MonitoredStreamCommand.class, stream.getCommand());
        cli.parseArgs("stream", "--checkpoint", "ckpt", "--metrics-port", "9464", "--metrics-host", "0.0.0.0");
        assertEquals(9464, command.metricsPort);
        assertEquals("0.0.0.0", command.metricsHost);
        String usage = stream.getUsageMessage();
        assertTrue(usage.contains("--metrics-port") && usage.contains("--checkpoint") && usage.contains("Kafka Streams forecasting"), usage);
    }
}
