package org.mambats.service.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.mambats.ingest.broker.KafkaBroker;
import org.mambats.ingest.db.Database;
import org.mambats.ingest.sink.BatchWriter;
import org.mambats.ingest.stream.ForecastStreamApp;
import org.mambats.ingest.stream.StreamTopics;
import org.mambats.model.forecast.Forecast;
import org.mambats.model.tick.Tick;
import org.mambats.service.ForecastService;
import org.mambats.service.api.ApiAccess;
import org.mambats.service.cli.ServeCommand;
import org.mambats.service.metrics.ServiceMetrics;

/**
 * A load test of the service on loopback: many dashboard clients at once against the real thing (an embedded
 * PostgreSQL with an hour of ticks and forecasts per symbol, an in-process KRaft broker carrying new forecasts, the
 * service with its token required).
 *
 * <p>Each client does what the dashboard page does: on opening, the page's queries (symbols, latest forecasts,
 * model versions, an hour of 1-minute candles and of forecasts, errors, backtests), then the live event stream of
 * its symbol; while open, the page's periodic refreshes (symbols and models every 10 s, errors every 15 s,
 * backtests every 30 s) and, every 10 s, the chart's reload of forecasts (as on a window or horizon change). A
 * publisher puts new forecasts on the topic, each stamped with the wall time it was sent, so a client's lag is the
 * time from the producer to the page, through Kafka, the live feed and the event stream.
 *
 * <p>After the run the clients leave (their connections closed) and the test waits for the service to notice, then
 * counts what is left: live clients, open connections, platform threads, heap after a collection.
 */
public final class DashboardLoad {
    /** Symbols the clients spread over, round robin. */
    public static final int SYMBOLS = 10;
    static final String[] HORIZONS = {"1tick", "60s", "300s"};
    static final String TOKEN = "load-test-token-0123456789abcdef";
    /** How long the service may take to notice that clients left: its keep-alive comment goes out every 15 s. */
    static final Duration LEAVE_TIMEOUT = Duration.ofSeconds(45);

    /** How many clients, for how long, opening over how long, and how many ticks a second per symbol are published. */
    public record Settings(int clients, Duration run, Duration rampUp, double ticksPerSecondPerSymbol, Duration answerTtl) {
        public Settings(int clients, Duration run, Duration rampUp, double ticksPerSecondPerSymbol) {
            this(clients, run, rampUp, ticksPerSecondPerSymbol, org.mambats.service.api.ForecastApi.DEFAULT_ANSWER_TTL);
        }
    }

    /** Latency percentiles in milliseconds. */
    public record Percentiles(long count, double p50, double p99, double max) {
        static Percentiles of(ConcurrentLinkedQueue<Long> nanosOrMillis, double toMillis) {
            long[] v = nanosOrMillis.stream().mapToLong(Long::longValue).sorted().toArray();
            if (v.length == 0) {
                return new Percentiles(0, Double.NaN, Double.NaN, Double.NaN);
            }
            return new Percentiles(v.length, v[(int) Math.min(v.length - 1, Math.floor(0.50 * v.length))] * toMillis,
                    v[(int) Math.min(v.length - 1, Math.floor(0.99 * v.length))] * toMillis, v[v.length - 1] * toMillis);
        }

        String describe() {
            return String.format(Locale.ROOT, "p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms  (%,d)", p50, p99, max, count);
        }
    }

    /** What one run measured, and what was left once the clients had gone. */
    public record Result(int clients, int streamsOpened, long failedRequests, long refusedStreams, Percentiles forecastsQuery,
                         Percentiles pageLoad, Percentiles deliveryLag, long eventsPublished, long eventsReceived,
                         int liveClientsAfter, int connectionsAfter, int platformThreadsBefore, int platformThreadsAfter,
                         List<String> newPlatformThreads, long heapBeforeMb, long heapAfterMb, double leaveSeconds, Map<String, Percentiles> byEndpoint) {
        public void print(PrintStream out) {
            out.printf(Locale.ROOT, "%,d clients (%,d event streams opened, %d refused, %d failed requests):%n", clients, streamsOpened,
                    refusedStreams, failedRequests);
            out.println("  /api/forecasts      " + forecastsQuery.describe());
            out.println("  page load (8 calls) " + pageLoad.describe());
            out.println("  SSE delivery lag    " + deliveryLag.describe());
            byEndpoint.forEach((path, p) -> out.printf(Locale.ROOT, "    %-22s %s%n", path, p.describe()));
            out.printf(Locale.ROOT, "  events: %,d published, %,d delivered to clients%n", eventsPublished, eventsReceived);
            out.printf(Locale.ROOT, "  after the clients left (noticed in %.1f s): %d live clients, %d open connections, platform threads "
                    + "%d (before %d), heap %d MB (before %d MB)%n", leaveSeconds, liveClientsAfter, connectionsAfter, platformThreadsAfter,
                    platformThreadsBefore, heapAfterMb, heapBeforeMb);
            if (!newPlatformThreads.isEmpty()) {
                out.println("  platform threads started and still alive: " + String.join(", ", newPlatformThreads));
            }
        }
    }

    private DashboardLoad() {
    }

    /** Starts the platform in {@code work}, runs each of {@code runs} in turn against it, and stops it. */
    public static List<Result> run(Path work, List<Settings> runs, PrintStream progress) throws Exception {
        List<Result> results = new ArrayList<>();
        try (Database db = Database.open(null, work.resolve("pg"), ServeCommand.DATABASE_CONNECTIONS);
             KafkaBroker broker = KafkaBroker.builder(work.resolve("kafka")).inProcess(true).start()) {
            progress.println("load: storing an hour of ticks and forecasts for " + SYMBOLS + " symbols ...");
            long now = System.currentTimeMillis();
            seed(db, now);
            ForecastStreamApp.createTopics(broker.bootstrapServers(), StreamTopics.DEFAULT, 2);
            ForecastService.Settings s = ForecastService.Settings.local(0, broker.bootstrapServers())
                    .withAccess(ApiAccess.token(TOKEN), false).withMaxLiveClients(runs.stream().mapToInt(Settings::clients).max().orElse(1) + 10);
            try (ForecastService service = ForecastService.start(db, s, new ServiceMetrics())) {
                for (Settings r : runs) {
                    progress.printf(Locale.ROOT, "load: %,d clients for %d s (opening over %d s), %.0f ticks/s per symbol, answers shared "
                            + "for %d ms ...%n", r.clients(), r.run().toSeconds(), r.rampUp().toSeconds(), r.ticksPerSecondPerSymbol(),
                            r.answerTtl().toMillis());
                    service.answerTtl(r.answerTtl());
                    Result result = runOnce(service, db, broker.bootstrapServers(), r);
                    result.print(progress);
                    results.add(result);
                }
            }
        }
        return results;
    }

    /** An hour of one tick a second per symbol, with a forecast per horizon, ending at {@code now}. */
    static void seed(Database db, long now) throws Exception {
        BatchWriter writer = new BatchWriter();
        for (int k = 0; k < SYMBOLS; k++) {
            List<Tick> ticks = new ArrayList<>();
            List<Forecast> forecasts = new ArrayList<>();
            double price = 100 * (k + 1);
            for (int i = 0; i < 3600; i++) {
                long t = now - (3600 - i) * 1000L;
                price *= Math.exp(1e-4 * ThreadLocalRandom.current().nextGaussian());
                ticks.add(new Tick(symbol(k), t, price, 1, Double.NaN, Double.NaN, i));
                for (String h : HORIZONS) {
                    forecasts.add(forecast(symbol(k), t, price, i, h));
                }
            }
            try (Connection c = db.dataSource().getConnection()) {
                writer.write(c, forecasts, ticks, null, Map.of());
            }
        }
        // Statistics, as autovacuum would have gathered them on a database that has been running a while.
        try (Connection c = db.dataSource().getConnection(); java.sql.Statement st = c.createStatement()) {
            st.execute("ANALYZE");
        }
    }

    static String symbol(int k) {
        return String.format(Locale.ROOT, "SYM%02d", k);
    }

    static Forecast forecast(String symbol, long t, double price, long seq, String horizon) {
        return new Forecast(symbol, t, price, seq, horizon, Forecast.standardLevels(), new float[] {-0.001f, 0f, 0.001f}, "mamba", "load-v1");
    }

    private static Result runOnce(ForecastService service, Database db, String bootstrap, Settings r) throws Exception {
        System.gc();
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        java.util.Set<Long> threadIdsBefore = platformThreadIds();
        long heapBefore = usedHeapMb();
        String base = "http://127.0.0.1:" + service.port();
        ConcurrentLinkedQueue<Long> forecastNanos = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Long> pageNanos = new ConcurrentLinkedQueue<>();
        Map<String, ConcurrentLinkedQueue<Long>> byEndpoint = new java.util.concurrent.ConcurrentSkipListMap<>();
        ConcurrentLinkedQueue<Long> lagMillis = new ConcurrentLinkedQueue<>();
        AtomicLong failed = new AtomicLong(), refused = new AtomicLong(), received = new AtomicLong(), published = new AtomicLong();
        AtomicLong opened = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        long endNanos = System.nanoTime() + r.rampUp().toNanos() + r.run().toNanos();
        List<HttpResponse<Stream<String>>> streams = java.util.Collections.synchronizedList(new ArrayList<>());

        Thread publisher = Thread.ofPlatform().name("load-publisher").start(() -> publish(bootstrap, db, r, running, published));
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch done = new CountDownLatch(r.clients());
            for (int i = 0; i < r.clients(); i++) {
                String symbol = symbol(i % SYMBOLS);
                long startAt = System.nanoTime() + r.rampUp().toNanos() * i / Math.max(1, r.clients());
                clients.submit(() -> {
                    try {
                        sleepUntil(startAt);
                        new Client(http, base, symbol, endNanos, forecastNanos, pageNanos, byEndpoint, lagMillis, failed, refused, received, opened,
                                streams)
                                .run();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        done.countDown();
                    }
                });
            }
            done.await();
            running.set(false);
            publisher.join();
            // The clients leave: every event stream's connection is closed, then the client itself.
            synchronized (streams) {
                for (HttpResponse<Stream<String>> s : streams) {
                    s.body().close();
                }
            }
        }
        long leaveStart = System.nanoTime();
        long deadline = leaveStart + LEAVE_TIMEOUT.toNanos();
        while ((service.liveClients() > 0 || service.openConnections() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        double leaveSeconds = (System.nanoTime() - leaveStart) / 1e9;
        System.gc();
        Thread.sleep(500);
        return new Result(r.clients(), (int) opened.get(), failed.get(), refused.get(), Percentiles.of(forecastNanos, 1e-6),
                Percentiles.of(pageNanos, 1e-6), Percentiles.of(lagMillis, 1), published.get(), received.get(), service.liveClients(),
                service.openConnections(), threadsBefore, ManagementFactory.getThreadMXBean().getThreadCount(),
                newPlatformThreads(threadIdsBefore), heapBefore, usedHeapMb(),
                leaveSeconds, byEndpointPercentiles(byEndpoint));
    }

    /** Live platform threads (the JVM's thread list holds no virtual ones). */
    private static java.util.Set<Long> platformThreadIds() {
        java.util.Set<Long> ids = new java.util.HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            ids.add(t.threadId());
        }
        return ids;
    }

    private static List<String> newPlatformThreads(java.util.Set<Long> before) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> !before.contains(t.threadId())).map(Thread::getName).sorted().toList();
    }

    private static Map<String, Percentiles> byEndpointPercentiles(Map<String, ConcurrentLinkedQueue<Long>> nanos) {
        Map<String, Percentiles> out = new java.util.TreeMap<>();
        nanos.forEach((path, q) -> out.put(path, Percentiles.of(q, 1e-6)));
        return out;
    }

    /**
     * New ticks and forecasts for every symbol at the configured rate, each stamped with the wall time it is sent:
     * the forecasts onto the topic (for the live feed), and both into the database once a second, as the sink would.
     */
    private static void publish(String bootstrap, Database db, Settings r, AtomicBoolean running, AtomicLong published) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        BatchWriter writer = new BatchWriter();
        List<Forecast> forecasts = new ArrayList<>();
        List<Tick> ticks = new ArrayList<>();
        // Its own connection, as the sink has (another process, another pool): not one of the service's.
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
             Connection store = java.sql.DriverManager.getConnection(db.jdbcUrl())) {
            long periodNanos = (long) (1e9 / r.ticksPerSecondPerSymbol());
            long next = System.nanoTime();
            long nextStore = next + 1_000_000_000L;
            long seq = 1_000_000 + System.currentTimeMillis() % 1_000_000 * 1000; // after the seeded ones and those of earlier runs
            while (running.get()) {
                long now = System.currentTimeMillis();
                for (int k = 0; k < SYMBOLS; k++) {
                    double price = 100 * (k + 1);
                    ticks.add(new Tick(symbol(k), now, price, 1, Double.NaN, Double.NaN, seq));
                    for (String h : HORIZONS) {
                        Forecast f = forecast(symbol(k), now, price, seq, h);
                        forecasts.add(f);
                        byte[] key = symbol(k).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                        producer.send(new ProducerRecord<>(StreamTopics.DEFAULT.forecasts(), key, f.toJson()));
                        published.incrementAndGet();
                    }
                }
                seq++;
                if (System.nanoTime() - nextStore >= 0) {
                    writer.write(store, forecasts, ticks, null, Map.of());
                    forecasts.clear();
                    ticks.clear();
                    nextStore += 1_000_000_000L;
                }
                next += periodNanos;
                sleepUntil(next);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("load: cannot store ticks and forecasts: " + e.getMessage(), e);
        }
    }

    /** One dashboard page. */
    private record Client(HttpClient http, String base, String symbol, long endNanos, ConcurrentLinkedQueue<Long> forecastNanos,
                          ConcurrentLinkedQueue<Long> pageNanos, Map<String, ConcurrentLinkedQueue<Long>> byEndpoint,
                          ConcurrentLinkedQueue<Long> lagMillis, AtomicLong failed, AtomicLong refused,
                          AtomicLong received, AtomicLong opened, List<HttpResponse<Stream<String>>> streams) {
        private static final ObjectMapper JSON = new ObjectMapper();

        void run() throws InterruptedException {
            long t0 = System.nanoTime();
            get("/api/symbols");
            get("/api/forecasts/latest?symbol=" + symbol);
            get("/api/models?symbol=" + symbol);
            String window = window(get("/api/symbols"));
            get("/api/ticks?symbol=" + symbol + window + "&bucket=1m");
            forecasts(window);
            errors(get("/api/symbols"));
            get("/api/backtests");
            pageNanos.add(System.nanoTime() - t0);
            openStream();
            long tick = 0;
            while (System.nanoTime() < endNanos) {
                Thread.sleep(1000 + ThreadLocalRandom.current().nextInt(100));
                tick++;
                if (tick % 10 == 0) {
                    String w = window(get("/api/symbols"));
                    get("/api/models?symbol=" + symbol);
                    forecasts(w);
                }
                if (tick % 15 == 0) {
                    errors(get("/api/symbols"));
                }
                if (tick % 30 == 0) {
                    get("/api/backtests");
                }
            }
        }

        /** The page's error summary: the hour up to the last whole minute (following live). */
        private void errors(String symbols) throws InterruptedException {
            long end = end(symbols) / 60_000 * 60_000;
            get("/api/errors?symbol=" + symbol + "&from=" + (end - 3_600_000) + "&to=" + end);
        }

        /** The hour the page shows: up to just after the symbol's newest tick or forecast, as the page computes it. */
        private String window(String symbols) {
            long end = end(symbols);
            return "&from=" + (end - 3_600_000) + "&to=" + end;
        }

        private long end(String symbols) {
            long end = System.currentTimeMillis();
            try {
                for (JsonNode s : symbols == null ? JSON.createArrayNode() : JSON.readTree(symbols)) {
                    if (symbol.equals(s.path("symbol").asText())) {
                        end = Math.max(s.path("last_tick").asLong(0), s.path("last_forecast").asLong(0)) + 1;
                    }
                }
            } catch (java.io.IOException e) {
                // keep the wall clock
            }
            return end;
        }

        private void forecasts(String window) throws InterruptedException {
            long t = System.nanoTime();
            if (get("/api/forecasts?symbol=" + symbol + "&horizon=300s" + window + "&bucket=1m") != null) {
                forecastNanos.add(System.nanoTime() - t);
            }
        }

        private HttpRequest.Builder request(String path) {
            return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + TOKEN);
        }

        /** The body of a 200, or null (counted as a failure). */
        private String get(String path) throws InterruptedException {
            try {
                long t = System.nanoTime();
                HttpResponse<String> r = http.send(request(path).header("Accept", "application/json").build(), HttpResponse.BodyHandlers.ofString());
                byEndpoint.computeIfAbsent(path.replaceAll("\\?.*", ""), k -> new ConcurrentLinkedQueue<>()).add(System.nanoTime() - t);
                if (r.statusCode() != 200) {
                    failed.incrementAndGet();
                    return null;
                }
                return r.body();
            } catch (java.io.IOException e) {
                failed.incrementAndGet();
                return null;
            }
        }

        private void openStream() throws InterruptedException {
            HttpResponse<Stream<String>> r;
            try {
                r = http.send(request("/api/stream?symbol=" + symbol).header("Accept", "text/event-stream").timeout(Duration.ofDays(1)).build(),
                        HttpResponse.BodyHandlers.ofLines());
            } catch (java.io.IOException e) {
                failed.incrementAndGet();
                return;
            }
            if (r.statusCode() != 200) {
                (r.statusCode() == 503 ? refused : failed).incrementAndGet();
                r.body().close();
                return;
            }
            opened.incrementAndGet();
            streams.add(r);
            Thread.ofVirtual().name("load-sse-" + symbol).start(() -> {
                try {
                    r.body().forEach(line -> {
                        if (line.startsWith("data:") && line.contains("\"model_version\":\"load-v1\"")) {
                            long lag = System.currentTimeMillis() - ts(line);
                            if (lag >= 0) {
                                lagMillis.add(lag);
                            }
                            received.incrementAndGet();
                        }
                    });
                } catch (RuntimeException e) {
                    // the stream was closed when the client left
                }
            });
        }

        /** The forecast's "ts", read without parsing the whole message: the clients share the service's CPU. */
        private static long ts(String dataLine) {
            int at = dataLine.indexOf("\"ts\":");
            if (at < 0) {
                return Long.MAX_VALUE;
            }
            int from = at + 5, to = from;
            while (to < dataLine.length() && Character.isDigit(dataLine.charAt(to))) {
                to++;
            }
            return to > from ? Long.parseLong(dataLine, from, to, 10) : Long.MAX_VALUE;
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private static long usedHeapMb() {
        Runtime rt = Runtime.getRuntime();
        return (rt.totalMemory() - rt.freeMemory()) >> 20;
    }

    /** {@code ./mamba-ts bench --suites service}: 100 and then 1,000 clients, 60 s each. */
    public static void bench(PrintStream out, boolean quick) throws Exception {
        Path work = java.nio.file.Files.createTempDirectory("mamba-ts-load");
        try {
            Duration run = quick ? Duration.ofSeconds(10) : Duration.ofSeconds(60);
            Duration ramp = Duration.ofSeconds(quick ? 5 : 20);
            List<Result> results = run(work, List.of(new Settings(100, run, Duration.ofSeconds(quick ? 2 : 5), 5),
                    new Settings(1000, run, ramp, 5), new Settings(1000, run, ramp, 5, Duration.ZERO)), out);
            out.println("Service under load (loopback; one JVM for the service and the clients, so the clients' CPU is the service's too):");
            out.println("| clients | answers shared | /api/forecasts p50 / p99 | page load p99 | SSE lag p50 / p99 | failed | left behind |");
            out.println("|---|---|---|---|---|---|---|");
            String[] shared = {"1 s", "1 s", "no"};
            for (int i = 0; i < results.size(); i++) {
                Result r = results.get(i);
                out.printf(Locale.ROOT, "| %,d | %s | %.0f / %.0f ms | %.0f ms | %.0f / %.0f ms | %d | %d clients, %d connections, threads %+d |%n",
                        r.clients(), shared[i],
                        r.forecastsQuery().p50(), r.forecastsQuery().p99(), r.pageLoad().p99(), r.deliveryLag().p50(), r.deliveryLag().p99(),
                        r.failedRequests(), r.liveClientsAfter(), r.connectionsAfter(), r.platformThreadsAfter() - r.platformThreadsBefore());
            }
            out.println("Targets at 1,000 clients: /api/forecasts p99 < 250 ms, SSE lag p99 < 1 s: "
                    + (results.get(1).forecastsQuery().p99() < 250 && results.get(1).deliveryLag().p99() < 1000 ? "met" : "NOT met"));
        } finally {
            org.apache.kafka.common.utils.Utils.delete(work.toFile());
        }
    }
}
