package org.mambats.ingest.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.mambats.ingest.kafka.KafkaConnection;
import org.mambats.ingest.kafka.KafkaOptions;
import org.mambats.ingest.stream.ForecastStreamApp;
import org.mambats.ingest.stream.OperatorCounters;
import org.mambats.model.forecast.CheckpointOption;
import org.mambats.model.forecast.ForecastModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./mamba-ts stream}: the live forecasting application. */
@Command(name = "stream", mixinStandardHelpOptions = true,
        description = "Run the Kafka Streams forecasting application: ticks (JSON) -> validation -> stateful Mamba operator -> "
                + "forecasts (JSON); invalid ticks to the dead-letter topic with the reason.")
public class StreamCommand implements Callable<Integer> {
    /** Kafka settings this command's own options decide. */
    static final Map<String, String> OWNED = Map.of(
            StreamsConfig.APPLICATION_ID_CONFIG, "use --application-id",
            ConsumerConfig.GROUP_ID_CONFIG, "the consumer group is the application id: use --application-id",
            StreamsConfig.CACHE_MAX_BYTES_BUFFERING_CONFIG, "use --cache-mb",
            StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "use --processing-guarantee",
            StreamsConfig.STATE_DIR_CONFIG, "use --state-dir",
            StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "use --commit-interval-ms",
            StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "use --cache-mb",
            StreamsConfig.NUM_STREAM_THREADS_CONFIG, "use --threads",
            ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "use --instance-id");

    @Mixin
    CheckpointOption checkpoint = new CheckpointOption();
    @Mixin
    KafkaOptions kafka = new KafkaOptions();
    @Mixin
    TopicOptions topics = new TopicOptions();
    @Option(names = "--processing-guarantee", defaultValue = "exactly_once_v2",
            description = "exactly_once_v2 or at_least_once (default ${DEFAULT-VALUE}). Exactly-once forecasts appear at "
                    + "each commit; at-least-once ones as soon as they are sent, and a crash repeats some (same values).")
    String guarantee;
    @Option(names = "--state-dir", defaultValue = "work/streams", description = "Local state directory (default ${DEFAULT-VALUE}).")
    Path stateDir;
    @Option(names = "--commit-interval-ms", defaultValue = "100",
            description = "Commit interval; forecasts become visible to read_committed readers at each commit (default ${DEFAULT-VALUE}).")
    long commitIntervalMs;
    @Option(names = "--snapshot-interval-ms", defaultValue = "10000",
            description = "Write each changed symbol's state to the changelogged store this often; a task that restarts or moves "
                    + "replays the ticks since. 0: after every tick, through the record cache (default ${DEFAULT-VALUE}).")
    long snapshotIntervalMs;
    @Option(names = "--rebuild-ticks", defaultValue = "1000000",
            description = "After a change of checkpoint the stored states are the old model's: each task builds its symbols' states "
                    + "anew by stepping this many of its partition's latest ticks, emitting nothing; 0 starts the new model from "
                    + "fresh states (default ${DEFAULT-VALUE}).")
    long rebuildTicks;
    @Option(names = "--cache-mb", defaultValue = "128", description = "Record cache in front of the state store, MB (default ${DEFAULT-VALUE}).")
    long cacheMb;
    @Option(names = "--store", defaultValue = "rocksdb",
            description = "State store: rocksdb (persistent, found on disk after a clean restart) or memory (restored from the changelog on every start) (default ${DEFAULT-VALUE}).")
    String store;
    @Option(names = "--instance-id",
            description = "Static group membership under this name, unique per running instance: a clean stop hands the partitions over at once, "
                    + "and a restart under the same name after a crash resumes without a rebalance (default: dynamic membership, "
                    + "where a replacement waits for the old member's session timeout, 45 s).")
    String instanceId;
    @Option(names = "--threads", defaultValue = "1", description = "Stream threads (default ${DEFAULT-VALUE}).")
    int threads;
    @Option(names = "--partitions", defaultValue = "3", description = "Partitions of topics created by this command (default ${DEFAULT-VALUE}).")
    int partitions;
    @Option(names = "--status-seconds", defaultValue = "10", description = "Print a status line this often; 0 for never (default ${DEFAULT-VALUE}).")
    int statusSeconds;

    @Override
    public Integer call() throws Exception {
        KafkaConnection connection = kafka.streamsConnection(OWNED);
        ForecastModel model = checkpoint.load();
        ForecastStreamApp.Settings s = new ForecastStreamApp.Settings();
        s.bootstrap = connection.bootstrap();
        s.kafkaSettings = connection.settings();
        s.applicationId = topics.applicationId;
        s.topics = topics.topics();
        s.processingGuarantee = guarantee;
        s.stateDir = stateDir;
        s.commitIntervalMs = commitIntervalMs;
        s.cacheBytes = cacheMb * 1024 * 1024;
        if (snapshotIntervalMs < 0) {
            throw new IllegalArgumentException("--snapshot-interval-ms must be >= 0, got " + snapshotIntervalMs);
        }
        s.snapshotIntervalMs = snapshotIntervalMs;
        if (rebuildTicks < 0) {
            throw new IllegalArgumentException("--rebuild-ticks must be >= 0, got " + rebuildTicks);
        }
        s.rebuildTicks = rebuildTicks;
        s.threads = threads;
        s.instanceId = instanceId;
        if (!store.equals("rocksdb") && !store.equals("memory")) {
            throw new IllegalArgumentException("--store must be rocksdb or memory, got " + store);
        }
        s.inMemoryStore = store.equals("memory");
        s.partitions = partitions;
        ForecastStreamApp.createTopics(s);
        // Ctrl-C: wake the main thread, which closes the application (a last commit, the state stores); the JVM waits for it.
        ShutdownSignal signal = ShutdownSignal.install("stream", Duration.ofSeconds(60));
        try (ForecastStreamApp app = new ForecastStreamApp(model, s)) {
            app.streams().setStateListener((now, before) -> {
                System.err.println("stream: " + before + " -> " + now);
                if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                    signal.stopNow();
                }
            });
            app.start();
            System.err.printf(Locale.ROOT, "stream: model %s %s, %s -> %s (dead letters: %s), %s, bootstrap %s%n",
                    model.name(), model.version(), topics.ticks, topics.forecasts, topics.deadLetters, guarantee, connection.bootstrap());
            OperatorCounters c = app.counters();
            try (AutoCloseable exposed = started(app)) {
                OperatorCounters.Reading last = c.read();
                while (!signal.await(Duration.ofSeconds(Math.max(1, statusSeconds)))) {
                    if (statusSeconds > 0) {
                        OperatorCounters.Reading now = c.read();
                        System.err.printf(Locale.ROOT, "stream: %s; last %d s: %s%n", c, statusSeconds, now.ratesSince(last));
                        last = now;
                    }
                }
            }
            // Closed here, so the outcome is printed before the JVM may exit (the state listener's NOT_RUNNING line
            // comes after close() has returned and can lose that race); the try's own close then does nothing.
            boolean failed = app.streams().state() == KafkaStreams.State.ERROR;
            boolean closed = app.stop(ForecastStreamApp.CLOSE_TIMEOUT);
            System.err.println(closed ? "stream: closed: last commit made, stores closed" + (s.instanceId != null ? ", left the group" : "")
                    : "stream: not closed within " + ForecastStreamApp.CLOSE_TIMEOUT.toSeconds() + " s; the JVM exits anyway");
            return failed || !closed ? 1 : 0;
        } finally {
            signal.closed();
        }
    }

    /**
     * Called once the application has started; what it returns is closed when the command ends. This module has
     * no HTTP server; the launcher's {@code stream} command uses this to serve /metrics and /health.
     */
    protected AutoCloseable started(ForecastStreamApp app) throws Exception {
        return () -> { };
    }
}
