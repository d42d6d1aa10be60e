package org.mambats.ingest.sink;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.mambats.ingest.db.Database;
import org.mambats.ingest.stream.StreamTopics;
import org.mambats.model.forecast.Forecast;
import org.mambats.model.tick.Tick;
import org.mambats.model.tick.TickJson;
import org.mambats.model.tick.TickValidator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes the forecasts (and optionally ticks) topics and writes them to PostgreSQL exactly once.
 *
 * <ul>
 *   <li>The consumer reads committed records only and never commits offsets to Kafka; its positions live in the
 *   {@code sink_offsets} table, written in the same transaction as the rows (see {@link BatchWriter}).</li>
 *   <li>When partitions are assigned, their positions are loaded FROM the database and the consumer seeks there,
 *   so after a crash anywhere the sink resumes right after the last committed batch: nothing lost, nothing twice.</li>
 *   <li>When the database is unreachable, the batch in hand is kept and retried with backoff (logged), the consumer
 *   does not read further; nothing is acknowledged anywhere until the transaction commits.</li>
 *   <li>A record that is not a valid forecast (or tick) is logged, counted and skipped: its offset is passed like
 *   any other, so it is not retried forever.</li>
 * </ul>
 */
public final class ForecastSink implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ForecastSink.class);
    private static final int VERBOSE_REJECTS = 10;

    /** The sink's settings. {@code ticksTopic} may be null (forecasts only). */
    public record Config(String bootstrap, String forecastsTopic, String ticksTopic, String group, int batchSize,
                         long lingerMs, long maxBackoffMs, Map<String, String> consumerProperties) {
        public Config {
            if (batchSize <= 0) {
                throw new IllegalArgumentException("the sink's batch size must be positive, got " + batchSize);
            }
            consumerProperties = consumerProperties == null ? Map.of() : Map.copyOf(consumerProperties);
        }

        public Config(String bootstrap, String forecastsTopic, String ticksTopic, String group, int batchSize, long lingerMs,
                      long maxBackoffMs) {
            this(bootstrap, forecastsTopic, ticksTopic, group, batchSize, lingerMs, maxBackoffMs, Map.of());
        }

        public static Config defaults(String bootstrap) {
            return new Config(bootstrap, StreamTopics.DEFAULT_FORECASTS, null, StreamTopics.DEFAULT_SINK_GROUP, 5000, 200, 5000);
        }
    }

    private final Config config;
    private final DataSource ds;
    private final BatchWriter writer = new BatchWriter();
    private final List<Forecast> forecasts = new ArrayList<>();
    private final List<Tick> ticks = new ArrayList<>();
    private final Map<TopicPartition, Long> pending = new HashMap<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private volatile boolean stopping;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile Throwable failure;
    private int pendingRecords;
    /** Whether the rows in hand were already tried one by one (a batch is searched for refused rows once). */
    private boolean batchSearched;
    private long batchStartNanos;

    public ForecastSink(Config config, DataSource ds) {
        this.config = config;
        this.ds = ds;
    }

    /** Rows newly stored. */
    public long written() {
        return written.get();
    }

    /** Records skipped as malformed. */
    public long malformed() {
        return malformed.get();
    }

    /** Transactions committed. */
    public long batches() {
        return batches.get();
    }

    /** Failed database attempts that were retried. */
    public long retries() {
        return retries.get();
    }

    /** What ended {@link #run()} abnormally, or null. */
    public Throwable failure() {
        return failure;
    }

    /** Asks the loop to write what it holds and stop. */
    public void stop() {
        stopping = true;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /** Waits for {@link #run()} to end. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return done.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public void run() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.group());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.min(config.batchSize(), 10_000));
        // A database outage holds the loop; do not let the group evict us for that alone.
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 900_000);
        p.putAll(config.consumerProperties());
        // These make the exactly-once scheme; a consumer property must not turn them off.
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> topics = new ArrayList<>();
        topics.add(config.forecastsTopic());
        if (config.ticksTopic() != null && !config.ticksTopic().isBlank()) {
            topics.add(config.ticksTopic());
        }
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            if (!awaitTopics(c, topics)) {
                return;
            }
            c.subscribe(topics, new Listener(c));
            LOG.info("sink consuming {} (group {}, batches of up to {})", topics, config.group(), config.batchSize());
            while (!stopping) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = c.poll(Duration.ofMillis(100));
                } catch (WakeupException e) {
                    break;
                }
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    add(r);
                }
                boolean lingered = pendingRecords > 0 && System.nanoTime() - batchStartNanos >= config.lingerMs() * 1_000_000L;
                if (pendingRecords >= config.batchSize() || (pendingRecords > 0 && (records.isEmpty() || lingered))) {
                    flush();
                }
            }
            if (pendingRecords > 0) {
                flush();
            }
        } catch (StoppedException e) {
            LOG.info("sink stopped while waiting for the database; uncommitted records will be read again on restart");
        } catch (RuntimeException | Error e) {
            if (stopping) {
                LOG.info("sink stopped while waiting for the database; uncommitted records will be read again on restart");
                return;
            }
            failure = e;
            LOG.error("sink failed", e);
            throw e;
        } finally {
            consumer = null;
            LOG.info("sink stopped: {} rows written in {} transactions, {} malformed records skipped, {} retries",
                    written.get(), batches.get(), malformed.get(), retries.get());
            done.countDown();
        }
    }

    /**
     * Waits until every topic exists, saying once what it waits for. Subscribing to a missing topic works too, but
     * the consumer then logs an UNKNOWN_TOPIC_OR_PARTITION warning about once a second until it appears (the
     * stream creates the topics when it starts, so a sink started first would fill its log with them). Returns
     * false if stopped meanwhile.
     */
    private boolean awaitTopics(KafkaConsumer<byte[], byte[]> c, List<String> topics) {
        long since = System.nanoTime();
        boolean said = false;
        try {
            while (!stopping) {
                List<String> missing = new ArrayList<>(topics);
                try {
                    missing.removeAll(c.listTopics(Duration.ofSeconds(30)).keySet());
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    LOG.warn("Kafka did not list its topics within 30 s (is {} reachable?); asking again", config.bootstrap());
                    continue;
                }
                if (missing.isEmpty()) {
                    if (said) {
                        LOG.info("topics {} exist now, after {} s", topics, (System.nanoTime() - since) / 1_000_000_000L);
                    }
                    return true;
                }
                if (!said) {
                    LOG.info("waiting for topic(s) {} to be created (the stream creates them when it starts)", missing);
                    said = true;
                }
                Thread.sleep(500);
            }
        } catch (WakeupException e) {
            // stop() while waiting
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private void add(ConsumerRecord<byte[], byte[]> r) {
        if (pendingRecords == 0) {
            batchStartNanos = System.nanoTime();
        }
        pendingRecords++;
        pending.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
        String error;
        if (r.topic().equals(config.forecastsTopic())) {
            error = addForecast(r.value());
        } else {
            error = addTick(r.value());
        }
        if (error != null) {
            long n = malformed.incrementAndGet();
            if (n <= VERBOSE_REJECTS || n % 1000 == 0) {
                LOG.warn("skipping malformed record {}-{}@{} ({} so far): {}", r.topic(), r.partition(), r.offset(), n, error);
            }
        }
    }

    private String addForecast(byte[] value) {
        if (value == null || value.length == 0) {
            return "empty message";
        }
        Forecast f;
        try {
            f = Forecast.fromJson(value);
        } catch (IOException | RuntimeException e) {
            return "not a forecast: " + e.getMessage();
        }
        if (f.symbol().isEmpty() || f.horizon().isEmpty() || f.model().isEmpty() || f.version().isEmpty()) {
            return "forecast without symbol, horizon, model or model_version";
        }
        if (f.levels().length != f.logReturns().length || !Double.isFinite(f.price())) {
            return "forecast with a bad price or quantiles";
        }
        String time = TickValidator.timeProblem(f.timeMillis());
        if (time != null) {
            return "forecast with an " + time;
        }
        forecasts.add(f);
        return null;
    }

    private String addTick(byte[] value) {
        TickJson.Parsed parsed = TickJson.parse(value);
        if (parsed.error() != null) {
            return parsed.error();
        }
        Tick t = parsed.tick();
        // The stream's own field checks: a tick it would refuse does not belong in the table either (and a time in
        // microseconds would make the database refuse the whole batch).
        String problem = TickValidator.fieldProblem(t);
        if (problem != null) {
            return "tick with " + problem;
        }
        ticks.add(t);
        return null;
    }

    /**
     * Writes the batch in hand and its offsets in one transaction, retrying until the database takes it. When the
     * database refuses the batch for what is in it rather than for being unreachable, the rows it refuses on their
     * own are skipped as malformed (with its reason) and the rest is written with the offsets: one bad row must not
     * hold the sink, nor the rows after it, forever.
     */
    private void flush() {
        long n = withRetry("write a batch of " + pendingRecords + " records", () -> {
            try (Connection c = ds.getConnection()) {
                try {
                    return writer.write(c, forecasts, ticks, config.group(), pending);
                } catch (SQLException | RuntimeException e) {
                    if (Database.unavailable(e) || batchSearched || !skipRefusedRows(c, firstLine(e))) {
                        throw e;
                    }
                    return writer.write(c, forecasts, ticks, config.group(), pending);
                }
            }
        });
        written.addAndGet(n);
        batches.incrementAndGet();
        forecasts.clear();
        ticks.clear();
        pending.clear();
        pendingRecords = 0;
        batchSearched = false;
    }

    /** Finds the rows the database refuses one at a time and drops them from the batch; true if there were any. */
    private boolean skipRefusedRows(Connection c, String batchError) throws SQLException {
        LOG.warn("the database refused a batch of {} records ({}); looking for the rows it refuses", pendingRecords, batchError);
        int before = forecasts.size() + ticks.size();
        for (java.util.Iterator<Forecast> it = forecasts.iterator(); it.hasNext(); ) {
            Forecast f = it.next();
            String why = writer.refusal(c, List.of(f), List.of());
            if (why != null) {
                it.remove();
                skipRefused("forecast " + f.symbol() + " " + f.timeMillis() + " " + f.horizon(), why);
            }
        }
        for (java.util.Iterator<Tick> it = ticks.iterator(); it.hasNext(); ) {
            Tick t = it.next();
            String why = writer.refusal(c, List.of(), List.of(t));
            if (why != null) {
                it.remove();
                skipRefused("tick " + t.symbol() + " " + t.timeMillis(), why);
            }
        }
        batchSearched = true; // only once the search is complete: one cut short by an outage runs again
        return forecasts.size() + ticks.size() < before;
    }

    private void skipRefused(String what, String why) {
        long n = malformed.incrementAndGet();
        if (n <= VERBOSE_REJECTS || n % 1000 == 0) {
            LOG.warn("skipping a {} the database refuses ({} malformed so far): {}", what, n, why);
        }
    }

    private interface SqlCall<T> {
        T call() throws SQLException;
    }

    private static final class StoppedException extends RuntimeException {
        StoppedException() {
            super("stopped", null, false, false);
        }
    }

    private <T> T withRetry(String what, SqlCall<T> call) {
        long backoff = 100;
        long outageStart = 0;
        for (int attempt = 1; ; attempt++) {
            try {
                T result = call.call();
                if (outageStart != 0) {
                    LOG.info("database is back after {} ms and {} attempts: resuming", (System.nanoTime() - outageStart) / 1_000_000, attempt);
                }
                return result;
            } catch (SQLException | RuntimeException e) {
                if (e instanceof StoppedException stopped) {
                    throw stopped;
                }
                retries.incrementAndGet();
                if (outageStart == 0) {
                    outageStart = System.nanoTime();
                }
                LOG.warn("{}, could not {} (attempt {}): {}; holding the records, nothing is committed, retrying in {} ms",
                        Database.unavailable(e) ? "database unavailable" : "database error", what, attempt, firstLine(e), backoff);
                sleep(backoff);
                if (stopping) {
                    throw new StoppedException();
                }
                backoff = Math.min(backoff * 2, Math.max(100, config.maxBackoffMs()));
            }
        }
    }

    private static String firstLine(Throwable e) {
        String m = e.getClass().getSimpleName() + ": " + e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoppedException();
        }
    }

    /** Positions come from the database, never from Kafka's committed offsets. */
    private final class Listener implements ConsumerRebalanceListener {
        private final KafkaConsumer<byte[], byte[]> c;

        Listener(KafkaConsumer<byte[], byte[]> c) {
            this.c = c;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (pendingRecords > 0) {
                flush();
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            Map<TopicPartition, Long> stored = withRetry("load the stored offsets", () -> {
                try (Connection conn = ds.getConnection()) {
                    return BatchWriter.loadOffsets(conn, config.group(), partitions);
                }
            });
            List<TopicPartition> fresh = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                Long off = stored.get(tp);
                if (off == null) {
                    fresh.add(tp);
                } else {
                    c.seek(tp, off);
                }
            }
            if (!fresh.isEmpty()) {
                c.seekToBeginning(fresh);
            }
            LOG.info("assigned {}: resuming from the database's offsets {}{}", partitions, stored,
                    fresh.isEmpty() ? "" : ", from the beginning for " + fresh);
        }
    }
}
