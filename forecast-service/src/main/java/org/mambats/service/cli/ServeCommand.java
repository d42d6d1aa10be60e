package org.mambats.service.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.mambats.ingest.db.Database;
import org.mambats.ingest.db.DatabaseOptions;
import org.mambats.ingest.kafka.KafkaOptions;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.service.ForecastService;
import org.mambats.service.metrics.ServiceMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./mamba-ts serve}: the HTTP API and the analyst dashboard. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve the forecast API (/api/..., /openapi.json, /health, /metrics) and the analyst dashboard (/).",
                "Reads forecasts, ticks and backtests from PostgreSQL/TimescaleDB (written by ./mamba-ts sink and backtest) and "
                        + "pushes new forecasts live from the forecasts topic."})
public class ServeCommand implements Callable<Integer> {
    /** Kafka settings the live feed fixes. */
    static final Map<String, String> OWNED = Map.of(
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "the live feed shows committed forecasts only (read_committed)",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "the live feed starts at the end of the topic and keeps no offsets");

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port (default ${DEFAULT-VALUE}).")
    int port;
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on; 0.0.0.0 for every interface (default ${DEFAULT-VALUE}).")
    String host;
    @Mixin
    DatabaseOptions database = new DatabaseOptions();
    /** Kafka, for live updates and the stream's and sink's lag. */
    @Mixin
    KafkaOptions kafka = new KafkaOptions();
    @Option(names = "--checkpoint", paramLabel = "DIR", description = "A checkpoint the stream runs (repeatable): its training "
            + "verdict (beats the EWMA-volatility baseline on validation, or is that baseline) is shown next to its version "
            + "in /api/models and the dashboard.")
    List<Path> checkpoints = new ArrayList<>();
    @Option(names = "--no-kafka", description = "Run without Kafka: no live updates, no lag metrics.")
    boolean noKafka;
    @Option(names = "--forecasts-topic", defaultValue = "forecasts", description = "Forecasts topic (default ${DEFAULT-VALUE}).")
    String forecastsTopic;
    @Option(names = "--ticks-topic", defaultValue = "ticks", description = "Ticks topic, for the stream's lag (default ${DEFAULT-VALUE}).")
    String ticksTopic;
    @Option(names = "--dlq-topic", defaultValue = "ticks-dlq", description = "Dead-letter topic, counted in the metrics (default ${DEFAULT-VALUE}).")
    String dlqTopic;
    @Option(names = "--application-id", defaultValue = "mamba-ts-stream", description = "The stream's application id, for its lag (default ${DEFAULT-VALUE}).")
    String applicationId;
    @Option(names = "--group", defaultValue = "mamba-ts-sink", description = "The sink's consumer group, for its lag (default ${DEFAULT-VALUE}).")
    String sinkGroup;

    @Override
    public Integer call() throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        // Ctrl-C: wake the main thread, then hold the JVM until it has closed the server and the database.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                closed.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        try (Database db = database.open(8)) {
            ForecastService.Settings s = new ForecastService.Settings(host, port, noKafka ? null : kafka.connection(OWNED), forecastsTopic, ticksTopic,
                    dlqTopic, applicationId, sinkGroup);
            try (ForecastService service = ForecastService.start(db, s, new ServiceMetrics())) {
                for (Path dir : checkpoints) {
                    ForecastModel model = ForecastModel.load(dir);
                    service.describe(model);
                    System.out.println("model " + model.version() + " (" + dir + "): " + model.config().path(ForecastModel.CONFIG_KEY)
                            .path("provenance").path("verdict").asText("no verdict recorded"));
                }
                String shown = host.equals("0.0.0.0") ? "127.0.0.1" : host;
                System.out.println("serving the dashboard at http://" + shown + ":" + service.port() + "/ (API: /openapi.json)");
                stop.await();
                System.out.println("stopping");
            }
        } finally {
            closed.countDown();
        }
        return 0;
    }
}
