package org.mambats.service.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mambats.ingest.db.Database;
import org.mambats.ingest.db.PgliteTimescale;
import org.mambats.service.metrics.ServiceMetrics;

/**
 * The API's queries on the Timescale path (continuous aggregates, time_bucket, first/last), against TimescaleDB on
 * WebAssembly ({@link PgliteTimescale}); {@link ForecastApiTest} covers the plain path. Skipped, with the reason,
 * where node, npm or the npm registry are missing.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class TimescaleApiTest {
    /** On the hour. */
    static final long T0 = 1_700_000_000_000L - 1_700_000_000_000L % 3_600_000L;
    static final ObjectMapper JSON = new ObjectMapper();
    static PgliteTimescale server;
    static Database db;
    static ForecastApi api;

    @BeforeAll
    static void setUp() throws Exception {
        server = PgliteTimescale.startOrSkip();
        db = Database.open(server.jdbcUrl(), null, 2);
        assertTrue(db.timescale(), "the Timescale path is taken");
        // Seconds after T0 and prices: minute 0 has 4 ticks, minute 1 has 2, minute 2 has 2.
        double[][] ticks = {{1, 100}, {20, 105}, {40, 95}, {59, 101}, {61, 102}, {119, 99}, {125, 98}, {150, 103}};
        try (Connection c = db.dataSource().getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO ticks (symbol, ts, price, size, seq) VALUES ('TS', ?, ?, 1, ?)")) {
                for (int i = 0; i < ticks.length; i++) {
                    ps.setTimestamp(1, new Timestamp(T0 + (long) ticks[i][0] * 1000));
                    ps.setDouble(2, ticks[i][1]);
                    ps.setLong(3, i);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO forecasts (symbol, ts, seq, horizon, model, model_version, price, "
                    + "levels, log_returns, q10, q50, q90, p10, p50, p90) VALUES ('TS', ?, ?, '60s', 'm', 'v1', ?, '{0.1,0.5,0.9}', "
                    + "'{-0.01,0,0.01}', -0.01, 0, 0.01, ? * exp(-0.01), ?, ? * exp(0.01))")) {
                for (int i = 0; i < ticks.length; i++) {
                    ps.setTimestamp(1, new Timestamp(T0 + (long) ticks[i][0] * 1000));
                    ps.setLong(2, i);
                    for (int k = 3; k <= 6; k++) {
                        ps.setDouble(k, ticks[i][1]);
                    }
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            try (Statement s = c.createStatement()) {
                s.execute("CALL refresh_continuous_aggregate('candles_1m', NULL, NULL)");
                s.execute("CALL refresh_continuous_aggregate('candles_1h', NULL, NULL)");
            }
        }
        api = new ForecastApi(db.dataSource(), db.timescale(), null, new ServiceMetrics(), null).start("127.0.0.1", 0);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (api != null) {
            api.close();
        }
        if (db != null) {
            db.close();
        }
        if (server != null) {
            server.close();
        }
    }

    static JsonNode ok(String pathAndQuery) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port()
                + pathAndQuery)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), pathAndQuery + " -> " + r.body());
        return JSON.readTree(r.body());
    }

    /** open/high/low/close/trades of each candle. */
    static List<String> candles(String query) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode c : ok("/api/ticks?symbol=TS&" + query).get("candles")) {
            out.add((c.get("ts").asLong() - T0) / 1000 + "s:" + c.get("open").asInt() + "/" + c.get("high").asInt() + "/" + c.get("low").asInt()
                    + "/" + c.get("close").asInt() + "/" + c.get("trades").asInt());
        }
        return out;
    }

    @Test
    void candlesFromTheAggregatesEndAtTheRequestedEnd() throws Exception {
        // A whole-minute end: all three minutes from the 1-minute aggregate.
        assertEquals(List.of("0s:100/105/95/101/4", "60s:102/102/99/99/2", "120s:98/103/98/103/2"),
                candles("from=" + T0 + "&to=" + (T0 + 180_000) + "&bucket=1m"));
        // An end inside minute 2 (at 130 s): minutes 0 and 1 from the aggregate, minute 2 from the ticks before the
        // end only; the aggregate's minute 2 would include the tick at 150 s.
        assertEquals(List.of("0s:100/105/95/101/4", "60s:102/102/99/99/2", "120s:98/98/98/98/1"),
                candles("from=" + T0 + "&to=" + (T0 + 130_000) + "&bucket=1m"));
        // A start inside minute 0 starts at that minute, whole.
        assertEquals(List.of("0s:100/105/95/101/4", "60s:102/102/99/99/2"), candles("from=" + (T0 + 30_000) + "&to=" + (T0 + 120_000) + "&bucket=1m"));
        // The hour, still forming at 130 s: from the ticks up to the end.
        assertEquals(List.of("0s:100/105/95/98/7"), candles("from=" + T0 + "&to=" + (T0 + 130_000) + "&bucket=1h"));
        // Another width: time_bucket over the ticks.
        assertEquals(List.of("0s:100/105/100/105/2", "30s:95/101/95/101/2", "60s:102/102/102/102/1", "90s:99/99/99/99/1",
                "120s:98/98/98/98/1", "150s:103/103/103/103/1"), candles("from=" + T0 + "&to=" + (T0 + 180_000) + "&bucket=30s"));
    }

    @Test
    void forecastsVersionsAndErrorsAnswer() throws Exception {
        JsonNode f = ok("/api/forecasts?symbol=TS&from=" + T0 + "&to=" + (T0 + 180_000) + "&bucket=1m");
        assertEquals(3, f.get("forecasts").size(), "the last forecast of each minute");
        assertEquals(3, f.get("forecasts").get(0).get("seq").asLong());
        JsonNode versions = ok("/api/models?symbol=TS");
        assertEquals("v1", versions.get(0).get("model_version").asText());
        assertEquals(T0 + 150_000, versions.get(0).get("last_forecast").asLong());
        JsonNode e = ok("/api/errors?symbol=TS&from=" + T0 + "&to=" + (T0 + 180_000));
        assertEquals(1, e.get("horizons").size());
        assertTrue(e.get("horizons").get(0).get("n").asLong() > 0, e.toString());
    }
}
