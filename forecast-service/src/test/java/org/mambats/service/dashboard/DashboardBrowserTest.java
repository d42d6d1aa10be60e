package org.mambats.service.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.ingest.bench.BenchModels;
import org.mambats.ingest.broker.KafkaBroker;
import org.mambats.ingest.db.Database;
import org.mambats.ingest.sink.ForecastSink;
import org.mambats.ingest.stream.ForecastStreamApp;
import org.mambats.ingest.stream.StreamTopics;
import org.mambats.model.forecast.Forecast;
import org.mambats.model.forecast.ForecastModel;
import org.mambats.model.tick.Tick;
import org.mambats.model.tick.TickJson;
import org.mambats.service.ForecastService;
import org.mambats.service.api.ApiAccess;
import org.mambats.service.metrics.ServiceMetrics;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;

/**
 * The dashboard in a real browser (Debian's headless Chromium), against the real pipeline: a KRaft broker, the
 * stream with the Mamba operator, the sink into an embedded PostgreSQL, and the service. Checks that the chart
 * renders with prices and forecasts, that a live update arrives over server-sent events, that switching the symbol
 * loads the other symbol, and that a backtest's equity curves are drawn; all of it with the API token required.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserTest {
    private static final long T0 = 1_700_000_000_000L; // event time of the first tick
    private static final String TOKEN = "dashboard-test-token-0123456789";
    private static final String OLD_VERDICT = "does not beat the EWMA-volatility baseline on validation: the checkpoint is that baseline";

    @TempDir
    static Path tmp;

    private Database db;
    private KafkaBroker broker;
    private ForecastStreamApp stream;
    private ForecastSink sink;
    private ForecastService service;
    private KafkaProducer<byte[], byte[]> producer;
    private ChromeDriver browser;
    private String browserProblem;

    @BeforeAll
    void startPlatform() throws Exception {
        browserProblem = HeadlessChromium.prepare();
        System.err.println(browserProblem == null ? "browser test: using " + HeadlessChromium.BROWSER : "browser test skipped: " + browserProblem);
        if (browserProblem != null) {
            return;
        }
        db = Database.open(null, tmp.resolve("pg"), 6);
        broker = KafkaBroker.builder(tmp.resolve("kafka")).inProcess(true).start();
        String bootstrap = broker.bootstrapServers();
        ForecastStreamApp.createTopics(bootstrap, StreamTopics.DEFAULT, 2);
        ForecastModel model = BenchModels.untrained(tmp.resolve("model"));
        ForecastStreamApp.Settings s = new ForecastStreamApp.Settings();
        s.bootstrap = bootstrap;
        s.applicationId = "dashboard-test";
        s.stateDir = tmp.resolve("streams");
        s.warmUpTicks = 3_000;
        stream = new ForecastStreamApp(model, s);
        stream.start();
        sink = new ForecastSink(new ForecastSink.Config(bootstrap, "forecasts", "ticks", "dashboard-test-sink", 1000, 50, 1000),
                db.dataSource());
        new Thread(sink, "test-sink").start();
        assertTrue(stream.awaitRunning(Duration.ofMinutes(2)), "stream running");
        service = ForecastService.start(db, settings(0), new ServiceMetrics());
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());

        // History: 400 ticks a second apart for two symbols at very different price levels.
        for (int i = 0; i < 400; i++) {
            publish("AAA", i, 100 + Math.sin(i / 20.0));
            publish("BBB", i, 5000 + 20 * Math.cos(i / 30.0));
        }
        producer.flush();
        waitFor(Duration.ofSeconds(90), "both symbols' last forecasts in the database", () -> storedForecasts("AAA", 399) && storedForecasts("BBB", 399));
        storePanelRun(); // first, so the single run stays the newest and is the one shown at load
        storeBacktestRun();
        browser = HeadlessChromium.start(tmp.resolve("chromium-profile"));
    }

    /** The service as a deployment runs it: a token required (here on loopback, where it would be optional). */
    private ForecastService.Settings settings(int port) {
        return ForecastService.Settings.local(port, broker.bootstrapServers()).withAccess(ApiAccess.token(TOKEN), false);
    }

    @AfterAll
    void stopPlatform() {
        if (browser != null) {
            browser.quit();
        }
        if (producer != null) {
            producer.close();
        }
        if (service != null) {
            service.close();
        }
        if (sink != null) {
            sink.stop();
        }
        if (stream != null) {
            stream.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void chartRendersUpdatesLiveAndSwitchesSymbol() throws Exception {
        assertTrue(Runtime.version().feature() >= 25, "the service runs on Java " + Runtime.version());
        assumeTrue(browserProblem == null, () -> "headless Chromium not available: " + browserProblem);
        // The token as the basic password, as an analyst types it at the browser's prompt: given once in the address
        // (a headless browser has no prompt), then the page is opened at its plain address, where the browser sends
        // the remembered credentials with every request of the page, the event stream included. (A page whose own
        // address carries credentials cannot fetch: browsers refuse URLs with credentials in them.)
        browser.get("http://analyst:" + TOKEN + "@127.0.0.1:" + service.port() + "/");
        browser.get("http://127.0.0.1:" + service.port() + "/");
        JavascriptExecutor js = browser;

        // 1. The chart renders: candles and forecast points loaded, and the chart's canvases have drawn pixels.
        waitFor(Duration.ofSeconds(30), "first chart load", () -> number(js, "dashboard.loads") >= 1);
        assertEquals("AAA", js.executeScript("return dashboard.symbol"), "first symbol selected");
        assertTrue(number(js, "dashboard.candles") > 0, "candles drawn");
        assertTrue(number(js, "dashboard.forecastPoints") > 0, "forecast points drawn");
        waitFor(Duration.ofSeconds(10), "coloured pixels on the price chart", () -> colouredPixels(js, "price-chart") > 500);
        assertTrue(browser.findElement(By.id("title")).getText().startsWith("AAA"), "title names the symbol");
        assertTrue(browser.findElements(By.cssSelector("#latest tbody tr")).size() >= 3, "latest forecast per horizon");

        // The event stream refuses a client that does not ask for events (it used to answer an empty 200).
        java.net.http.HttpResponse<String> noAccept = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + service.port() + "/api/stream?symbol=AAA")).header("Authorization", "Bearer " + TOKEN).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(406, noAccept.statusCode(), noAccept.body());
        assertTrue(noAccept.body().contains("Accept: text/event-stream"), noAccept.body());
        // Without the token neither the page nor its data is served.
        for (String path : new String[] {"/", "/api/stream?symbol=AAA", "/api/symbols"}) {
            int status = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                    "http://127.0.0.1:" + service.port() + path)).header("Accept", "text/event-stream").build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
            assertEquals(401, status, path + " without the token");
        }

        // 2. A live update: a new tick for AAA reaches the page through the stream, the forecasts topic and SSE.
        waitFor(Duration.ofSeconds(20), "live stream open", () -> browser.findElement(By.id("live")).getAttribute("class").contains("on"));
        double before = number(js, "dashboard.liveUpdates");
        publish("AAA", 400, 123.45);
        producer.flush();
        waitFor(Duration.ofSeconds(30), "live update with the new price",
                () -> number(js, "dashboard.liveUpdates") > before && number(js, "dashboard.lastPrice") == 123.45);

        // 3. Switching the symbol loads the other symbol's prices and follows its live updates.
        double loads = number(js, "dashboard.loads");
        new Select(browser.findElement(By.id("symbol"))).selectByValue("BBB");
        waitFor(Duration.ofSeconds(30), "BBB loaded", () -> "BBB".equals(js.executeScript("return dashboard.symbol"))
                && number(js, "dashboard.loads") > loads);
        assertTrue(number(js, "dashboard.lastPrice") > 4000, "BBB's price level, not AAA's");
        assertTrue(browser.findElement(By.id("title")).getText().startsWith("BBB"));
        double liveBefore = number(js, "dashboard.liveUpdates");
        publish("AAA", 401, 99.0); // not shown any more
        publish("BBB", 400, 5100.5);
        producer.flush();
        waitFor(Duration.ofSeconds(30), "BBB live update", () -> number(js, "dashboard.lastPrice") == 5100.5);
        assertEquals(liveBefore + 1, number(js, "dashboard.liveUpdates"), "only BBB's update counted after the switch");

        // 4. The stored backtest run is listed and its equity curves drawn.
        waitFor(Duration.ofSeconds(30), "equity curves", () -> number(js, "dashboard.equityCurves") == 2);
        WebElement row = browser.findElement(By.cssSelector("#backtests tbody tr"));
        assertTrue(row.getText().contains("+5.0%"), "Mamba return of the stored run: " + row.getText());
        assertEquals(0.0, number(js, "dashboard.errors.length"), "no errors reported by the page: " + js.executeScript("return dashboard.errors"));

        // 4b. A universe's run: listed once with its symbol count; it shows its portfolio, and the view picks a symbol.
        WebElement panelRow = browser.findElements(By.cssSelector("#backtests tbody tr")).get(1);
        assertTrue(panelRow.getText().contains("2 symbols"), panelRow.getText());
        panelRow.click();
        waitFor(Duration.ofSeconds(30), "the portfolio's curves",
                () -> browser.findElement(By.id("equity-title")).getText().contains("portfolio of 2 equal sleeves"));
        assertEquals(3.0, number(js, "document.getElementById('backtest-view').options.length"), "the portfolio and two symbols");
        js.executeScript("const v = document.getElementById('backtest-view'); v.value = v.options[2].value;"
                + " v.dispatchEvent(new Event('change'));");
        waitFor(Duration.ofSeconds(30), "one symbol's run of the universe",
                () -> browser.findElement(By.id("equity-title")).getText().contains("BBB in panel run"));
        assertEquals(2.0, number(js, "dashboard.equityCurves"), "BBB's own curves");
        assertEquals(0.0, number(js, "dashboard.errors.length"), "no errors reported by the page: " + js.executeScript("return dashboard.errors"));

        // 5. A forecast from a newly deployed model with other quantile levels (0.05, 0.5, 0.95): the page shows it
        // live, then switches the chart to that newest version, and reports no error (it used to fail on the missing
        // 0.1 and 0.9).
        String horizon = (String) js.executeScript("return dashboard.horizon");
        Forecast other = new Forecast("BBB", T0 + 401_000L, 5200.25, 401, horizon, new float[] {0.05f, 0.5f, 0.95f},
                new float[] {-0.01f, 0f, 0.01f}, "other-levels", "v2");
        producer.send(new ProducerRecord<>("forecasts", "BBB".getBytes(StandardCharsets.UTF_8), other.toJson()));
        producer.flush();
        waitFor(Duration.ofSeconds(30), "the other model's forecast in the latest table",
                () -> browser.findElement(By.id("latest")).getText().contains("5200.25"));
        waitFor(Duration.ofSeconds(40), "the chart following the newest version", () -> "v2".equals(js.executeScript("return dashboard.shownVersion")));
        assertEquals(0.0, number(js, "dashboard.errors.length"), "no errors reported by the page: " + js.executeScript("return dashboard.errors"));

        // 6. An older model version and a past window: picking the version shows its forecasts and moves the window
        // to where they end; a live tick then leaves that window alone; the address reopens the same view; Live and
        // "newest" go back to following the stream's model.
        storeOlderVersion("AAA", "v-old", 100);
        service.describe("v-old", OLD_VERDICT, null, null); // as serve --checkpoint does with the checkpoint's provenance
        browser.get("http://127.0.0.1:" + service.port() + "/?symbol=AAA");
        waitFor(Duration.ofSeconds(30), "AAA loaded", () -> number(js, "dashboard.loads") >= 1 && "AAA".equals(js.executeScript("return dashboard.symbol")));
        String streamVersion = (String) js.executeScript("return dashboard.shownVersion");
        assertTrue(streamVersion != null && !streamVersion.equals("v-old"), "newest version shown first: " + streamVersion);
        double loadsBefore = number(js, "dashboard.loads");
        new Select(browser.findElement(By.id("version"))).selectByValue("v-old");
        waitFor(Duration.ofSeconds(30), "the older version's window", () -> number(js, "dashboard.loads") > loadsBefore
                && "v-old".equals(js.executeScript("return dashboard.shownVersion")));
        assertEquals(T0 + 99_000 + 1, number(js, "dashboard.end"), "the window ends just after the version's last forecast");
        assertTrue(number(js, "dashboard.forecastPoints") > 0, "the older version's forecasts drawn");
        assertTrue(browser.findElement(By.id("subtitle")).getText().contains("model v-old"), browser.findElement(By.id("subtitle")).getText());
        assertTrue(browser.findElement(By.id("subtitle")).getText().contains("model v-old: " + OLD_VERDICT),
                "the model line says what training found: " + browser.findElement(By.id("subtitle")).getText());
        String address = browser.getCurrentUrl();
        assertTrue(address.contains("version=v-old") && address.contains("end=2023-11-14T22%3A14%3A59.001Z"), address);

        double candles = number(js, "dashboard.candles"), points = number(js, "dashboard.forecastPoints");
        double live = number(js, "dashboard.liveUpdates");
        waitFor(Duration.ofSeconds(20), "live stream open", () -> browser.findElement(By.id("live")).getAttribute("class").contains("on"));
        publish("AAA", 402, 101.25);
        producer.flush();
        waitFor(Duration.ofSeconds(30), "the latest-forecast table updated live",
                () -> browser.findElement(By.id("latest-time")).getText().contains("22:20:02"));
        assertEquals(candles, number(js, "dashboard.candles"), "a past window gets no live candles");
        assertEquals(points, number(js, "dashboard.forecastPoints"), "nor live forecasts");
        assertEquals(live, number(js, "dashboard.liveUpdates"));

        browser.get(address);
        waitFor(Duration.ofSeconds(30), "the linked view", () -> number(js, "dashboard.loads") >= 1
                && "v-old".equals(js.executeScript("return dashboard.shownVersion")));
        assertEquals(T0 + 99_001, number(js, "dashboard.end"));
        assertEquals("v-old", new Select(browser.findElement(By.id("version"))).getFirstSelectedOption().getAttribute("value"));
        waitFor(Duration.ofSeconds(30), "error table of the older version",
                () -> !browser.findElements(By.cssSelector("#errors tbody tr td:nth-child(2)")).isEmpty());

        browser.findElement(By.id("follow")).click();
        new Select(browser.findElement(By.id("version"))).selectByValue("");
        waitFor(Duration.ofSeconds(30), "following the stream's model again, up to the newest tick",
                () -> streamVersion.equals(js.executeScript("return dashboard.shownVersion"))
                        && number(js, "dashboard.end == null ? 1 : 0") == 1 && number(js, "dashboard.lastPrice") == 101.25);
        assertEquals(0.0, number(js, "dashboard.errors.length"), "no errors reported by the page: " + js.executeScript("return dashboard.errors"));

        // 7. The service restarts while the page is open: a tick published meanwhile never comes live, so the page
        // reloads from the database when its event stream reconnects.
        int port = service.port();
        service.close();
        publish("AAA", 403, 102.75);
        producer.flush();
        waitFor(Duration.ofSeconds(60), "the tick stored while the service is down", () -> storedForecasts("AAA", 403));
        service = ForecastService.start(db, settings(port), new ServiceMetrics());
        waitFor(Duration.ofSeconds(60), "the page reconnected and reloaded", () -> number(js, "dashboard.reconnects") >= 1
                && number(js, "dashboard.lastPrice") == 102.75);
        assertEquals(0.0, number(js, "dashboard.resumes"), "a restarted service cannot resume the old one's stream");

        Files.write(Path.of("target", "dashboard-browser-test.png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    private void publish(String symbol, int i, double price) {
        Tick t = Tick.trade(symbol, T0 + 1000L * i, price, 1.0, i);
        producer.send(new ProducerRecord<>("ticks", symbol.getBytes(StandardCharsets.UTF_8), TickJson.write(t)));
    }

    private boolean storedForecasts(String symbol, long seq) {
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM forecasts WHERE symbol = ? AND seq = ?")) {
            ps.setString(1, symbol);
            ps.setLong(2, seq);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getLong(1) > 0;
            }
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Forecasts of another model version for the symbol's first {@code n} ticks (a second apart from T0), every
     * horizon the stream's model has, as if an older model had run then.
     */
    private void storeOlderVersion(String symbol, String version, int n) throws Exception {
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement horizons = c.prepareStatement("SELECT DISTINCT horizon FROM forecasts WHERE symbol = ?");
             PreparedStatement ps = c.prepareStatement("INSERT INTO forecasts (symbol, ts, seq, horizon, model, model_version, price, levels, "
                     + "log_returns, q10, q50, q90, p10, p50, p90) SELECT symbol, ts, seq, ?, 'older-model', ?, price, '{0.1,0.5,0.9}', "
                     + "'{-0.01,0,0.01}', -0.01, 0, 0.01, price * exp(-0.01), price, price * exp(0.01) FROM ticks WHERE symbol = ? AND seq < ?")) {
            horizons.setString(1, symbol);
            try (ResultSet rs = horizons.executeQuery()) {
                while (rs.next()) {
                    ps.setString(1, rs.getString(1));
                    ps.setString(2, version);
                    ps.setString(3, symbol);
                    ps.setInt(4, n);
                    ps.executeUpdate();
                }
            }
        }
    }

    /** A universe's run as the backtest stores it: the panel's row with its portfolio curve, and a run per symbol. */
    private void storePanelRun() throws Exception {
        try (Connection c = db.dataSource().getConnection()) {
            long panel = insertRun(c, "panel", null, new String[] {"AAA", "BBB"},
                    "{\"portfolio\":{\"mamba\":{\"cumulative_return\":0.03,\"sleeves\":2}}}");
            insertCurves(c, panel, new String[] {"mamba", "buy-and-hold"});
            for (String sym : new String[] {"AAA", "BBB"}) {
                long id = insertRun(c, "symbol", panel, new String[] {sym}, "{\"models\":{\"mamba\":{\"trading\":{\"cumulative_return\":0.01}}}}");
                insertCurves(c, id, new String[] {"mamba", "buy-and-hold"});
            }
        }
    }

    private static long insertRun(Connection c, String kind, Long panel, String[] symbols, String metrics) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO backtest_runs (kind, panel_id, model, model_version, symbols, config, "
                + "metrics) VALUES (?, ?, 'm', 'v', ?, '{\"mode\":\"walk-forward\"}', ?::jsonb) RETURNING id")) {
            ps.setString(1, kind);
            if (panel == null) {
                ps.setNull(2, java.sql.Types.BIGINT);
            } else {
                ps.setLong(2, panel);
            }
            ps.setArray(3, c.createArrayOf("text", symbols));
            ps.setString(4, metrics);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void insertCurves(Connection c, long run, String[] models) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO backtest_equity VALUES (?, ?, ?, ?)")) {
            for (String m : models) {
                ps.setLong(1, run);
                ps.setString(2, m);
                ps.setArray(3, c.createArrayOf("timestamptz", new Timestamp[] {new Timestamp(T0), new Timestamp(T0 + 60_000)}));
                ps.setArray(4, c.createArrayOf("float8", new Double[] {1.0, 1.01}));
                ps.executeUpdate();
            }
        }
    }

    /** A run as the backtest stores it: metrics with a Mamba trading result, and two equity curves. */
    private void storeBacktestRun() throws Exception {
        try (Connection c = db.dataSource().getConnection()) {
            long id;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO backtest_runs (model, model_version, config, metrics) VALUES "
                    + "('m', 'v', '{\"mode\":\"checkpoint\"}', '{\"models\":{\"mamba\":{\"trading\":{\"cumulative_return\":0.05}}}}') RETURNING id");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                id = rs.getLong(1);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO backtest_equity VALUES (?, ?, ?, ?)")) {
                for (String m : new String[] {"mamba", "buy-and-hold"}) {
                    ps.setLong(1, id);
                    ps.setString(2, m);
                    ps.setArray(3, c.createArrayOf("timestamptz", new Timestamp[] {new Timestamp(T0), new Timestamp(T0 + 60_000),
                            new Timestamp(T0 + 120_000)}));
                    ps.setArray(4, c.createArrayOf("float8", new Double[] {1.0, m.equals("mamba") ? 1.02 : 0.99, 1.05}));
                    ps.executeUpdate();
                }
            }
        }
    }

    private static double number(JavascriptExecutor js, String expr) {
        Object v = js.executeScript("return Number(" + expr + ")");
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** Pixels that are neither white nor transparent on the canvases inside the element. */
    private static long colouredPixels(JavascriptExecutor js, String elementId) {
        Object v = js.executeScript("""
                let n = 0;
                for (const c of document.getElementById(arguments[0]).querySelectorAll('canvas')) {
                  if (!c.width || !c.height) continue;
                  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  for (let i = 0; i < d.length; i += 4) {
                    if (d[i + 3] > 0 && !(d[i] > 240 && d[i + 1] > 240 && d[i + 2] > 240)) n++;
                  }
                }
                return n;""", elementId);
        return ((Number) v).longValue();
    }

    private static void waitFor(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
    }
}
