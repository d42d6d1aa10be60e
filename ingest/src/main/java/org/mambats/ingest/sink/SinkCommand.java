package org.mambats.ingest.sink;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.mambats.ingest.cli.ShutdownSignal;
import org.mambats.ingest.db.Database;
import org.mambats.ingest.db.DatabaseOptions;
import org.mambats.ingest.kafka.KafkaConnection;
import org.mambats.ingest.kafka.KafkaOptions;
import org.mambats.ingest.stream.StreamTopics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./mamba-ts sink}: forecasts (and optionally ticks) from Kafka into PostgreSQL/TimescaleDB, exactly once. */
@Command(name = "sink", mixinStandardHelpOptions = true,
        description = {"Consume the forecasts (and optionally ticks) topics and write them into PostgreSQL/TimescaleDB "
                + "exactly once: each batch is one transaction holding the rows and the consumer offsets (kept in the "
                + "database, table sink_offsets). Without --jdbc-url an embedded PostgreSQL is started under --data-dir.",
                "Malformed records, and rows the database refuses, are logged, counted and skipped. While the database is unreachable the sink holds "
                        + "its batch and retries with backoff."})
public class SinkCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(SinkCommand.class);

    /** Kafka settings the sink decides. */
    static final Map<String, String> OWNED = Map.of(
            ConsumerConfig.GROUP_ID_CONFIG, "use --group",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "the sink keeps its offsets in the database, in the transaction that writes the rows",
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "the sink reads committed records only (read_committed)");

    @Mixin
    KafkaOptions kafka = new KafkaOptions();
    @Mixin
    DatabaseOptions database = new DatabaseOptions();
    @Option(names = "--forecasts-topic", defaultValue = StreamTopics.DEFAULT_FORECASTS, description = "Forecasts topic (default ${DEFAULT-VALUE}).")
    String forecastsTopic;
    @Option(names = "--ticks-topic", defaultValue = StreamTopics.DEFAULT_TICKS,
            description = "Also store the ticks of this topic: the dashboard's candles and forecast errors are computed from them "
                    + "(default ${DEFAULT-VALUE}).")
    String ticksTopic;
    @Option(names = "--no-ticks", description = "Store forecasts only (no candles or forecast errors in the dashboard then).")
    boolean noTicks;
    @Option(names = "--group", defaultValue = StreamTopics.DEFAULT_SINK_GROUP, description = "Consumer group, also the key of the stored offsets (default ${DEFAULT-VALUE}).")
    String group;
    @Option(names = "--batch-size", defaultValue = "5000", description = "Records per transaction at most (default ${DEFAULT-VALUE}).")
    int batchSize;
    @Option(names = "--linger-ms", defaultValue = "200", description = "Write a partial batch after this long (default ${DEFAULT-VALUE}).")
    long lingerMs;
    @Option(names = "--max-backoff-ms", defaultValue = "5000", description = "Longest wait between database retries (default ${DEFAULT-VALUE}).")
    long maxBackoffMs;
    @Option(names = "--status-seconds", defaultValue = "10", description = "Print counters this often; 0: never (default ${DEFAULT-VALUE}).")
    int statusSeconds;

    @Override
    public Integer call() throws Exception {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("--batch-size must be positive, got " + batchSize);
        }
        KafkaConnection connection = kafka.connection(OWNED);
        ForecastSink.Config config = new ForecastSink.Config(connection.bootstrap(), forecastsTopic, noTicks ? null : ticksTopic, group,
                batchSize, lingerMs,
                maxBackoffMs, connection.settings());
        try (Database db = database.connect(2)) {
            migrateWithRetry(db);
            ForecastSink sink = new ForecastSink(config, db.dataSource());
            // Ctrl-C: the sink writes what it holds and stops; the JVM waits for its loop to end.
            ShutdownSignal signal = ShutdownSignal.install("sink", Duration.ofSeconds(30), sink::stop);
            Thread status = null;
            if (statusSeconds > 0) {
                status = new Thread(() -> {
                    try {
                        while (!sink.awaitTermination(Duration.ofSeconds(statusSeconds))) {
                            System.err.printf("sink: %d rows written, %d transactions, %d malformed skipped, %d retries%n",
                                    sink.written(), sink.batches(), sink.malformed(), sink.retries());
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "sink-status");
                status.setDaemon(true);
                status.start();
            }
            try {
                sink.run();
            } finally {
                signal.closed();
            }
            return sink.failure() == null ? 0 : 1;
        }
    }

    private void migrateWithRetry(Database db) throws InterruptedException, SQLException {
        long backoff = 200;
        for (int attempt = 1; ; attempt++) {
            try {
                db.migrate();
                return;
            } catch (SQLException | RuntimeException e) {
                if (!Database.unavailable(e)) {
                    throw e; // e.g. a migration that does not validate: retrying will not help
                }
                LOG.warn("database not ready for migrations (attempt {}): {}; retrying in {} ms", attempt, e.getMessage(), backoff);
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, Math.max(200, maxBackoffMs));
            }
        }
    }
}
