package org.mambats.ingest.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mambats.ingest.sink.BatchWriter;
import org.mambats.model.forecast.Forecast;
import org.mambats.model.tick.Tick;

/**
 * The schema on a real (embedded) PostgreSQL without timescaledb: the migrations, the plain fallback views
 * (candles, forecast errors), idempotent writes, monotonic offsets, a restart on the same data directory and port,
 * and a static check of the Timescale-only migration against what the plain migrations create.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SchemaTest {
    @TempDir
    static Path dir;
    static EmbeddedPostgresServer pg;
    static Database db;
    static final long T0 = 1_700_000_040_000L - (1_700_000_040_000L % 3_600_000L); // on the hour

    @BeforeAll
    static void setUp() throws Exception {
        pg = EmbeddedPostgresServer.start(dir.resolve("pg"), Map.of("fsync", "off"));
        db = Database.open(pg.jdbcUrl(), null, 2);
    }

    @AfterAll
    static void tearDown() {
        if (db != null) {
            db.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    /**
     * Sessions are in UTC whatever the JVM's zone: the API's bucket origins and the plain views' date_trunc then
     * mean the same on every machine. Without it, the driver takes the JVM's zone, and in Asia/Kolkata (+05:30)
     * hourly buckets aligned to the epoch begin at half past.
     */
    @Test
    void sessionsAreInUtcWhateverTheJvmZone() throws Exception {
        assertTrue(Runtime.version().feature() >= 25, "the embedded PostgreSQL's client runs on Java " + Runtime.version());
        java.util.TimeZone jvm = java.util.TimeZone.getDefault();
        java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("Asia/Kolkata"));
        try (Database other = Database.connect(pg.jdbcUrl(), null, 2);
             Connection c = other.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_setting('TimeZone'), date_bin('1 hour', TIMESTAMPTZ '2013-11-25 10:45:00+00', "
                     + "TIMESTAMPTZ '1970-01-01') = TIMESTAMPTZ '2013-11-25 10:00:00+00'")) {
            rs.next();
            assertEquals("UTC", rs.getString(1));
            assertTrue(rs.getBoolean(2), "an hourly bucket starts on the hour");
        } finally {
            java.util.TimeZone.setDefault(jvm);
        }
    }

    @Test
    void migrationsTakeThePlainPathAndAreIdempotent() throws Exception {
        try (Connection c = db.dataSource().getConnection()) {
            assumeFalse(Migrations.timescaleAvailable(c), "timescaledb is installed here: the plain path is not taken");
            assertFalse(db.timescale());
            for (String t : List.of("ticks", "forecasts", "models", "backtest_runs", "backtest_equity", "sink_offsets")) {
                assertEquals(1, count(c, "SELECT count(*) FROM information_schema.tables WHERE table_name = '" + t + "'"), t);
            }
            for (String v : List.of("candles_1m", "candles_1h", "forecast_errors", "forecast_error_summary")) {
                assertEquals(1, count(c, "SELECT count(*) FROM information_schema.views WHERE table_name = '" + v + "'"), v);
            }
            assertEquals(9, count(c, "SELECT count(*) FROM flyway_schema_history WHERE success AND version IS NOT NULL"));
        }
        Migrations.Result again = db.migrate();
        assertEquals(0, again.applied());
        assertEquals("9", again.schemaVersion());
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO models (name, version, config, provenance) VALUES ('mamba', 'v1', '{\"d_model\": 64}', "
                    + "'{\"seed\": 42}')");
            s.execute("INSERT INTO backtest_runs (model, model_version, symbols, data_from, data_to, config, metrics) VALUES "
                    + "('mamba', 'v1', '{BTCUSD}', now() - interval '1 day', now(), '{}', '{\"pinball\": 0.3}')");
            assertEquals(1, count(c, "SELECT count(*) FROM backtest_runs WHERE (metrics->>'pinball')::float = 0.3"));
        }
    }

    @Test
    void oneMinuteAndOneHourCandlesFromTicks() throws Exception {
        List<Tick> ticks = List.of(
                new Tick("CNDL", T0 + 1_000, 100, 1, Double.NaN, Double.NaN, 0),
                new Tick("CNDL", T0 + 20_000, 105, 2, 104.9, 105.1, 1),
                new Tick("CNDL", T0 + 40_000, 95, 3, Double.NaN, Double.NaN, 2),
                new Tick("CNDL", T0 + 59_000, 101, 4, Double.NaN, Double.NaN, 3),
                new Tick("CNDL", T0 + 61_000, 102, 5, Double.NaN, Double.NaN, 4),
                new Tick("CNDL", T0 + 119_000, 99, 6, Double.NaN, Double.NaN, 5));
        try (Connection c = db.dataSource().getConnection()) {
            assertEquals(6, new BatchWriter().write(c, List.of(), ticks, null, Map.of()));
            assertEquals(0, new BatchWriter().write(c, List.of(), ticks, null, Map.of()), "ticks written twice are stored once");
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT extract(epoch FROM bucket)::bigint, open, high, low, close, volume, trades "
                         + "FROM candles_1m WHERE symbol = 'CNDL' ORDER BY bucket")) {
                assertTrue(rs.next());
                assertEquals(T0 / 1000, rs.getLong(1));
                assertEquals(List.of(100.0, 105.0, 95.0, 101.0, 10.0), List.of(rs.getDouble(2), rs.getDouble(3), rs.getDouble(4),
                        rs.getDouble(5), rs.getDouble(6)));
                assertEquals(4, rs.getLong(7));
                assertTrue(rs.next());
                assertEquals(T0 / 1000 + 60, rs.getLong(1));
                assertEquals(List.of(102.0, 102.0, 99.0, 99.0, 11.0), List.of(rs.getDouble(2), rs.getDouble(3), rs.getDouble(4),
                        rs.getDouble(5), rs.getDouble(6)));
                assertFalse(rs.next());
            }
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT open, high, low, close, volume, trades FROM candles_1h WHERE symbol = 'CNDL'")) {
                assertTrue(rs.next());
                assertEquals(List.of(100.0, 105.0, 95.0, 99.0, 21.0), List.of(rs.getDouble(1), rs.getDouble(2), rs.getDouble(3),
                        rs.getDouble(4), rs.getDouble(5)));
                assertEquals(6, rs.getLong(6));
                assertFalse(rs.next());
            }
            assertEquals(1, count(c, "SELECT count(*) FROM ticks WHERE symbol = 'CNDL' AND bid = 104.9 AND ask = 105.1"));
            assertEquals(5, count(c, "SELECT count(*) FROM ticks WHERE symbol = 'CNDL' AND bid IS NULL"));
        }
    }

    @Test
    void forecastErrorSummary() throws Exception {
        // prices: 100 at t, 110 at t+30s, 121 at t+70s. A 60s forecast at t realises ln(1.1) (the last tick at or
        // before t+60s, once a tick at/after t+60s exists); a 1tick forecast at t realises ln(1.1) too.
        List<Tick> ticks = List.of(
                new Tick("ERR", T0, 100, 1, Double.NaN, Double.NaN, 0),
                new Tick("ERR", T0 + 30_000, 110, 1, Double.NaN, Double.NaN, 1),
                new Tick("ERR", T0 + 70_000, 121, 1, Double.NaN, Double.NaN, 2));
        float[] levels = {0.1f, 0.5f, 0.9f};
        float r = (float) Math.log(1.1);
        List<Forecast> fs = List.of(
                new Forecast("ERR", T0, 100, 0, "60s", levels, new float[] {r - 0.05f, r - 0.01f, r + 0.05f}, "m", "v"),
                new Forecast("ERR", T0, 100, 0, "1tick", levels, new float[] {r + 0.01f, r + 0.02f, r + 0.03f}, "m", "v"),
                new Forecast("ERR", T0 + 70_000, 121, 2, "60s", levels, new float[] {0, 0, 0}, "m", "v")); // not elapsed
        try (Connection c = db.dataSource().getConnection()) {
            new BatchWriter().write(c, fs, ticks, null, Map.of());
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT horizon, n, mae_q50, coverage_10_90, pinball FROM forecast_error_summary "
                         + "WHERE symbol = 'ERR' ORDER BY horizon")) {
                assertTrue(rs.next());
                assertEquals("1tick", rs.getString(1));
                assertEquals(1, rs.getLong(2));
                assertEquals(0.02, rs.getDouble(3), 1e-6);
                assertEquals(0.0, rs.getDouble(4), 1e-9);
                assertTrue(rs.next());
                assertEquals("60s", rs.getString(1));
                assertEquals(1, rs.getLong(2));
                assertEquals(0.01, rs.getDouble(3), 1e-6);
                assertEquals(1.0, rs.getDouble(4), 1e-9);
                // pinball: (0.1*0.05 + 0.5*0.01 + 0.1*0.05) / 3
                assertEquals((0.005 + 0.005 + 0.005) / 3, rs.getDouble(5), 1e-6);
                assertFalse(rs.next());
            }
        }
    }

    /** Every horizon the model accepts has errors: days, upper case, a space before the unit (V9). */
    @Test
    void forecastErrorsForEveryHorizonFormTheModelWrites() throws Exception {
        long day = 86_400_000L;
        // prices: 100 at t, 110 a second before t+1d, 121 a second after it.
        List<Tick> ticks = List.of(
                new Tick("DAY", T0, 100, 1, Double.NaN, Double.NaN, 0),
                new Tick("DAY", T0 + day - 1_000, 110, 1, Double.NaN, Double.NaN, 1),
                new Tick("DAY", T0 + day + 1_000, 121, 1, Double.NaN, Double.NaN, 2));
        float[] levels = {0.1f, 0.5f, 0.9f};
        float[] q = {-0.2f, 0f, 0.2f};
        List<Forecast> fs = List.of(
                new Forecast("DAY", T0, 100, 0, "1d", levels, q, "m", "v"),
                new Forecast("DAY", T0, 100, 0, "2 Ticks", levels, q, "m", "v"),
                new Forecast("DAY", T0, 100, 0, "60S", levels, q, "m", "v"),
                new Forecast("DAY", T0 + day - 1_000, 110, 1, "1D", levels, q, "m", "v")); // not elapsed yet
        Map<String, Double> expected = Map.of("1d", Math.log(1.1), "2 Ticks", Math.log(1.21), "60S", 0.0);
        try (Connection c = db.dataSource().getConnection()) {
            new BatchWriter().write(c, fs, ticks, null, Map.of());
            Map<String, Double> got = new java.util.HashMap<>();
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT horizon, realised_log_return FROM forecast_errors WHERE symbol = 'DAY'")) {
                while (rs.next()) {
                    assertNull(got.put(rs.getString(1), rs.getDouble(2)), "one error per forecast: " + rs.getString(1));
                }
            }
            assertEquals(expected.keySet(), got.keySet());
            expected.forEach((h, v) -> assertEquals(v, got.get(h), 1e-9, h));
        }
    }

    @Test
    void forecastsWrittenTwiceAreStoredOnce() throws Exception {
        List<Forecast> fs = org.mambats.ingest.sink.SinkBenchmark.forecasts(3000, 7);
        List<Forecast> renamed = new ArrayList<>();
        for (Forecast f : fs) {
            renamed.add(new Forecast("IDEM" + f.symbol(), f.timeMillis(), f.price(), f.seq(), f.horizon(), f.levels(),
                    f.logReturns(), f.model(), f.version()));
        }
        BatchWriter w = new BatchWriter();
        try (Connection c = db.dataSource().getConnection()) {
            assertEquals(3000, w.write(c, renamed, List.of(), null, Map.of()));
            assertEquals(0, w.write(c, renamed, List.of(), null, Map.of()));
            // half old, half new, and a duplicate inside the batch
            List<Forecast> mixed = new ArrayList<>(renamed.subList(0, 100));
            Forecast extra = new Forecast("IDEMX", 1, 10, 1, "10s", new float[] {0.5f}, new float[] {0.01f}, "m", "v");
            mixed.add(extra);
            mixed.add(extra);
            assertEquals(1, w.write(c, mixed, List.of(), null, Map.of()));
            assertEquals(2, w.upsertBatches());
            assertEquals(3001, count(c, "SELECT count(*) FROM forecasts WHERE symbol LIKE 'IDEM%'"));
            assertEquals(1, count(c, "SELECT count(*) FROM forecasts WHERE symbol = 'IDEMX' AND q50 = 0.01::real AND q10 IS NULL "
                    + "AND p50 BETWEEN 10.1 AND 10.11 AND levels = '{0.5}'"));
            Forecast f = renamed.get(5);
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT price, q10, q50, q90, p90, log_returns "
                    + "FROM forecasts WHERE symbol = '" + f.symbol() + "' AND seq = " + f.seq() + " AND horizon = '" + f.horizon() + "'")) {
                assertTrue(rs.next());
                assertEquals(f.price(), rs.getDouble(1));
                assertEquals(f.logReturns()[0], rs.getFloat(2));
                assertEquals(f.logReturns()[1], rs.getFloat(3));
                assertEquals(f.logReturns()[2], rs.getFloat(4));
                assertEquals(f.priceLevel(2), rs.getDouble(5), 1e-9);
                Float[] q = (Float[]) rs.getArray(6).getArray();
                assertEquals(f.logReturns()[2], q[2]);
            }
        }
    }

    @Test
    void offsetsNeverMoveBackwards() throws Exception {
        TopicPartition tp = new TopicPartition("t", 3);
        try (Connection c = db.dataSource().getConnection()) {
            BatchWriter.storeOffsets(c, "g", Map.of(tp, 100L));
            BatchWriter.storeOffsets(c, "g", Map.of(tp, 50L));
            assertEquals(Map.of(tp, 100L), BatchWriter.loadOffsets(c, "g", List.of(tp)));
            BatchWriter.storeOffsets(c, "g", Map.of(tp, 150L));
            assertEquals(Map.of(tp, 150L), BatchWriter.loadOffsets(c, "g", List.of(tp, new TopicPartition("t", 4))));
        }
    }

    @Test
    void embeddedServerRestartsOnItsDataAndPort() throws Exception {
        Path root = dir.resolve("restart");
        int port;
        try (EmbeddedPostgresServer s = EmbeddedPostgresServer.start(root, Map.of("fsync", "off"))) {
            port = s.port();
            try (Database d = Database.open(s.jdbcUrl(), null, 1); Connection c = d.dataSource().getConnection();
                 Statement st = c.createStatement()) {
                st.execute("INSERT INTO models (name, version) VALUES ('kept', '1')");
            }
        }
        try (Database d = Database.open(null, root, 1); Connection c = d.dataSource().getConnection()) {
            assertEquals(port, d.embedded().port());
            assertEquals(1, count(c, "SELECT count(*) FROM models WHERE name = 'kept'"));
            // durable by default (zonky's own defaults turn fsync and synchronous_commit off)
            assertEquals(2, count(c, "SELECT count(*) FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit') AND setting = 'on'"));
        }
    }

    /**
     * The Timescale-only migration, checked statically against the plain schema: every table it turns into a
     * hypertable or compresses exists with the columns it names, and each continuous aggregate has the columns of
     * the plain view of the same name. (It is run for real only where timescaledb is installed.)
     */
    @Test
    void timescaleMigrationMatchesThePlainSchema() throws Exception {
        String sql = new String(SchemaTest.class.getResourceAsStream("/db/migration/timescale/V2__timescale.sql").readAllBytes(),
                StandardCharsets.UTF_8);
        assertTrue(new String(SchemaTest.class.getResourceAsStream("/db/migration/timescale/V2__timescale.sql.conf").readAllBytes(),
                StandardCharsets.UTF_8).contains("executeInTransaction=false"));
        try (Connection c = db.dataSource().getConnection()) {
            Set<String> tables = new LinkedHashSet<>();
            Matcher m = Pattern.compile("(?:create_hypertable|add_compression_policy|add_retention_policy|add_continuous_aggregate_policy)"
                    + "\\('([a-z_0-9]+)'").matcher(sql);
            while (m.find()) {
                tables.add(m.group(1));
            }
            assertEquals(Set.of("ticks", "forecasts", "candles_1m", "candles_1h"), tables);
            for (String t : tables) {
                assertEquals(1, count(c, "SELECT count(*) FROM information_schema.tables WHERE table_name = '" + t + "'"), t);
            }
            Matcher seg = Pattern.compile("ALTER TABLE ([a-z_]+) SET \\(timescaledb\\.compress, timescaledb\\.compress_segmentby = '([^']+)',"
                    + "\\s*timescaledb\\.compress_orderby = '([^']+)'\\)").matcher(sql);
            int compressed = 0;
            while (seg.find()) {
                compressed++;
                for (String col : (seg.group(2) + "," + seg.group(3)).split(",")) {
                    assertEquals(1, count(c, "SELECT count(*) FROM information_schema.columns WHERE table_name = '" + seg.group(1)
                            + "' AND column_name = '" + col.trim() + "'"), seg.group(1) + "." + col);
                }
            }
            assertEquals(2, compressed);
            Matcher cagg = Pattern.compile("CREATE MATERIALIZED VIEW ([a-z_0-9]+) WITH \\(timescaledb\\.continuous[^)]*\\) AS\\s+SELECT (.*?)\\s+FROM",
                    Pattern.DOTALL).matcher(sql);
            int caggs = 0;
            while (cagg.find()) {
                caggs++;
                List<String> aliases = new ArrayList<>();
                for (String line : cagg.group(2).split(",\\s*\\n")) {
                    String[] words = line.trim().split("\\s+");
                    aliases.add(words[words.length - 1]);
                }
                List<String> plain = new ArrayList<>();
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT column_name FROM information_schema.columns "
                        + "WHERE table_name = '" + cagg.group(1) + "' ORDER BY ordinal_position")) {
                    while (rs.next()) {
                        plain.add(rs.getString(1));
                    }
                }
                assertEquals(plain, aliases, cagg.group(1));
            }
            assertEquals(2, caggs);
        }
    }

    static long count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void passwordsAreRedactedFromUrlsInMessages() {
        assertEquals("jdbc:postgresql://db:5432/m?user=u&password=***&ssl=true",
                Database.redact("jdbc:postgresql://db:5432/m?user=u&password=s3cr&t&ssl=true".replace("s3cr&t", "s3cret")));
    }
}
