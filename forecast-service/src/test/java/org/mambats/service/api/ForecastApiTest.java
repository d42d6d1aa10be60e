package org.mambats.service.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mambats.ingest.db.Database;
import org.mambats.ingest.stream.OperatorCounters;
import org.mambats.service.ForecastService;
import org.mambats.service.metrics.ServiceMetrics;

/**
 * The HTTP API against a real (embedded) PostgreSQL with known rows: the answers are computed from those rows, and
 * every kind of bad request gets a JSON 4xx, never a 500.
 */
class ForecastApiTest {
    /** 2013-11-25T00:00:00Z: ticks every 6 s for 10 minutes, prices rising by 0.5 each tick. */
    static final long T0 = 1_385_337_600_000L;
    static final int N = 100;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static Database db;
    static ForecastService service;
    static OperatorCounters counters = new OperatorCounters();
    static HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        db = Database.open(null, tmp.resolve("pg"), 4);
        try (Connection c = db.dataSource().getConnection()) {
            try (PreparedStatement t = c.prepareStatement("INSERT INTO ticks (symbol, ts, price, size, seq) VALUES (?, ?, ?, ?, ?)");
                 PreparedStatement f = c.prepareStatement("INSERT INTO forecasts (symbol, ts, seq, horizon, model, model_version, price, levels, "
                         + "log_returns, q10, q50, q90, p10, p50, p90) VALUES (?, ?, ?, ?, 'm', ?, ?, '{0.1,0.5,0.9}', ?, ?, ?, ?, ?, ?, ?)")) {
                for (int i = 0; i < N; i++) {
                    double price = 100 + 0.5 * i;
                    Timestamp ts = new Timestamp(T0 + 6_000L * i);
                    t.setString(1, "BTCUSD");
                    t.setTimestamp(2, ts);
                    t.setDouble(3, price);
                    t.setDouble(4, 1 + i % 3);
                    t.setLong(5, i);
                    t.addBatch();
                    for (String h : new String[] {"1tick", "60s"}) {
                        // v1 for the first half, v2 after: the default model version is the newest forecast's
                        f.setString(1, "BTCUSD");
                        f.setTimestamp(2, ts);
                        f.setLong(3, i);
                        f.setString(4, h);
                        f.setString(5, i < N / 2 ? "v1" : "v2");
                        f.setDouble(6, price);
                        f.setArray(7, c.createArrayOf("float4", new Float[] {-0.01f, 0f, 0.01f}));
                        f.setFloat(8, -0.01f);
                        f.setFloat(9, 0f);
                        f.setFloat(10, 0.01f);
                        f.setDouble(11, price * Math.exp(-0.01));
                        f.setDouble(12, price);
                        f.setDouble(13, price * Math.exp(0.01));
                        f.addBatch();
                    }
                }
                t.executeBatch();
                f.executeBatch();
            }
        }
        counters.ticksIn.add(3);
        counters.deadLetters.add(1);
        service = ForecastService.start(db, ForecastService.Settings.local(0, null), new ServiceMetrics().bindOperator(counters));
        counters.step(20_000);
        counters.step(40_000);
    }

    @AfterAll
    static void stop() {
        service.close();
        db.close();
    }

    static HttpResponse<String> get(String pathAndQuery) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode ok(String pathAndQuery) throws Exception {
        HttpResponse<String> r = get(pathAndQuery);
        assertEquals(200, r.statusCode(), pathAndQuery + " -> " + r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void symbolsAndLatest() throws Exception {
        JsonNode s = ok("/api/symbols");
        assertEquals(1, s.size());
        assertEquals("BTCUSD", s.get(0).get("symbol").asText());
        assertEquals(T0, s.get(0).get("first_tick").asLong());
        assertEquals(T0 + 6_000L * (N - 1), s.get(0).get("last_tick").asLong());
        assertEquals(100 + 0.5 * (N - 1), s.get(0).get("last_price").asDouble());
        assertEquals("v2", s.get(0).get("model_version").asText());

        JsonNode latest = ok("/api/forecasts/latest");
        assertEquals(2, latest.size(), "one per horizon");
        for (JsonNode f : latest) {
            assertEquals(N - 1, f.get("seq").asLong());
            assertEquals(0.01, f.get("quantiles").get("0.9").asDouble(), 1e-7);
            assertEquals((100 + 0.5 * (N - 1)) * Math.exp(0.01), f.get("price_levels").get("0.9").asDouble(), 1e-3);
        }
    }

    @Test
    void ticksRawAndAsCandles() throws Exception {
        JsonNode raw = ok("/api/ticks?symbol=BTCUSD&from=2013-11-25T00:00:00Z&to=2013-11-25T00:01:00Z");
        assertEquals(10, raw.get("ticks").size(), "one tick every 6 s in [0, 60 s)");
        assertEquals(100.0, raw.get("ticks").get(0).get("price").asDouble());
        assertFalse(raw.get("truncated").asBoolean());

        JsonNode candles = ok("/api/ticks?symbol=BTCUSD&from=" + T0 + "&to=" + (T0 + 600_000) + "&bucket=1m").get("candles");
        assertEquals(10, candles.size());
        for (int m = 0; m < 10; m++) {
            JsonNode c = candles.get(m);
            double first = 100 + 0.5 * (10 * m), last = 100 + 0.5 * (10 * m + 9);
            assertEquals(T0 + 60_000L * m, c.get("ts").asLong());
            assertEquals(first, c.get("open").asDouble());
            assertEquals(first, c.get("low").asDouble());
            assertEquals(last, c.get("high").asDouble());
            assertEquals(last, c.get("close").asDouble());
            assertEquals(10, c.get("trades").asLong());
        }
        // A start inside a minute starts the answer at that minute: its first candle is whole, not the ticks after 30 s
        // under the minute's label.
        JsonNode mid = ok("/api/ticks?symbol=BTCUSD&from=" + (T0 + 30_000) + "&to=" + (T0 + 180_000) + "&bucket=1m");
        assertEquals(T0, mid.get("from").asLong(), "the range starts at the bucket");
        assertEquals(3, mid.get("candles").size());
        assertEquals(10, mid.get("candles").get(0).get("trades").asLong());
        assertEquals(100.0, mid.get("candles").get(0).get("open").asDouble());
        // Default range: the last hour of the symbol's data.
        JsonNode def = ok("/api/ticks?symbol=BTCUSD");
        assertEquals(N, def.get("ticks").size());
    }

    @Test
    void aTruncatedAnswerSaysWhereTheNextPageStarts() throws Exception {
        // More ticks than one answer holds, three to a millisecond, so a page boundary falls inside a millisecond.
        int n = ApiCatalog.MAX_ROWS + 1_000;
        try (Connection c = db.dataSource().getConnection()) {
            try (PreparedStatement t = c.prepareStatement("INSERT INTO ticks (symbol, ts, price, size, seq) VALUES ('DENSE', ?, 1, 1, ?)")) {
                for (int i = 0; i < n; i++) {
                    t.setTimestamp(1, new Timestamp(T0 + i / 3));
                    t.setLong(2, i);
                    t.addBatch();
                }
                t.executeBatch();
            }
            try {
                Set<Long> seen = new HashSet<>();
                long from = T0;
                int pages = 0;
                while (true) {
                    JsonNode page = ok("/api/ticks?symbol=DENSE&from=" + from + "&to=" + (T0 + 60_000));
                    pages++;
                    for (JsonNode tick : page.get("ticks")) {
                        assertTrue(seen.add(tick.get("seq").asLong()), "seq " + tick.get("seq") + " on two pages");
                        assertTrue(tick.get("ts").asLong() >= from);
                    }
                    if (!page.get("truncated").asBoolean()) {
                        assertTrue(page.get("next_from").isNull());
                        break;
                    }
                    long next = page.get("next_from").asLong();
                    JsonNode ticks = page.get("ticks");
                    assertTrue(ticks.size() <= ApiCatalog.MAX_ROWS && ticks.get(ticks.size() - 1).get("ts").asLong() < next,
                            "a page ends before the time the next one starts at");
                    assertEquals("/api/ticks?symbol=DENSE&from=" + next + "&to=" + (T0 + 60_000), page.get("next").asText(),
                            "the next page's address");
                    from = next;
                }
                assertEquals(2, pages);
                assertEquals(n, seen.size(), "every tick on exactly one page");
            } finally {
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("DELETE FROM ticks WHERE symbol = 'DENSE'");
                }
            }
        }
    }

    @Test
    void pagesOfForecastsFollowedByTheirNextAddressStayWithTheFirstPagesVersionAndEnd() throws Exception {
        int n = ApiCatalog.MAX_ROWS + 10;
        try (Connection c = db.dataSource().getConnection()) {
            try {
                try (PreparedStatement f = c.prepareStatement("INSERT INTO forecasts (symbol, ts, seq, horizon, model, model_version, price, "
                        + "levels, log_returns, q10, q50, q90, p10, p50, p90) VALUES ('PAGED', ?, ?, '60s', 'm', ?, 100, '{0.1,0.5,0.9}', "
                        + "'{0,0,0}', 0, 0, 0, 100, 100, 100)");
                     Statement st = c.createStatement()) {
                    st.executeUpdate("INSERT INTO ticks (symbol, ts, price, size, seq) VALUES ('PAGED', '" + new Timestamp(T0) + "', 100, 1, 0)");
                    for (int i = 0; i < n; i++) {
                        f.setTimestamp(1, new Timestamp(T0 + i));
                        f.setLong(2, i);
                        f.setString(3, "v1");
                        f.addBatch();
                    }
                    f.executeBatch();
                }
                // No range and no version: the last hour of the symbol's data, of its newest model.
                JsonNode first = ok("/api/forecasts?symbol=PAGED&horizon=60s");
                assertTrue(first.get("truncated").asBoolean());
                assertEquals("v1", first.get("model_version").asText());
                long end = first.get("to").asLong();
                // Meanwhile a new model is deployed and its first forecast stored, later than everything: without
                // the version and end written into the next address, the next page would be that model's.
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("INSERT INTO forecasts (symbol, ts, seq, horizon, model, model_version, price, levels, log_returns) "
                            + "VALUES ('PAGED', '" + new Timestamp(T0 + n + 5) + "', " + n + ", '60s', 'm', 'v2', 100, '{0.1,0.5,0.9}', '{0,0,0}')");
                }
                String next = first.get("next").asText();
                assertTrue(next.contains("model_version=v1") && next.contains("to=" + end), next);
                JsonNode second = ok(next);
                assertEquals("v1", second.get("model_version").asText());
                assertEquals(n - first.get("forecasts").size(), second.get("forecasts").size(), "the rest of v1's forecasts");
                assertTrue(second.get("next").isNull());
            } finally {
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("DELETE FROM forecasts WHERE symbol = 'PAGED'");
                    st.executeUpdate("DELETE FROM ticks WHERE symbol = 'PAGED'");
                }
            }
        }
    }

    @Test
    void forecastsByVersionHorizonAndBucket() throws Exception {
        String range = "&from=" + T0 + "&to=" + (T0 + 600_000);
        JsonNode v2 = ok("/api/forecasts?symbol=BTCUSD" + range);
        assertEquals("v2", v2.get("model_version").asText(), "default: newest forecast's version");
        assertEquals(N, v2.get("forecasts").size(), "second half, two horizons");
        JsonNode v1 = ok("/api/forecasts?symbol=BTCUSD&model_version=v1&horizon=60s" + range);
        assertEquals(N / 2, v1.get("forecasts").size());
        v1.get("forecasts").forEach(f -> assertEquals("60s", f.get("horizon").asText()));
        JsonNode bucketed = ok("/api/forecasts?symbol=BTCUSD&horizon=1tick&bucket=1m" + range);
        // v2 covers seq 50..99, i.e. minutes 5..9: the last forecast of each minute.
        assertEquals(5, bucketed.get("forecasts").size());
        assertEquals(59, bucketed.get("forecasts").get(0).get("seq").asLong());
        assertEquals(99, bucketed.get("forecasts").get(4).get("seq").asLong());
    }

    @Test
    void modelVersionsNewestFirstWithTheTimeEachCovers() throws Exception {
        JsonNode versions = ok("/api/models?symbol=BTCUSD");
        assertEquals(2, versions.size(), versions.toString());
        assertEquals("v2", versions.get(0).get("model_version").asText(), "newest first");
        assertEquals("m", versions.get(0).get("model").asText());
        assertEquals(T0 + 6_000L * (N / 2), versions.get(0).get("first_forecast").asLong());
        assertEquals(T0 + 6_000L * (N - 1), versions.get(0).get("last_forecast").asLong());
        assertEquals("v1", versions.get(1).get("model_version").asText());
        assertEquals(T0, versions.get(1).get("first_forecast").asLong());
        assertEquals(T0 + 6_000L * (N / 2 - 1), versions.get(1).get("last_forecast").asLong());
    }

    @Test
    void aDescribedVersionCarriesItsTrainingVerdict() throws Exception {
        service.describe("v1", "beats the EWMA-volatility baseline on validation by 6.3% pinball", "2013-11-25T00:00:00Z",
                "2013-11-30T00:00:00Z");
        JsonNode versions = ok("/api/models?symbol=BTCUSD");
        assertEquals("beats the EWMA-volatility baseline on validation by 6.3% pinball", versions.get(1).get("verdict").asText());
        assertEquals("2013-11-25T00:00:00Z", versions.get(1).get("trained_from").asText());
        assertTrue(versions.get(0).path("verdict").isMissingNode(), "a version nobody described has no verdict: " + versions.get(0));
    }

    /**
     * A query held up (here by a lock on the ticks table, in production by a week of forecast errors) is cancelled
     * after the timeout and answered with a 503 that says so, and meanwhile requests that do not need that table
     * are answered: the slow one does not hold the pool.
     */
    @Test
    void aQueryOverTheTimeoutIsCancelledWithAClearAnswer() throws Exception {
        try (ForecastApi api = new ForecastApi(db.dataSource(), db.timescale(), null, new ServiceMetrics(), null)
                .queryTimeout(java.time.Duration.ofSeconds(1)).start("127.0.0.1", 0);
             Connection locker = db.dataSource().getConnection(); java.sql.Statement s = locker.createStatement()) {
            locker.setAutoCommit(false);
            s.execute("LOCK TABLE ticks IN ACCESS EXCLUSIVE MODE");
            try {
                String base = "http://127.0.0.1:" + api.port();
                long t0 = System.nanoTime();
                HttpResponse<String> slow = http.send(HttpRequest.newBuilder(URI.create(base + "/api/ticks?symbol=BTCUSD")).build(),
                        HttpResponse.BodyHandlers.ofString());
                double seconds = (System.nanoTime() - t0) / 1e9;
                assertEquals(503, slow.statusCode(), slow.body());
                JsonNode e = JSON.readTree(slow.body());
                assertEquals("query_timeout", e.get("error").asText());
                assertTrue(e.get("message").asText().contains("longer than 1 s"), e.get("message").asText());
                assertTrue(seconds < 10, "cancelled after about a second, took " + seconds);
                HttpResponse<String> other = http.send(HttpRequest.newBuilder(URI.create(base + "/api/backtests")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, other.statusCode(), other.body());
            } finally {
                locker.rollback();
            }
        }
        assertEquals(N, ok("/api/ticks?symbol=BTCUSD").get("ticks").size(), "answers again once the lock is gone");
    }

    @Test
    void errorsAndCalibrationFromRealisedPrices() throws Exception {
        JsonNode e = ok("/api/errors?symbol=BTCUSD&model_version=v1&from=" + T0 + "&to=" + (T0 + 600_000));
        JsonNode byH = e.get("horizons");
        assertEquals(2, byH.size());
        for (JsonNode h : byH) {
            // Prices only rise, by 0.5 every 6 s: one tick ahead (+0.45%) is inside the +-1% band, 60 s ahead (+4.5%) above it.
            boolean oneTickAhead = h.get("horizon").asText().equals("1tick");
            assertEquals(N / 2, h.get("n").asLong(), h.toString());
            assertEquals(oneTickAhead ? 1.0 : 0.0, h.get("coverage_10_90").asDouble(), h.toString());
            assertEquals(0.0, h.get("calibration").get("0.1").asDouble());
            assertEquals(0.0, h.get("calibration").get("0.5").asDouble());
            assertEquals(oneTickAhead ? 1.0 : 0.0, h.get("calibration").get("0.9").asDouble());
            assertTrue(h.get("bias_q50").asDouble() > 0);
        }
        JsonNode oneTick = byH.get(0).get("horizon").asText().equals("1tick") ? byH.get(0) : byH.get(1);
        assertEquals(Math.log(100.5 / 100), oneTick.get("mae_q50").asDouble(), 2e-3, "about one step of 0.5 on ~110");
    }

    @Test
    void backtestsListAndDetailWithEquity() throws Exception {
        long id;
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("INSERT INTO backtest_runs (model, model_version, config, metrics) VALUES ('m', 'v1', "
                    + "'{\"run_id\":\"r1\",\"mode\":\"checkpoint\"}', '{\"models\":{\"mamba\":{\"trading\":{\"cumulative_return\":-0.1,"
                    + "\"sharpe\":1.5,\"max_drawdown\":0.2},\"horizons\":{\"10s\":{\"pinball_mean\":0.002}}}},\"buy_and_hold\":{\"cumulative_return\":0.03}}') RETURNING id")) {
                rs.next();
                id = rs.getLong(1);
            }
            s.executeUpdate("INSERT INTO backtest_equity VALUES (" + id + ", 'mamba', ARRAY['2013-11-25T00:00:00Z'::timestamptz, "
                    + "'2013-11-25T01:00:00Z'], ARRAY[1.0, 0.9])");
        }
        JsonNode list = ok("/api/backtests");
        JsonNode run = null;
        for (JsonNode r : list) {
            if (r.get("id").asLong() == id) {
                run = r;
            }
        }
        assertTrue(run != null, "listed");
        assertEquals("r1", run.get("run_id").asText());
        assertEquals(-0.1, run.get("summary").get("mamba").get("cumulative_return").asDouble());
        assertEquals(0.002, run.get("summary").get("mamba").get("pinball_mean").get("10s").asDouble());
        assertEquals(0.03, run.get("summary").get("buy-and-hold").get("cumulative_return").asDouble());
        JsonNode detail = ok("/api/backtests/" + id);
        JsonNode eq = detail.get("equity").get("mamba");
        assertEquals(2, eq.size());
        assertEquals(T0 + 3_600_000, eq.get(1).get(0).asLong());
        assertEquals(0.9, eq.get(1).get(1).asDouble());
    }

    @Test
    void backtestRunsComeInPagesOfAHundred() throws Exception {
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO backtest_runs (model, model_version) SELECT 'paged', 'v' || i FROM generate_series(1, 150) i");
        }
        Set<Long> all = new HashSet<>();
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM backtest_runs")) {
            while (rs.next()) {
                all.add(rs.getLong(1));
            }
        }
        Set<Long> seen = new HashSet<>();
        String next = "/api/backtests";
        int pages = 0;
        while (next != null) {
            JsonNode page = ok(next);
            pages++;
            long last = Long.MAX_VALUE;
            for (JsonNode r : page) {
                long id = r.get("id").asLong();
                assertTrue(id < last, "newest first");
                assertTrue(seen.add(id), "run " + id + " on two pages");
                last = id;
            }
            assertTrue(page.size() <= ApiCatalog.BACKTESTS_PAGE);
            next = page.size() == ApiCatalog.BACKTESTS_PAGE ? "/api/backtests?before=" + last : null;
        }
        assertEquals(all, seen, "every run, once");
        assertTrue(pages >= 2, pages + " page(s)");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "/api/forecasts | 400 | 'symbol' is required",
            "/api/forecasts?symbol=NOPE | 404 | unknown symbol",
            "/api/models | 400 | 'symbol' is required",
            "/api/forecasts?symbol=BTCUSD&from=1385337600 | 400 | for epoch seconds write 1385337600000",
            "/api/forecasts?symbol=BTCUSD&model_version=v9 | 404 | no forecasts of model version 'v9' for BTCUSD; its versions: [v2, v1]",
            "/api/forecasts?symbol=BTCUSD&horizon=1m | 404 | model version 'v2' has no horizon '1m' for BTCUSD; its horizons: [1tick, 60s]",
            "/api/errors?symbol=BTCUSD&model_version=v9 | 404 | no forecasts of model version 'v9'",
            "/api/models?symbol=NOPE | 404 | unknown symbol",
            "/api/ticks?symbol=BTCUSD' OR '1'='1 | 400 | invalid value",
            "/api/ticks?symbol=BTCUSD;DROP TABLE ticks | 400 | invalid value",
            "/api/ticks?symbol=BTCUSD&from=yesterday | 400 | invalid value",
            "/api/ticks?symbol=BTCUSD&from=2013-11-25T00:00:00 | 400 | invalid value",
            "/api/ticks?symbol=BTCUSD&to=99999999999999999999 | 400 | invalid value",
            "/api/ticks?symbol=BTCUSD&from=2013-11-26T00:00:00Z&to=2013-11-25T00:00:00Z | 400 | empty time range",
            "/api/ticks?symbol=BTCUSD&from=2013-11-20T00:00:00Z&to=2013-11-25T00:00:00Z | 400 | time range too long",
            "/api/ticks?symbol=BTCUSD&from=2013-01-01T00:00:00Z&to=2013-11-25T00:00:00Z&bucket=1m | 400 | time range too long",
            "/api/ticks?symbol=BTCUSD&bucket=7m | 400 | invalid value",
            "/api/ticks?symbol=BTCUSD&limit=5 | 400 | unknown parameter 'limit'",
            "/api/ticks?symbol=BTCUSD&symbol=ETHUSD | 400 | given 2 times",
            "/api/ticks?symbol= | 400 | is empty",
            "/api/forecasts?symbol=BTCUSD&horizon=1 year | 400 | invalid value",
            "/api/forecasts?symbol=BTCUSD&model_version=v1'-- | 400 | invalid value",
            "/api/errors?symbol=BTCUSD&from=2013-01-01T00:00:00Z&to=2013-11-25T00:00:00Z | 400 | time range too long",
            "/api/backtests/abc | 400 | invalid value",
            "/api/backtests/0 | 400 | invalid value",
            "/api/backtests/999999 | 404 | no backtest run",
            "/api/symbols?x=1 | 400 | takes none",
            "/api/backtests?before=x | 400 | invalid value",
            "/api/stream | 503 | without Kafka",
            "/api/nothing-here | 404 | no such endpoint",
    })
    void badRequestsGetJsonErrors(String request, int status, String message) throws Exception {
        String[] parts = request.split("\\?", 2);
        String q = parts.length == 1 ? "" : "?" + encodeQuery(parts[1]);
        HttpResponse<String> r = get(parts[0].replace(" ", "%20") + q);
        assertEquals(status, r.statusCode(), request + " -> " + r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"), "JSON error");
        JsonNode e = JSON.readTree(r.body());
        assertEquals(status, e.get("status").asInt());
        assertTrue(e.get("message").asText().contains(message), e.get("message").asText());
        assertFalse(r.body().contains("SQL") || r.body().contains("Exception"), "no internals in the error: " + r.body());
        // The data is untouched, whatever was attempted.
        assertEquals(N, ok("/api/ticks?symbol=BTCUSD").get("ticks").size());
    }

    /** Encodes each value the way a browser would, keeping the structure (& and =) of the query. */
    private static String encodeQuery(String q) {
        StringBuilder b = new StringBuilder();
        for (String pair : q.split("&")) {
            String[] kv = pair.split("=", 2);
            b.append(b.length() == 0 ? "" : "&").append(URLEncoder.encode(kv[0], StandardCharsets.UTF_8));
            if (kv.length == 2) {
                b.append('=').append(URLEncoder.encode(kv[1], StandardCharsets.UTF_8));
            }
        }
        return b.toString();
    }

    @Test
    void openApiDescribesEveryServedEndpoint() throws Exception {
        JsonNode doc = ok("/openapi.json");
        assertEquals("3.0.3", doc.get("openapi").asText());
        Set<String> documented = new HashSet<>();
        doc.get("paths").fieldNames().forEachRemaining(documented::add);
        Set<String> declared = new HashSet<>();
        ApiCatalog.ALL.forEach(e -> declared.add(e.path()));
        assertEquals(declared, documented);
        for (Endpoint e : ApiCatalog.ALL) {
            JsonNode params = doc.get("paths").get(e.path()).get("get").get("parameters");
            assertEquals(e.params().size(), params.size(), e.path());
            Iterator<JsonNode> it = params.iterator();
            for (Endpoint.Param p : e.params()) {
                JsonNode d = it.next();
                assertEquals(p.name(), d.get("name").asText());
                assertEquals(p.required(), d.get("required").asBoolean());
            }
            // Every documented path is served (an unknown route would answer "no such endpoint").
            HttpResponse<String> r = get(e.path().replace("{id}", "1") + (e == ApiCatalog.FORECASTS || e == ApiCatalog.TICKS
                    || e == ApiCatalog.ERRORS || e == ApiCatalog.MODELS ? "?symbol=BTCUSD" : ""));
            assertFalse(r.body().contains("no such endpoint"), e.path() + " -> " + r.body());
            assertNotEquals(500, r.statusCode(), e.path());
            // The documented shape is the served one (a client generated from the description parses the answer).
            String type = doc.get("paths").get(e.path()).get("get").get("responses").get("200").get("content").elements().next()
                    .get("schema").get("type").asText();
            if (r.statusCode() == 200 && e.produces().startsWith("application/json")) {
                assertEquals(type, JSON.readTree(r.body()).isArray() ? "array" : "object", e.path());
            }
        }
    }

    @Test
    void healthAndMetrics() throws Exception {
        JsonNode h = ok("/health");
        assertEquals("UP", h.get("status").asText());
        assertEquals("UP", h.get("checks").get("database").get("status").asText());
        String metrics = get("/metrics").body();
        assertTrue(metrics.contains("mamba_ts_ticks_processed_total 3.0"), metrics);
        assertTrue(metrics.contains("mamba_ts_dead_letters_total 1.0"), metrics);
        // The step latency histogram: two steps of 20 and 40 us.
        assertTrue(metrics.contains("mamba_ts_step_seconds_count 2"), metrics);
        assertTrue(metrics.contains("mamba_ts_step_seconds_sum 6.0E-5"), metrics);
        assertTrue(metrics.contains("mamba_ts_step_seconds_bucket{le="), metrics);
    }

    @Test
    void dashboardIsServedWithItsChartLibrary() throws Exception {
        HttpResponse<String> index = get("/");
        assertEquals(200, index.statusCode());
        assertTrue(index.body().contains("vendor/dist/lightweight-charts.standalone.production.js"));
        HttpResponse<String> lib = get("/vendor/dist/lightweight-charts.standalone.production.js");
        assertEquals(200, lib.statusCode());
        assertTrue(lib.body().contains("createChart"), "the library itself, bundled at build time");
        assertEquals(200, get("/dashboard.js").statusCode());
    }
}
