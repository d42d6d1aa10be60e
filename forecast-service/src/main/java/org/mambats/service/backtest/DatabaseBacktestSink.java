package org.mambats.service.backtest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mambats.backtest.metrics.Portfolio;
import org.mambats.backtest.metrics.TradingSimulation;
import org.mambats.backtest.run.BacktestResult;
import org.mambats.backtest.run.PanelResult;
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
        try (Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            insertSymbolRun(c, runId, config, metrics, result, null);
            c.commit();
        } catch (SQLException e) {
            throw new IOException("storing backtest run " + runId + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * One transaction: the universe's row (kind 'panel', the portfolio's equity curves), then each symbol's run
     * pointing at it.
     */
    @Override
    public void storePanel(String runId, ObjectNode metrics, PanelResult panel, List<ObjectNode> symbolMetrics) throws IOException {
        ObjectNode cfg = ((ObjectNode) metrics.path("run").path("config")).deepCopy();
        cfg.put("run_id", runId);
        try (Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            long from = Long.MAX_VALUE, to = Long.MIN_VALUE;
            for (BacktestResult r : panel.symbols) {
                if (r.market != null) {
                    from = Math.min(from, r.market.times[0]);
                    to = Math.max(to, r.market.times[r.market.times.length - 1]);
                }
            }
            long id = insertRun(c, "panel", null, null, null, panel.symbolNames().toArray(String[]::new),
                    from == Long.MAX_VALUE ? null : from, to == Long.MIN_VALUE ? null : to, cfg, metrics);
            Map<String, long[]> times = new LinkedHashMap<>();
            Map<String, double[]> curves = new LinkedHashMap<>();
            for (Map.Entry<String, Portfolio.Result> e : panel.portfolio.entrySet()) {
                times.put(e.getKey(), e.getValue().times());
                curves.put(e.getKey(), e.getValue().equity());
            }
            insertEquity(c, id, times, curves);
            for (int s = 0; s < panel.symbols.size(); s++) {
                BacktestResult r = panel.symbols.get(s);
                ObjectNode m = symbolMetrics.get(s);
                insertSymbolRun(c, r.runId, (ObjectNode) m.path("run").path("config"), m, r, id);
            }
            c.commit();
        } catch (SQLException e) {
            throw new IOException("storing panel backtest run " + runId + " failed: " + e.getMessage(), e);
        }
    }

    private void insertSymbolRun(Connection c, String runId, ObjectNode config, ObjectNode metrics, BacktestResult result, Long panelId)
            throws SQLException {
        ObjectNode cfg = config.deepCopy();
        cfg.put("run_id", runId);
        long[] times = result == null || result.market == null ? new long[0] : result.market.times;
        long id = insertRun(c, "symbol", panelId, cfg.path("model").asText(foldsAgreeOn(metrics, "model")),
                cfg.path("model_version").asText(foldsAgreeOn(metrics, "model_version")),
                result == null ? null : new String[] {result.data.symbol}, times.length == 0 ? null : times[0],
                times.length == 0 ? null : times[times.length - 1], cfg, metrics);
        if (result != null && result.market != null && !result.trading.isEmpty()) {
            Map<String, long[]> t = new LinkedHashMap<>();
            Map<String, double[]> curves = new LinkedHashMap<>();
            for (Map.Entry<String, TradingSimulation.Result> e : result.trading.entrySet()) {
                t.put(e.getKey(), result.market.times);
                curves.put(e.getKey(), e.getValue().equity());
            }
            insertEquity(c, id, t, curves);
        }
    }

    private static long insertRun(Connection c, String kind, Long panelId, String model, String modelVersion, String[] symbols, Long from,
                                  Long to, ObjectNode cfg, ObjectNode metrics) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO backtest_runs (kind, panel_id, model, model_version, symbols, data_from, data_to, config, metrics) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb) RETURNING id")) {
            ps.setString(1, kind);
            if (panelId == null) {
                ps.setNull(2, java.sql.Types.BIGINT);
            } else {
                ps.setLong(2, panelId);
            }
            ps.setString(3, model);
            ps.setString(4, modelVersion);
            ps.setArray(5, symbols == null ? null : c.createArrayOf("text", symbols));
            ps.setTimestamp(6, from == null ? null : new Timestamp(from));
            ps.setTimestamp(7, to == null ? null : new Timestamp(to));
            ps.setString(8, cfg.toString());
            ps.setString(9, metrics.toString());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Each model's equity curve, thinned to {@link #MAX_EQUITY_POINTS}. */
    private static void insertEquity(Connection c, long runId, Map<String, long[]> times, Map<String, double[]> curves) throws SQLException {
        if (curves.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO backtest_equity (run_id, model, ts, equity) VALUES (?, ?, ?, ?)")) {
            for (Map.Entry<String, double[]> e : curves.entrySet()) {
                long[] t = times.get(e.getKey());
                int[] keep = thin(e.getValue().length, MAX_EQUITY_POINTS);
                Timestamp[] ts = new Timestamp[keep.length];
                Double[] eq = new Double[keep.length];
                for (int k = 0; k < keep.length; k++) {
                    ts[k] = new Timestamp(t[keep[k]]);
                    eq[k] = e.getValue()[keep[k]];
                }
                ps.setLong(1, runId);
                ps.setString(2, e.getKey());
                ps.setArray(3, c.createArrayOf("timestamptz", ts));
                ps.setArray(4, c.createArrayOf("float8", eq));
                ps.addBatch();
            }
            ps.executeBatch();
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
