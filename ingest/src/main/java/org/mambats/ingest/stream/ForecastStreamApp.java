package org.mambats.ingest.stream;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.mambats.ingest.disk.WritableDirectory;
import org.mambats.ingest.kafka.KafkaConnection;
import org.mambats.model.forecast.ForecastModel;

/** The forecasting Kafka Streams application: configuration, topics, lifecycle. */
public final class ForecastStreamApp implements AutoCloseable {
    /** Settings with the defaults of {@code ./mamba-ts stream}. */
    public static final class Settings {
        public String bootstrap = "127.0.0.1:9092";
        /**
         * Kafka client settings for every client of the application (security, tuning; see KafkaOptions). They win
         * over this class's tuning defaults and lose to the settings above.
         */
        public Map<String, String> kafkaSettings = Map.of();
        public String applicationId = StreamTopics.DEFAULT_APPLICATION_ID;
        public StreamTopics topics = StreamTopics.DEFAULT;
        public String processingGuarantee = StreamsConfig.EXACTLY_ONCE_V2;
        public Path stateDir = Path.of("work", "streams");
        /** Exactly-once commits every 100 ms by default: forecasts become visible to read_committed readers then. */
        public long commitIntervalMs = 100;
        /**
         * How often each changed symbol's state is written to the changelogged store; a starting task replays the
         * ticks since (see MambaForecastProcessor). 0: after every tick, through the record cache.
         */
        public long snapshotIntervalMs = StateSnapshots.DEFAULT_INTERVAL_MS;
        /**
         * When the stored states are another model's (the stream was restarted with a new checkpoint): how many of
         * each partition's latest ticks a starting task steps through to build its states anew.
         */
        public long rebuildTicks = StateSnapshots.DEFAULT_REBUILD_TICKS;
        /** The record cache in front of the state store; it absorbs repeated writes of a symbol between commits. */
        public long cacheBytes = 128L * 1024 * 1024;
        public int threads = 1;
        /** Partitions for topics this app creates (existing topics are left as they are). */
        public int partitions = 3;
        /**
         * Where the per-symbol state lives between commits: a persistent RocksDB store (the default: a clean
         * restart finds it on disk) or an in-memory store (no local disk writes at commit; always restored from
         * the changelog on start). Both are backed by the same changelog.
         */
        public boolean inMemoryStore;
        /**
         * Static group membership: a name unique to this instance (null: dynamic membership). Kafka Streams leaves
         * the consumer group on close only as a static member, so without it a replacement instance waits for the
         * old member's session to time out (45 s) before it gets the partitions; with it, a clean close hands them
         * over at once, and an instance restarted under the same name after a crash takes its place without a
         * rebalance. Two running instances must never share a name: the later one fences the earlier out.
         */
        public String instanceId;
        /** Steps run on synthetic ticks before start, so the JIT has compiled the model (see ForecastModel.warmUp). */
        public int warmUpTicks = 30_000;
    }

    /**
     * Client defaults of this application, below the user's settings. Given without a Streams client prefix, so that
     * a user's setting wins whether it carries one or not. The changelog and the other internal topics take the
     * cluster's default replication factor (Streams' own default), which is 1 on the bundled single broker.
     */
    static final Map<String, Object> TUNING = Map.of(
            // Forecasts become visible at each exactly-once commit anyway; a few ms of batching costs no latency.
            ProducerConfig.LINGER_MS_CONFIG, 5,
            // 256 KB batches instead of Kafka's 16 KB: fewer produce requests per forecast, and a 19.6 KB state
            // snapshot no longer fills a batch by itself. The live-path bench (100 symbols) drained 39% and 55% more
            // ticks per second in two runs, the broker spending a third of the CPU per tick (README, live path).
            ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);

    private final KafkaStreams streams;
    private final OperatorCounters counters = new OperatorCounters();

    public ForecastStreamApp(ForecastModel model, Settings s) {
        WritableDirectory.require(s.stateDir, "the stream's state directory");
        if (s.warmUpTicks > 0) {
            model.warmUp(s.warmUpTicks);
        }
        this.streams = new KafkaStreams(ForecastTopology.build(model, s.topics, counters, s.inMemoryStore,
                StateSnapshots.every(Duration.ofMillis(s.snapshotIntervalMs), s.rebuildTicks)), streamsProperties(s));
    }

    /**
     * Another topology run with the same settings and Kafka tuning (the bench's pass-through yardstick);
     * {@code topology} is given this application's counters.
     */
    public ForecastStreamApp(Settings s, Function<OperatorCounters, Topology> topology) {
        WritableDirectory.require(s.stateDir, "the stream's state directory");
        this.streams = new KafkaStreams(topology.apply(counters), streamsProperties(s));
    }

    /** The Kafka Streams configuration: {@link #TUNING}, then the user's Kafka settings, then the settings' own fields. */
    static Properties streamsProperties(Settings s) {
        Properties p = new KafkaConnection(s.bootstrap, s.kafkaSettings).properties(TUNING);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, s.applicationId);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, s.processingGuarantee);
        p.put(StreamsConfig.STATE_DIR_CONFIG, s.stateDir.toAbsolutePath().toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, s.commitIntervalMs);
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, s.cacheBytes);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, s.threads);
        if (s.instanceId != null) {
            // Streams appends "-<thread index>" for each stream thread's consumer.
            p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), s.instanceId);
        }
        return p;
    }

    /**
     * Creates the application's topics (see {@link #createTopics(KafkaConnection, StreamTopics, int)}) with the admin
     * client settings Kafka Streams would use, so a login given with the {@code admin.} prefix works here too.
     */
    public static void createTopics(Settings s) throws InterruptedException {
        createTopics(new StreamsConfig(streamsProperties(s), false) { }.getAdminConfigs(s.applicationId + "-topics"), s.bootstrap, s.topics,
                s.partitions);
    }

    /** {@link #createTopics(KafkaConnection, StreamTopics, int)} on a cluster that needs no client settings. */
    public static void createTopics(String bootstrap, StreamTopics topics, int partitions) throws InterruptedException {
        createTopics(KafkaConnection.to(bootstrap), topics, partitions);
    }

    /**
     * Creates the input, output and dead-letter topics if they do not exist yet, with the cluster's default
     * replication factor.
     */
    public static void createTopics(KafkaConnection kafka, StreamTopics topics, int partitions) throws InterruptedException {
        createTopics(Utils.propsToMap(kafka.properties()), kafka.bootstrap(), topics, partitions);
    }

    private static void createTopics(Map<String, Object> adminConfig, String bootstrap, StreamTopics topics, int partitions)
            throws InterruptedException {
        try (Admin admin = Admin.create(adminConfig)) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (String t : List.of(topics.ticks(), topics.forecasts(), topics.deadLetters())) {
                if (!existing.contains(t)) {
                    missing.add(new NewTopic(t, Optional.of(partitions), Optional.empty()));
                }
            }
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topics " + missing + ": " + e.getCause().getMessage(), e);
                    }
                }
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot reach Kafka at " + bootstrap + ": " + e.getCause().getMessage(), e);
        }
    }

    public void start() {
        streams.start();
    }

    public KafkaStreams streams() {
        return streams;
    }

    public OperatorCounters counters() {
        return counters;
    }

    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (streams.state() == KafkaStreams.State.RUNNING) {
                return true;
            }
            if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
                return false;
            }
            Thread.sleep(50);
        }
        return false;
    }

    /**
     * Stops the instance and, if it has an {@link Settings#instanceId}, leaves the consumer group, so its partitions
     * move to other instances at once. Without one, Kafka Streams (4.1) ignores the request to leave: the membership
     * stays until the session times out, about 45 s.
     */
    @Override
    public void close() {
        stop(CLOSE_TIMEOUT);
    }

    /** How long {@link #close()} waits for the last commit, the stores and the group to be let go of. */
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    /** {@link #close()} with its own timeout; true when the instance closed within it. Idempotent. */
    public boolean stop(Duration timeout) {
        return streams.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(timeout));
    }
}
