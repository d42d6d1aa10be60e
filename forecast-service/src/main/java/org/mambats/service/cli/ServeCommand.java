package org.mambats.service.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.mambats.ingest.cli.TopicOptions;
import org.mambats.ingest.db.Database;
import org.mambats.ingest.db.DatabaseOptions;
import org.mambats.ingest.kafka.KafkaOptions;
import org.mambats.ingest.stream.StreamTopics;
import org.mambats.ingest.cli.ShutdownSignal;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.service.ForecastService;
import org.mambats.service.api.ApiAccess;
import org.mambats.service.api.ForecastApi;
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

    /** Connections to the database the service's queries share. */
    public static final int DATABASE_CONNECTIONS = 8;

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port (default ${DEFAULT-VALUE}).")
    int port;
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on; 0.0.0.0 for every interface (default "
            + "${DEFAULT-VALUE}). Beyond loopback a token is required (--api-token-file or MAMBA_TS_API_TOKEN).")
    String host;
    @Option(names = "--api-token-file", paramLabel = "FILE", description = "File holding the API token (at least 16 characters; e.g. "
            + "`openssl rand -hex 24 > FILE`). Every request but /health must then carry it: 'Authorization: Bearer TOKEN', or basic "
            + "authentication with any user name and the token as the password (what the dashboard's browser asks for).")
    Path apiTokenFile;
    @Option(names = "--api-token", paramLabel = "TOKEN", description = "The API token itself; meant for the environment variable "
            + "MAMBA_TS_API_TOKEN (on a command line other users can read it with ps). --api-token-file wins.")
    String apiToken;
    @Option(names = "--insecure-no-auth", description = "Serve beyond loopback without a token: anyone who reaches the port reads "
            + "everything. Only behind something else that authenticates.")
    boolean insecureNoAuth;
    @Option(names = "--max-live-clients", defaultValue = "" + ForecastApi.DEFAULT_MAX_LIVE_CLIENTS, description = "Live (server-sent event) clients served at once; one "
            + "more gets a 503 with Retry-After (default ${DEFAULT-VALUE}).")
    int maxLiveClients;
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
    @Mixin
    TopicOptions topics = new TopicOptions();
    @Option(names = "--group", defaultValue = StreamTopics.DEFAULT_SINK_GROUP, description = "The sink's consumer group, for its lag (default ${DEFAULT-VALUE}).")
    String sinkGroup;

    private ApiAccess access() throws java.io.IOException {
        if (apiTokenFile != null) {
            return ApiAccess.tokenFile(apiTokenFile);
        }
        return apiToken == null || apiToken.isBlank() ? ApiAccess.open() : ApiAccess.token(apiToken.strip());
    }

    @Override
    public Integer call() throws Exception {
        // Ctrl-C: wake the main thread, then hold the JVM until it has closed the server and the database.
        ShutdownSignal signal = ShutdownSignal.install("serve", Duration.ofSeconds(20));
        try (Database db = database.open(DATABASE_CONNECTIONS)) {
            ForecastService.Settings s = new ForecastService.Settings(host, port, noKafka ? null : kafka.connection(OWNED), topics.forecasts, topics.ticks,
                    topics.deadLetters, topics.applicationId, sinkGroup).withAccess(access(), insecureNoAuth).withMaxLiveClients(maxLiveClients);
            try (ForecastService service = ForecastService.start(db, s, new ServiceMetrics())) {
                for (Path dir : checkpoints) {
                    ForecastModel model = ForecastModel.load(dir);
                    service.describe(model);
                    System.out.println("model " + model.version() + " (" + dir + "): " + model.provenance().verdictInWords());
                }
                String shown = host.equals("0.0.0.0") ? "127.0.0.1" : host;
                System.out.println("serving the dashboard at http://" + shown + ":" + service.port() + "/ (API: /openapi.json; "
                        + (s.access().required() ? "token required" : "no authentication") + ")");
                signal.await();
                System.out.println("stopping");
            }
        } finally {
            signal.closed();
        }
        return 0;
    }
}
