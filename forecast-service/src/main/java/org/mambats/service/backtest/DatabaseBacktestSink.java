package org.mambats.service.backtest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Map;
import org.mambats.backtest.metrics.TradingSimulation;
import org.mambats.backtest.run.BacktestResult;
import org.mambats.backtest.sink.BacktestSink;
import org.mambats.ingest.db.Database;

/**
 * Stores finished backtest runs in the database's {@code backtest_runs} table (migrating the schema first), so
 * analysts see them next to the live forecasts. Found by {@code ./mamba-ts backtest --jdbc-url ...} through
 * {@link BacktestSink.Provider}.
 */
public final class DatabaseBacktestSink implements BacktestSink {
    private final Database db;

    DatabaseBacktestSink(Database db) {
        this.db = db;
    }

    /** Accepts PostgreSQL (and so TimescaleDB) JDBC URLs. */
    public static final class Provider implements BacktestSink.Provider {
        @Override
        public boolean accepts(String url) {
            return url.startsWith("jdbc:postgresql:");
        }

        @Override
        public BacktestSink open(String url) throws IOException {
            try {
                return new DatabaseBacktestSink(Database.open(url, null, 2));
            } catch (SQLException e) {
                throw new IOException("cannot open the database at " + Database.redact(url) + ": " + e.getMessage(), e);
            }
        }
    }

    /** At most this many points per stored equity curve: enough for a chart, small enough for one row. */
    static final int MAX_EQUITY_POINTS = 2_000;

    @Override
    public void storeRun(String runId, ObjectNode config, ObjectNode metrics, BacktestResult result) throws IOException {
        ObjectNode cfg = config.deepCopy();
        cfg.put("run_id", runId);
        try (Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            long id;
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO backtest_runs (model, model_version, symbols, data_from, data_to, config, metrics) "
                            + "VALUES (?, ?, ?, ?, ?, ?::jsonb, ?::jsonb) RETURNING id")) {
                ps.setString(1, cfg.path("model").asText(foldsAgreeOn(metrics, "model")));
                ps.setString(2, cfg.path("model_version").asText(foldsAgreeOn(metrics, "model_version")));
                ps.setArray(3, result == null ? null : c.createArrayOf("text", new String[] {result.data.symbol}));
                long[] times = result == null || result.market == null ? new long[0] : result.market.times;
                ps.setTimestamp(4, times.length == 0 ? null : new Timestamp(times[0]));
                ps.setTimestamp(5, times.length == 0 ? null : new Timestamp(times[times.length - 1]));
                ps.setString(6, cfg.toString());
                ps.setString(7, metrics.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            if (result != null && result.market != null && !result.trading.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO backtest_equity (run_id, model, ts, equity) VALUES (?, ?, ?, ?)")) {
                    for (Map.Entry<String, TradingSimulation.Result> e : result.trading.entrySet()) {
                        int[] keep = thin(e.getValue().equity().length, MAX_EQUITY_POINTS);
                        Timestamp[] ts = new Timestamp[keep.length];
                        Double[] eq = new Double[keep.length];
                        for (int k = 0; k < keep.length; k++) {
                            ts[k] = new Timestamp(result.market.times[keep[k]]);
                            eq[k] = e.getValue().equity()[keep[k]];
                        }
                        ps.setLong(1, id);
                        ps.setString(2, e.getKey());
                        ps.setArray(3, c.createArrayOf("timestamptz", ts));
                        ps.setArray(4, c.createArrayOf("float8", eq));
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            c.commit();
        } catch (SQLException e) {
            throw new IOException("storing backtest run " + runId + " failed: " + e.getMessage(), e);
        }
    }

    /** The folds' common value of a field (checkpoint mode has one model), or null when they differ (walk-forward retrains). */
    static String foldsAgreeOn(ObjectNode metrics, String field) {
        String value = null;
        for (com.fasterxml.jackson.databind.JsonNode fold : metrics.path("folds")) {
            String v = fold.path(field).asText(null);
            if (v == null || (value != null && !value.equals(v))) {
                return null;
            }
            value = v;
        }
        return value;
    }

    /** Indices of at most {@code max} points spread evenly over {@code n}, always including the first and the last. */
    static int[] thin(int n, int max) {
        if (n <= max) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] out = new int[max];
        for (int k = 0; k < max; k++) {
            out[k] = (int) Math.round((double) k * (n - 1) / (max - 1));
        }
        return out;
    }

    @Override
    public void close() {
        db.close();
    }
}
