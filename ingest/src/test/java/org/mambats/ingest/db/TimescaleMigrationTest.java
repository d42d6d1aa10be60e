package org.mambats.ingest.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Timescale path for real, on {@link PgliteTimescale} (PostgreSQL 17 with TimescaleDB compiled to WebAssembly,
 * served by node on a loopback port). The migrations take the Timescale
 * path (hypertables, continuous aggregates, policies) and the candles and the forecast-error summary answer.
 * Skipped, with the reason, where node/npm or the npm registry are not available.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class TimescaleMigrationTest {
    static PgliteTimescale server;
    static Database db;

    @BeforeAll
    static void setUp() throws Exception {
        server = PgliteTimescale.startOrSkip();
        db = Database.open(server.jdbcUrl(), null, 2);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (db != null) {
            db.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void timescalePathHypertablesCaggsAndPolicies() throws Exception {
        assertTrue(db.timescale(), "timescaledb is available here, the Timescale path must be taken");
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            assertEquals(List.of("forecasts", "ticks"), strings(s, "SELECT hypertable_name FROM timescaledb_information.hypertables "
                    + "ORDER BY 1"));
            assertEquals(List.of("candles_1h", "candles_1m"), strings(s, "SELECT view_name FROM timescaledb_information.continuous_aggregates "
                    + "ORDER BY 1"));
            List<String> jobs = strings(s, "SELECT proc_name || ':' || coalesce(hypertable_name, '') FROM timescaledb_information.jobs "
                    + "WHERE proc_name LIKE 'policy_%' ORDER BY 1");
            for (String job : List.of("policy_compression:ticks", "policy_compression:forecasts")) {
                assertTrue(jobs.contains(job), job + " in " + jobs);
            }
            assertEquals(2, jobs.stream().filter(j -> j.startsWith("policy_refresh_continuous_aggregate")).count(), jobs.toString());
            // Retention is opt-in (V7): no history is dropped unless the operator adds a policy.
            assertEquals(0, jobs.stream().filter(j -> j.startsWith("policy_retention")).count(), jobs.toString());

            long t0 = 1_700_000_000_000L - 1_700_000_000_000L % 3_600_000L;
            double[][] rows = {{1_000, 100, 1}, {20_000, 105, 2}, {40_000, 95, 3}, {59_000, 101, 4}, {61_000, 102, 5}, {119_000, 99, 6}};
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO ticks (symbol, ts, price, size, seq) VALUES ('TS', ?, ?, ?, ?) "
                    + "ON CONFLICT DO NOTHING")) {
                for (int i = 0; i < rows.length; i++) {
                    ps.setTimestamp(1, new Timestamp(t0 + (long) rows[i][0]));
                    ps.setDouble(2, rows[i][1]);
                    ps.setDouble(3, rows[i][2]);
                    ps.setLong(4, i);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            // real-time aggregation answers before any refresh; then materialise and ask again
            for (int pass = 0; pass < 2; pass++) {
                assertEquals(List.of("100/105/95/101/10/4", "102/102/99/99/11/2"),
                        strings(s, "SELECT open || '/' || high || '/' || low || '/' || close || '/' || volume || '/' || trades "
                                + "FROM candles_1m WHERE symbol = 'TS' ORDER BY bucket"));
                assertEquals(List.of("100/105/95/99/21/6"),
                        strings(s, "SELECT open || '/' || high || '/' || low || '/' || close || '/' || volume || '/' || trades "
                                + "FROM candles_1h WHERE symbol = 'TS'"));
                s.execute("CALL refresh_continuous_aggregate('candles_1m', NULL, NULL)");
                s.execute("CALL refresh_continuous_aggregate('candles_1h', NULL, NULL)");
            }
            s.execute("INSERT INTO forecasts (symbol, ts, seq, horizon, model, model_version, price, levels, log_returns, q10, q50, q90) "
                    + "VALUES ('TS', to_timestamp(" + (t0 + 1_000) / 1000.0 + "), 0, '1tick', 'm', 'v', 100, '{0.1,0.5,0.9}', "
                    + "'{0,0.05,0.1}', 0, 0.05, 0.1) ON CONFLICT DO NOTHING");
            assertEquals(List.of("1"), strings(s, "SELECT n FROM forecast_error_summary WHERE symbol = 'TS'"));
            assertFalse(strings(s, "SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'").isEmpty());
        }
    }

    static List<String> strings(Statement s, String sql) throws Exception {
        List<String> out = new java.util.ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
