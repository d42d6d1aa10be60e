package org.mambats.ingest.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.model.tick.RowCounts;
import org.mambats.ingest.broker.KafkaBroker;
import org.mambats.ingest.disk.SmallFileSystem;
import org.mambats.ingest.disk.UnwritableDirectory;
import org.mambats.model.cli.PredictCommand;
import org.mambats.model.forecast.Forecast;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.tick.Tick;
import org.mambats.model.tick.TickCsv;
import org.mambats.model.tick.TickJson;
import org.mambats.model.tick.TickRow;

/**
 * The live path against a real KRaft broker: the stream's forecasts equal predict's bit for bit; a stream killed
 * with SIGKILL mid-replay and restarted, a rebalance between two instances, and the same two with static group
 * membership, end with exactly the forecasts of an uninterrupted run, none missing, none twice; a stream restarted
 * with a new checkpoint forecasts as the new model would have all along.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class StreamOnRealBrokerTest {
    @TempDir
    static Path dir;
    static KafkaBroker broker;
    static Path csv;
    static ForecastModel model;
    static Path checkpoint;
    static List<Tick> ticks;
    static Map<String, float[]> expected;

    @BeforeAll
    static void setUp() throws Exception {
        broker = KafkaBroker.builder(dir.resolve("kafka")).port(0).start();
        csv = TestModels.syntheticCsv(dir, 700, "AAA", "BBB", "CCC");
        model = TestModels.checkpoint(dir, csv);
        checkpoint = dir.resolve("ckpt");
        ticks = new ArrayList<>();
        for (TickRow r : TickCsv.readAll(csv.toString(), null)) {
            ticks.add(r.tick().withSeq(r.index()));
        }
        ticks.sort(Comparator.comparingLong(Tick::timeMillis));
        expected = TestModels.predicted(model, csv);
        // The forecasts compared bit for bit include the online calibration's offsets: check they have moved.
        org.mambats.model.forecast.ForecastStepper stepper = model.newStepper();
        org.mambats.model.forecast.SymbolState aaa = model.newState();
        ticks.stream().filter(x -> x.symbol().equals("AAA")).forEach(x -> stepper.process(x, aaa));
        assertTrue(aaa.calibration.resolved(0) > 100 && aaa.calibration.offset(0, 0) != 0,
                "the calibration has outcomes to learn from: " + aaa.calibration.resolved(0));
    }

    @AfterAll
    static void tearDown() {
        if (broker != null) {
            broker.close();
        }
    }

    private static StreamTopics topics(String name) {
        StreamTopics t = new StreamTopics(name + "-ticks", name + "-forecasts", name + "-dlq");
        broker.createTopics(3, t.ticks(), t.forecasts(), t.deadLetters());
        return t;
    }

    /** Publishes the ticks in time order, {@code perSecond} of them a second (0: all at once). */
    private static Thread publisher(String topic, int perSecond, AtomicInteger sent) {
        return publisher(topic, perSecond, sent, java.util.Map.of());
    }

    /**
     * Publishes the ticks at {@code perSecond}, pausing before tick i until {@code gates.get(i)} opens (pacing restarts
     * after each pause); so a test can hold parts of a replay back until the stream under test is where it wants it,
     * however slow the machine.
     */
    private static Thread publisher(String topic, int perSecond, AtomicInteger sent, java.util.Map<Integer, CountDownLatch> gates) {
        Thread t = new Thread(() -> {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            // Not idempotent, one request in flight: a retry can only repeat a tick, never reorder, and the
            // stream drops a repeated sequence number as a duplicate. (An idempotent producer on this loaded
            // 2-core single broker was seen stuck retrying OUT_OF_ORDER_SEQUENCE_NUMBER.)
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
            p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                long start = System.nanoTime();
                int paced = 0;
                for (Tick tick : ticks) {
                    CountDownLatch gate = gates.get(sent.get());
                    if (gate != null) {
                        producer.flush();
                        gate.await();
                        start = System.nanoTime();
                        paced = sent.get();
                    }
                    if (perSecond > 0) {
                        long due = start + (long) ((sent.get() - paced) * 1e9 / perSecond);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                    }
                    producer.send(new ProducerRecord<>(topic, tick.symbol().getBytes(StandardCharsets.UTF_8), TickJson.write(tick)));
                    sent.incrementAndGet();
                }
                producer.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "tick-publisher");
        t.start();
        return t;
    }

    /** Reads committed forecasts until {@code count} have arrived and nothing more comes for {@code quiet}. */
    private static List<Forecast> readForecasts(String topic, int count, Duration timeout, Duration quiet) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + System.nanoTime());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<Forecast> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            long lastNew = System.nanoTime();
            while (System.nanoTime() < deadline) {
                int before = out.size();
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(Forecast.fromJson(r.value()));
                }
                if (out.size() > before) {
                    lastNew = System.nanoTime();
                }
                if (out.size() >= count && System.nanoTime() - lastNew > quiet.toNanos()) {
                    break;
                }
            }
        }
        return out;
    }

    /** Every expected forecast exactly once, with predict's values bit for bit. */
    private static void assertExactlyTheUninterruptedRun(List<Forecast> got) {
        Map<String, Integer> seen = assertEveryForecastOfTheUninterruptedRun(got);
        List<String> twice = seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).limit(5).toList();
        assertTrue(twice.isEmpty(), "forecasts written twice: " + twice);
        assertEquals(expected.size(), got.size());
    }

    /**
     * Every expected forecast at least once, and every copy with predict's values bit for bit; returns the copies of
     * each ("symbol,seq,horizon" -> count).
     */
    private static Map<String, Integer> assertEveryForecastOfTheUninterruptedRun(List<Forecast> got) {
        Map<String, Integer> seen = new HashMap<>();
        for (Forecast f : got) {
            String key = f.symbol() + "," + f.seq() + "," + f.horizon();
            seen.merge(key, 1, Integer::sum);
            float[] q = expected.get(key);
            assertNotNull(q, "unexpected forecast " + f);
            assertArrayEquals(q, f.logReturns(), 0f, "values of " + key);
        }
        List<String> missing = expected.keySet().stream().filter(k -> !seen.containsKey(k)).limit(5).toList();
        assertTrue(missing.isEmpty(), "forecasts missing (of " + expected.size() + "): " + missing);
        return seen;
    }

    private static ForecastStreamApp.Settings settings(String appId, StreamTopics t, String stateDir) {
        ForecastStreamApp.Settings s = new ForecastStreamApp.Settings();
        s.bootstrap = broker.bootstrapServers();
        s.applicationId = appId;
        s.topics = t;
        s.stateDir = dir.resolve(stateDir);
        return s;
    }

    @Test
    void streamForecastsEqualPredictBitForBit() throws Exception {
        StreamTopics t = topics("parity");
        try (ForecastStreamApp app = new ForecastStreamApp(model, settings("parity-app", t, "parity-state"))) {
            app.start();
            publisher(t.ticks(), 0, new AtomicInteger()).join();
            List<Forecast> got = readForecasts(t.forecasts(), expected.size(), Duration.ofSeconds(90), Duration.ofSeconds(1));
            assertExactlyTheUninterruptedRun(got);
            assertEquals(ticks.size(), app.counters().accepted.sum());
        }
    }

    @Test
    void killedWithSigkillMidReplayAndRestartedEndsExactlyOnce() throws Exception {
        StreamTopics t = topics("crash");
        AtomicInteger sent = new AtomicInteger();
        // 300 ticks, then a pause until the stream has forecast something (however long the child JVM takes to
        // start on a loaded machine), then 150 ticks/s up to tick 1,500, then a pause until the kill: so the stream
        // dies while ticks are flowing, and the replay is unfinished when it does.
        CountDownLatch streamUp = new CountDownLatch(1);
        CountDownLatch killed = new CountDownLatch(1);
        Thread pub = publisher(t.ticks(), 150, sent, java.util.Map.of(300, streamUp, 1500, killed));
        // Snapshots every 300 ms: the kill lands between two, so the restarted task must replay the ticks after
        // the last one from the input topic (the default interval, 10 s, would leave nothing but the replay).
        Process first = startChild(t, "crash-state-1", "crash-app", "--snapshot-interval-ms", "300");
        // Pull the plug once the stream has committed forecasts for at least a tenth of the ticks.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        try (ForecastCounter counter = new ForecastCounter(t.forecasts())) {
            while (counter.count() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            streamUp.countDown();
            while (counter.count() < expected.size() / 10 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            first.destroyForcibly().waitFor();
        }
        int published = sent.get();
        killed.countDown();
        assertTrue(published < ticks.size(), "the replay was still running when the stream was killed (" + published + " sent)");
        Process second = startChild(t, "crash-state-2", "crash-app", "--snapshot-interval-ms", "300");
        try {
            pub.join();
            List<Forecast> got = readForecasts(t.forecasts(), expected.size(), Duration.ofSeconds(120), Duration.ofSeconds(3));
            assertExactlyTheUninterruptedRun(got);
            String log = Files.readString(dir.resolve("crash-state-2.log"));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) symbol states from the store \\(up to offset -?\\d+\\), (\\d+) ticks replayed").matcher(log);
            int states = 0, replayed = 0;
            while (m.find()) {
                states += Integer.parseInt(m.group(1));
                replayed += Integer.parseInt(m.group(2));
            }
            assertTrue(states > 0 && replayed > 0, "the restarted stream restored snapshots and replayed the ticks after them: " + states
                    + " states, " + replayed + " ticks\n" + log);
        } finally {
            second.destroy();
            second.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * The broker itself killed with SIGKILL while ticks flow through publisher, stream and sink, and restarted 5 s
     * later: the forecasts topic and the database each end with every forecast exactly once, predict's values bit
     * for bit. (The stream and the sink run in this JVM and must ride out the outage on their own.)
     */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void brokerKilledWithSigkillMidReplayAndRestartedEndsExactlyOnceInTopicAndDatabase() throws Exception {
        StreamTopics t = topics("broker-crash");
        AtomicInteger sent = new AtomicInteger();
        CountDownLatch flowing = new CountDownLatch(1);
        CountDownLatch brokerBack = new CountDownLatch(1);
        // As above: 300 ticks, a pause until forecasts reach the database, 150 ticks/s to tick 1,500 (the kill
        // lands in there), then the rest once the broker is back, so the replay is unfinished at the kill.
        Thread pub = publisher(t.ticks(), 150, sent, java.util.Map.of(300, flowing, 1500, brokerBack));
        try (org.mambats.ingest.db.EmbeddedPostgresServer pg = org.mambats.ingest.db.EmbeddedPostgresServer.start(dir.resolve("pg-broker-crash"),
                java.util.Map.of("fsync", "off"));
             org.mambats.ingest.db.Database db = org.mambats.ingest.db.Database.open(pg.jdbcUrl(), null, 2);
             ForecastStreamApp app = new ForecastStreamApp(model, settings("broker-crash-app", t, "broker-crash-state"))) {
            org.mambats.ingest.sink.ForecastSink sink = new org.mambats.ingest.sink.ForecastSink(
                    new org.mambats.ingest.sink.ForecastSink.Config(broker.bootstrapServers(), t.forecasts(), null, "broker-crash-sink", 500, 50, 1000),
                    db.dataSource());
            Thread sinkThread = new Thread(sink, "sink-through-broker-crash");
            app.start();
            sinkThread.start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (storedForecasts(db) == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                flowing.countDown();
                while (storedForecasts(db) < expected.size() / 10 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                // A pipeline faster than the publisher stores a tenth before tick 300 is sent: kill past it.
                while (sent.get() <= 300 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                int atKill = sent.get();
                broker.kill();
                Thread.sleep(5_000);
                broker.start();
                brokerBack.countDown();
                assertTrue(atKill > 300 && atKill < ticks.size(), "the broker died mid-replay (" + atKill + " ticks sent)");
                pub.join();
                List<Forecast> got = readForecasts(t.forecasts(), expected.size(), Duration.ofSeconds(150), Duration.ofSeconds(3));
                assertExactlyTheUninterruptedRun(got);
                long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (storedForecasts(db) < expected.size() && System.nanoTime() < waitUntil) {
                    Thread.sleep(100);
                }
                Thread.sleep(1_500); // a duplicate would land now
                assertStoredExactlyTheUninterruptedRun(db);
                assertTrue(sinkThread.isAlive() && sink.failure() == null, "the sink rode out the outage: " + sink.failure());
                System.out.printf("broker kill: at tick %d of %d; %d forecasts exactly once in topic and database, sink retries %d%n",
                        atKill, ticks.size(), expected.size(), sink.retries());
            } finally {
                sink.stop();
                sink.awaitTermination(Duration.ofSeconds(30));
            }
        }
    }

    private static long storedForecasts(org.mambats.ingest.db.Database db) throws java.sql.SQLException {
        try (java.sql.Connection c = db.dataSource().getConnection(); java.sql.Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM forecasts")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Every expected forecast once in the database, with predict's values bit for bit. */
    private static void assertStoredExactlyTheUninterruptedRun(org.mambats.ingest.db.Database db) throws java.sql.SQLException {
        Map<String, Integer> seen = new HashMap<>();
        try (java.sql.Connection c = db.dataSource().getConnection(); java.sql.Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT symbol, seq, horizon, log_returns FROM forecasts")) {
            while (rs.next()) {
                String key = rs.getString(1) + "," + rs.getLong(2) + "," + rs.getString(3);
                seen.merge(key, 1, Integer::sum);
                float[] q = expected.get(key);
                assertNotNull(q, "unexpected row " + key);
                Float[] stored = (Float[]) rs.getArray(4).getArray();
                for (int j = 0; j < q.length; j++) {
                    assertEquals(q[j], stored[j], 0f, "value " + j + " of " + key);
                }
            }
        }
        List<String> twice = seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).limit(5).toList();
        assertTrue(twice.isEmpty(), "rows stored twice: " + twice);
        assertEquals(expected.size(), seen.size(), "rows stored (of " + expected.size() + ")");
    }

    /** Counts committed forecasts in the background. */
    static final class ForecastCounter implements AutoCloseable {
        private final AtomicInteger count = new AtomicInteger();
        private volatile boolean running = true;
        private final Thread thread;

        ForecastCounter(String topic) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "counter-" + System.nanoTime());
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            thread = new Thread(() -> {
                try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                    c.subscribe(List.of(topic));
                    while (running) {
                        count.addAndGet(c.poll(Duration.ofMillis(50)).count());
                    }
                }
            }, "forecast-counter");
            thread.start();
        }

        int count() {
            return count.get();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join();
        }
    }

    @Test
    void rebalanceBetweenTwoInstancesEndsExactlyOnce() throws Exception {
        StreamTopics t = topics("rebalance");
        AtomicInteger sent = new AtomicInteger();
        Thread pub = publisher(t.ticks(), 900, sent);
        ForecastStreamApp a = new ForecastStreamApp(model, settings("rebalance-app", t, "rebalance-a"));
        ForecastStreamApp b = new ForecastStreamApp(model, settings("rebalance-app", t, "rebalance-b"));
        try {
            a.start();
            while (sent.get() < ticks.size() / 3) {
                Thread.sleep(50);
            }
            b.start(); // partitions move from a to b, state goes with them through the changelog
            while (sent.get() < 2 * ticks.size() / 3) {
                Thread.sleep(50);
            }
            a.close(); // and back: b takes every partition
            pub.join();
            List<Forecast> got = readForecasts(t.forecasts(), expected.size(), Duration.ofSeconds(120), Duration.ofSeconds(3));
            assertExactlyTheUninterruptedRun(got);
            assertTrue(b.counters().accepted.sum() > 0, "the second instance did work");
            assertTrue(a.counters().replayed.sum() + b.counters().replayed.sum() > 0, "tasks that moved replayed their ticks");
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void aStaticMemberLeavesOnCloseAndItsReplacementEndsExactlyOnce() throws Exception {
        StreamTopics t = topics("handover");
        AtomicInteger sent = new AtomicInteger();
        Thread pub = publisher(t.ticks(), 900, sent);
        ForecastStreamApp.Settings sa = settings("handover-app", t, "handover-a");
        sa.instanceId = "handover-a";
        ForecastStreamApp.Settings sb = settings("handover-app", t, "handover-b");
        sb.instanceId = "handover-b";
        try (Admin admin = broker.newAdmin()) {
            try (ForecastStreamApp a = new ForecastStreamApp(model, sa)) {
                a.start();
                assertTrue(a.awaitRunning(Duration.ofSeconds(90)), "first instance running");
                List<MemberDescription> members = members(admin, "handover-app");
                assertEquals(1, members.size());
                assertEquals(Optional.of("handover-a-1"), members.get(0).groupInstanceId(), "static member, one per stream thread");
                while (sent.get() < ticks.size() / 2) {
                    Thread.sleep(50);
                }
            }
            assertEquals(List.of(), members(admin, "handover-app"), "the closed instance left the group");
            try (ForecastStreamApp b = new ForecastStreamApp(model, sb)) {
                b.start();
                pub.join();
                List<Forecast> got = readForecasts(t.forecasts(), expected.size(), Duration.ofSeconds(120), Duration.ofSeconds(3));
                assertExactlyTheUninterruptedRun(got);
                assertTrue(b.counters().accepted.sum() > 0, "the replacement did work");
                assertTrue(b.counters().replayed.sum() > 0, "the replacement replayed the ticks since the last snapshot");
            }
        }
    }

    /**
     * {@code ./mamba-ts stream} stopped with SIGTERM (Ctrl-C, or a container's stop) while forecasting: the JVM waits
     * for the command to close the application, so it commits, closes its stores and, as a static member, leaves
     * the group at once for its replacement; then it exits.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void theStreamCommandStoppedWithSigtermClosesTheApplicationAndLeavesTheGroup() throws Exception {
        StreamTopics t = topics("sigterm");
        AtomicInteger sent = new AtomicInteger();
        Thread pub = publisher(t.ticks(), 300, sent);
        Process child = startChild(t, "sigterm-state", "sigterm-app", "--instance-id", "sigterm-a");
        Path log = dir.resolve("sigterm-state.log");
        try (Admin admin = broker.newAdmin()) {
            awaitRunning(log, System.nanoTime() + TimeUnit.SECONDS.toNanos(90));
            assertTrue(Files.readString(log).contains("-> RUNNING"), "the stream did not start:\n" + Files.readString(log));
            while (sent.get() < 300) {
                Thread.sleep(50);
            }
            assertEquals(1, members(admin, "sigterm-app").size(), "a running static member");
            child.destroy(); // SIGTERM
            assertTrue(child.waitFor(90, TimeUnit.SECONDS), "the stream did not exit on SIGTERM");
            String out = Files.readString(log);
            assertTrue(out.contains("stream: closed: last commit made, stores closed, left the group"), "the application was not closed before the JVM exited:\n" + out);
            assertEquals(List.of(), members(admin, "sigterm-app"), "the stopped instance left the group");
        } finally {
            child.destroyForcibly();
            pub.join();
        }
    }

    @Test
    void aStaticMemberKilledWithSigkillAndRestartedUnderItsNameEndsExactlyOnce() throws Exception {
        StreamTopics t = topics("crash-static");
        // This one writes the states after every tick (no snapshots): that mode must recover exactly too.
        Process first = startChild(t, "crash-static-1", "crash-static-app", "--instance-id", "crash-static", "--snapshot-interval-ms", "0");
        // The replay starts once the stream runs, so it is still going when the stream is killed.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        awaitRunning(dir.resolve("crash-static-1.log"), deadline);
        AtomicInteger sent = new AtomicInteger();
        CountDownLatch killed = new CountDownLatch(1); // holds the last 600 ticks back until the kill
        Thread pub = publisher(t.ticks(), 300, sent, java.util.Map.of(1500, killed));
        try (ForecastCounter counter = new ForecastCounter(t.forecasts())) {
            while (counter.count() < expected.size() / 10 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            first.destroyForcibly().waitFor();
        }
        killed.countDown();
        assertTrue(sent.get() < ticks.size(), "the replay was still running when the stream was killed (" + sent.get() + " sent)");
        // Same name, fresh state directory: the new process takes the dead member's place in the group and
        // rebuilds the state from the changelog.
        Process second = startChild(t, "crash-static-2", "crash-static-app", "--instance-id", "crash-static", "--snapshot-interval-ms", "0");
        try {
            pub.join();
            List<Forecast> got = readForecasts(t.forecasts(), expected.size(), Duration.ofSeconds(120), Duration.ofSeconds(3));
            assertExactlyTheUninterruptedRun(got);
        } finally {
            second.destroy();
            second.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * At-least-once, the setting for a signal that must be fast: killed with SIGKILL before its first commit (the
     * interval is 60 s, so the kill always lands before it), the restarted stream reads every tick again and sends
     * again every forecast the first one had sent, each with the same values, and the sink, whose insert skips a key
     * it already holds, stores each once.
     */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void atLeastOnceKilledWithSigkillRepeatsForecastsAndTheSinkStoresEachOnce() throws Exception {
        StreamTopics t = topics("alos-crash");
        String[] atLeastOnce = {"--processing-guarantee", "at_least_once", "--commit-interval-ms", "60000", "--instance-id", "alos-crash"};
        try (org.mambats.ingest.db.EmbeddedPostgresServer pg = org.mambats.ingest.db.EmbeddedPostgresServer.start(dir.resolve("pg-alos-crash"),
                java.util.Map.of("fsync", "off"));
             org.mambats.ingest.db.Database db = org.mambats.ingest.db.Database.open(pg.jdbcUrl(), null, 2)) {
            org.mambats.ingest.sink.ForecastSink sink = new org.mambats.ingest.sink.ForecastSink(
                    new org.mambats.ingest.sink.ForecastSink.Config(broker.bootstrapServers(), t.forecasts(), null, "alos-crash-sink", 500, 50, 1000),
                    db.dataSource());
            Thread sinkThread = new Thread(sink, "sink-through-alos-crash");
            sinkThread.start();
            Process first = startChild(t, "alos-crash-1", "alos-crash-app", atLeastOnce);
            Process second = null;
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                awaitRunning(dir.resolve("alos-crash-1.log"), deadline);
                AtomicInteger sent = new AtomicInteger();
                CountDownLatch killed = new CountDownLatch(1); // holds the last 600 ticks back until the kill
                Thread pub = publisher(t.ticks(), 300, sent, java.util.Map.of(1500, killed));
                int sentBeforeKill;
                try (ForecastCounter counter = new ForecastCounter(t.forecasts())) {
                    while (counter.count() < expected.size() / 10 && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    first.destroyForcibly().waitFor();
                    Thread.sleep(200);
                    sentBeforeKill = counter.count();
                }
                killed.countDown();
                assertTrue(sentBeforeKill > 0, "the first stream sent forecasts before it was killed");
                second = startChild(t, "alos-crash-2", "alos-crash-app", atLeastOnce);
                pub.join();
                List<Forecast> got = readForecasts(t.forecasts(), expected.size() + sentBeforeKill, Duration.ofSeconds(120), Duration.ofSeconds(3));
                // A repeated forecast must repeat the values: every copy is checked against predict's.
                Map<String, Integer> copies = assertEveryForecastOfTheUninterruptedRun(got);
                long repeated = copies.values().stream().filter(c -> c > 1).count();
                assertTrue(repeated >= sentBeforeKill, "every forecast sent before the kill was sent again: " + repeated + " repeated, "
                        + sentBeforeKill + " sent before the kill");
                long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (storedForecasts(db) < expected.size() && System.nanoTime() < waitUntil) {
                    Thread.sleep(100);
                }
                Thread.sleep(1_500); // a late duplicate would land now
                assertStoredExactlyTheUninterruptedRun(db);
                assertTrue(sink.failure() == null, "the sink: " + sink.failure());
                System.out.printf("at-least-once kill: %d forecasts in the topic for %d expected (%d repeated), each stored once%n",
                        got.size(), expected.size(), repeated);
            } finally {
                first.destroyForcibly();
                if (second != null) {
                    second.destroy();
                    second.waitFor(30, TimeUnit.SECONDS);
                }
                sink.stop();
                sink.awaitTermination(Duration.ofSeconds(30));
            }
        }
    }

    /**
     * A state directory that cannot be written (a full disk, a read-only mount): the stream refuses to start with an
     * error that names the directory, nothing in the directory changes, and once it can be written again the stream
     * carries on from the state in it: the forecasts of the whole run are the uninterrupted run's, bit for bit.
     */
    @Test
    void anUnwritableStateDirectoryIsRefusedClearlyAndItsStateUsedOnceWritableAgain() throws Exception {
        StreamTopics t = topics("unwritable");
        ForecastStreamApp.Settings s = settings("unwritable-app", t, "unwritable-state");
        s.instanceId = "unwritable"; // a clean close hands the partitions over at once
        s.snapshotIntervalMs = 300;
        AtomicInteger sent = new AtomicInteger();
        CountDownLatch secondHalf = new CountDownLatch(1);
        Thread pub = publisher(t.ticks(), 0, sent, java.util.Map.of(ticks.size() / 2, secondHalf));
        try (ForecastStreamApp app = new ForecastStreamApp(model, s)) {
            app.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (app.counters().accepted.sum() < ticks.size() / 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(ticks.size() / 2, app.counters().accepted.sum(), "the first half was processed");
            Thread.sleep(1_000); // a snapshot and a commit after the last tick
        }
        Map<Path, String> before = files(s.stateDir);
        try (UnwritableDirectory unwritable = UnwritableDirectory.of(s.stateDir)) {
            org.junit.jupiter.api.Assumptions.assumeTrue(unwritable != null, "this machine cannot make a directory unwritable for root");
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> new ForecastStreamApp(model, s).close());
            assertTrue(e.getMessage().contains(s.stateDir.toAbsolutePath().toString()) && e.getMessage().contains("is not writable"),
                    e.getMessage());
            assertEquals(before, files(s.stateDir), "nothing in the state directory changed");
        }
        try (ForecastStreamApp app = new ForecastStreamApp(model, s)) {
            app.start();
            secondHalf.countDown();
            pub.join();
            List<Forecast> got = readForecasts(t.forecasts(), expected.size(), Duration.ofSeconds(120), Duration.ofSeconds(3));
            assertExactlyTheUninterruptedRun(got);
            assertEquals(ticks.size() - ticks.size() / 2, app.counters().accepted.sum(), "the restarted stream used the state it had");
        }
    }

    /**
     * The state directory's disk fills up mid-run. The changelog topic, not the disk, is the state's record, so
     * the stream goes on while RocksDB holds its writes in memory (its failed flushes are logged), or stops with
     * the error where a write fails; either way nothing it sent is lost or doubled. A start on the full disk is
     * refused with an error that names the directory, and once there is room the stream resumes exactly.
     */
    @Test
    void aFullStateDiskLosesNothingRefusesAStartAndResumesOnceThereIsRoom() throws Exception {
        StreamTopics t = topics("full");
        try (SmallFileSystem disk = SmallFileSystem.mount(dir.resolve("full-state"), 48)) {
            org.junit.jupiter.api.Assumptions.assumeTrue(disk != null, "this machine cannot mount a small file system");
            ForecastStreamApp.Settings s = settings("full-app", t, "full-state");
            s.instanceId = "full";
            s.snapshotIntervalMs = 300;
            int third = ticks.size() / 3;
            CountDownLatch second = new CountDownLatch(1), last = new CountDownLatch(1);
            Thread pub = publisher(t.ticks(), 0, new AtomicInteger(), java.util.Map.of(third, second, 2 * third, last));
            try (ForecastStreamApp app = new ForecastStreamApp(model, s)) {
                app.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (app.counters().accepted.sum() < third && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(third, app.counters().accepted.sum(), "the first third was processed");
                Thread.sleep(1_000); // a snapshot and a commit after the last tick
                disk.fillLeaving(0);
                second.countDown();
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (app.counters().accepted.sum() < 2 * third && System.nanoTime() < deadline
                        && app.streams().state() != org.apache.kafka.streams.KafkaStreams.State.ERROR) {
                    Thread.sleep(20);
                }
                Thread.sleep(3_000); // flushes and commits on the full disk
                System.out.printf("full state disk: %s, %d of the second third's %d ticks taken%n", app.streams().state(),
                        app.counters().accepted.sum() - third, third);
            }
            disk.fillLeaving(0); // closing may have deleted files
            IllegalStateException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> new ForecastStreamApp(model, s).close());
            assertTrue(refused.getMessage().contains(disk.dir().toAbsolutePath().toString()) && refused.getMessage().contains("free"),
                    refused.getMessage());
            disk.makeRoom();
            try (ForecastStreamApp app = new ForecastStreamApp(model, s)) {
                app.start();
                last.countDown();
                pub.join();
                assertExactlyTheUninterruptedRun(readForecasts(t.forecasts(), expected.size(), Duration.ofSeconds(120), Duration.ofSeconds(3)));
            }
        }
    }

    /** Every file under {@code dir} with its size and modification time. */
    private static Map<Path, String> files(Path dir) throws java.io.IOException {
        Map<Path, String> out = new java.util.TreeMap<>();
        try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                out.put(p, Files.size(p) + " bytes, modified " + Files.getLastModifiedTime(p));
            }
        }
        return out;
    }

    @Test
    void restartedWithANewCheckpointTheStreamForecastsAsTheNewModelWouldHaveAllAlong() throws Exception {
        StreamTopics t = topics("new-model");
        ForecastModel retrained = TestModels.checkpoint(dir, csv, 6);
        Map<String, float[]> expectedRetrained = TestModels.predicted(retrained, csv);
        int half = ticks.size() / 2;
        CountDownLatch secondHalf = new CountDownLatch(1);
        Thread pub = publisher(t.ticks(), 0, new AtomicInteger(), java.util.Map.of(half, secondHalf));
        ForecastStreamApp.Settings s = settings("new-model-app", t, "new-model-state");
        s.instanceId = "new-model";
        s.snapshotIntervalMs = 300;
        try (ForecastStreamApp old = new ForecastStreamApp(model, s)) {
            old.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (old.counters().accepted.sum() < half && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(half, old.counters().accepted.sum(), "the old model took the first half");
            // The old model's states are in the store (committed snapshots of all three symbols) when it stops.
            String changelog = "new-model-app-" + StreamTopics.STATE_STORE + "-changelog";
            assertTrue(committedRecords(changelog, 3, Duration.ofSeconds(30)) >= 3, "snapshots of the old model's states");
        }
        try (ForecastStreamApp next = new ForecastStreamApp(retrained, s)) {
            next.start();
            assertTrue(next.awaitRunning(Duration.ofSeconds(90)), "running with the new checkpoint");
            assertEquals(half, next.counters().replayed.sum(), "the new model stepped the whole first half again");
            secondHalf.countDown();
            pub.join();
            List<Forecast> got = readForecasts(t.forecasts(), expected.size(), Duration.ofSeconds(90), Duration.ofSeconds(2));
            // Each tick's forecast exactly once: the first half's by the old model, the rest by the new one, with
            // the values the new model gives when it has run over every tick (not from the old model's states).
            Map<String, Integer> publishedAt = new HashMap<>();
            for (int i = 0; i < ticks.size(); i++) {
                publishedAt.put(ticks.get(i).symbol() + "," + ticks.get(i).seq(), i);
            }
            Map<String, Integer> seen = new HashMap<>();
            for (Forecast f : got) {
                String key = f.symbol() + "," + f.seq() + "," + f.horizon();
                seen.merge(key, 1, Integer::sum);
                boolean firstHalf = publishedAt.get(f.symbol() + "," + f.seq()) < half;
                ForecastModel by = firstHalf ? model : retrained;
                assertEquals(by.version(), f.version(), key);
                assertArrayEquals((firstHalf ? expected : expectedRetrained).get(key), f.logReturns(), 0f, key);
            }
            assertEquals(expected.keySet(), seen.keySet());
            assertTrue(seen.values().stream().allMatch(n -> n == 1), "each forecast once");
        }
    }

    /** Reads {@code topic} as a read_committed consumer until {@code atLeast} records have come, or the time is up. */
    private static int committedRecords(String topic, int atLeast, Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + System.nanoTime());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        int n = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (n < atLeast && System.nanoTime() < deadline) {
                n += c.poll(Duration.ofMillis(200)).count();
            }
        }
        return n;
    }

    /** Waits until a child's log shows its stream RUNNING (StreamCommand prints each state change). */
    private static void awaitRunning(Path log, long deadline) throws Exception {
        while (!(Files.exists(log) && Files.readString(log).contains("-> RUNNING")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    private static List<MemberDescription> members(Admin admin, String group) throws Exception {
        return new ArrayList<>(admin.describeConsumerGroups(List.of(group)).all().get().get(group).members());
    }

    private static Process startChild(StreamTopics t, String stateDir, String applicationId, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx512m", "-XX:+UseSerialGC",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-Dorg.slf4j.simpleLogger.log." + MambaForecastProcessor.class.getName() + "=info",
                "-cp", System.getProperty("java.class.path"), StreamChildMain.class.getName(),
                "--checkpoint", checkpoint.toString(), "--bootstrap", broker.bootstrapServers(),
                "--application-id", applicationId, "--ticks-topic", t.ticks(), "--forecasts-topic", t.forecasts(),
                "--dlq-topic", t.deadLetters(), "--state-dir", dir.resolve(stateDir).toString(), "--status-seconds", "0"));
        cmd.addAll(List.of(extra));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(stateDir + ".log").toFile())).start();
    }
}
